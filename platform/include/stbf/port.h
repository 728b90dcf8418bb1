/*
 * stbfailover port contract — the only way the core reaches the outside world.
 *
 * A port (platform/posix, platform/sim, or your own made from platform/template) fills one
 * `stbf_port` table of function pointers and hands it to the runtime. The core never calls an
 * operating system directly: time, randomness, logging, TCP and name resolution all come
 * through this table. This header is plain C (C99 / C++17) so a port may be written in either.
 *
 * Versioning: STBF_PORT_API_VERSION changes whenever a member is added, removed or changes
 * meaning. A port sets `api_version` to the value it was written against; the runtime refuses a
 * table whose version differs (stbf::Status::PortVersionMismatch).
 *
 * Threading: every function is called from the one thread that runs the runtime. A port may
 * use helper threads internally (e.g. for blocking name resolution) but must deliver results
 * only through `poll`.
 *
 * Memory: the core never frees anything the port returns and never keeps a pointer handed to a
 * port function beyond the call, except where a function says so.
 *
 * Dispatch (version 2): the caller names what a socket or a resolution belongs to with a 32-bit
 * `tag` (`watch`, `resolve_start`); every event `poll` reports hands that tag back, so the caller
 * finds the owner in O(1) without scanning its tables. The tag is opaque to the port: store it
 * next to the interest and copy it into the event. Several users may share one port (the
 * runtime, a daemon's control socket, an HTTPS fetch): each tells its own events apart by tag
 * (the runtime's convention is in core/include/stbf/runtime.h).
 *
 * Changes from version 1: `watch` and `resolve_start` take a tag; `stbf_event` has a `tag`;
 * optional `tcp_splice` and `tcp_shutdown` (may be NULL). A version 1 port is ported by storing
 * the tag per socket and per request and leaving both optional members NULL.
 */
#ifndef STBF_PORT_H
#define STBF_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped on any incompatible change of the table below. */
#define STBF_PORT_API_VERSION 2u

/** Monotonic time in microseconds since an arbitrary origin. Never goes backwards; 64 bits do
 *  not wrap in the life of a box. */
typedef uint64_t stbf_time_us;

/** A socket handle owned by the port. Values are >= 0; STBF_SOCK_INVALID is never a socket. */
typedef int32_t stbf_sock;
#define STBF_SOCK_INVALID ((stbf_sock)-1)

/** Result of a port call. Only the values a function documents are returned by it. */
typedef enum stbf_port_status {
    STBF_PORT_OK = 0,          /**< done */
    STBF_PORT_WOULD_BLOCK = 1, /**< nothing to do now; wait for readiness via poll */
    STBF_PORT_IN_PROGRESS = 2, /**< connect started; writable readiness reports the outcome */
    STBF_PORT_CLOSED = 3,      /**< orderly close by the peer (recv returned end of stream) */
    STBF_PORT_REFUSED = 4,     /**< connection refused (RST on SYN) */
    STBF_PORT_RESET = 5,       /**< connection reset or broken pipe on an established socket */
    STBF_PORT_UNREACHABLE = 6, /**< no route / network or host unreachable */
    STBF_PORT_TIMEOUT = 7,     /**< the OS gave up (e.g. SYN retries exhausted) */
    STBF_PORT_NO_RESOURCES = 8,/**< out of sockets, memory or table slots */
    STBF_PORT_ADDR_IN_USE = 9, /**< listen address already taken */
    STBF_PORT_NOT_FOUND = 10,  /**< name does not resolve (NXDOMAIN / no address) */
    STBF_PORT_INVALID = 11,    /**< bad argument or unknown handle (a bug in the caller) */
    STBF_PORT_ERROR = 12       /**< any other failure; see the port's log */
} stbf_port_status;

/** An IPv4 or IPv6 endpoint. `family` is 4 or 6; IPv4 uses addr[0..3] in network order. */
typedef struct stbf_addr {
    uint8_t family;
    uint8_t addr[16];
    uint16_t port; /**< host byte order */
} stbf_addr;

/** Readiness interest bits for `watch`, and event bits reported by `poll`. */
#define STBF_READABLE 0x1u /**< data, end of stream, error, or (listener) a pending accept */
#define STBF_WRITABLE 0x2u /**< room to send, or (connecting socket) the connect finished */

/** Kinds of event `poll` reports. */
typedef enum stbf_event_kind {
    STBF_EVENT_SOCKET = 1,  /**< socket `sock` is ready for `ready` (STBF_READABLE/WRITABLE) */
    STBF_EVENT_RESOLVED = 2 /**< resolution `request` finished; fetch with resolve_take */
} stbf_event_kind;

/** One readiness or completion. SOCKET: `sock`, `ready` and the `tag` of the socket's latest
 *  `watch`; `request` is 0. RESOLVED: `request`, the `tag` given to `resolve_start`; `sock` is
 *  STBF_SOCK_INVALID and `ready` 0. An event already returned by poll may name a socket the
 *  caller closed (or a handle reused) while handling an earlier event of the same batch: callers
 *  check that the tag's owner still holds `sock` (level-triggered, a spurious look is harmless). */
typedef struct stbf_event {
    uint8_t kind; /**< stbf_event_kind */
    uint8_t ready;
    stbf_sock sock;
    uint32_t request;
    uint32_t tag; /**< the caller's tag, handed back unchanged */
} stbf_event;

/** What one `tcp_splice` call did. */
typedef struct stbf_splice_result {
    size_t taken; /**< bytes read from `from` during this call */
    size_t given; /**< bytes written to `to` during this call */
    size_t held;  /**< bytes read from `from` earlier or now, not yet written to `to` */
    stbf_port_status from_status; /**< OK, WOULD_BLOCK, CLOSED (end of stream) or RESET */
    stbf_port_status to_status;   /**< OK, WOULD_BLOCK or RESET */
} stbf_splice_result;

/** Log levels, syslog order (lower is more severe). */
typedef enum stbf_log_level {
    STBF_LOG_ERROR = 3,
    STBF_LOG_WARNING = 4,
    STBF_LOG_NOTICE = 5,
    STBF_LOG_INFO = 6,
    STBF_LOG_DEBUG = 7
} stbf_log_level;

typedef struct stbf_port {
    /** Must equal STBF_PORT_API_VERSION of the header the port was compiled against. */
    uint32_t api_version;
    /** Opaque port state, passed as first argument to every function. */
    void* ctx;

    /* ---- time ------------------------------------------------------------------------- */

    /** Current monotonic time. Cheap; called often. Must never decrease. */
    stbf_time_us (*now)(void* ctx);

    /* ---- randomness ------------------------------------------------------------------- */

    /** Fill `out` with `len` random bytes. Used to seed the engine's generator (per box, so a
     *  fleet spreads its choices and check timers) and, later, for TLS. Must not fail; a port
     *  without a hardware source mixes what it has (serial number, MAC, clock). */
    void (*random)(void* ctx, uint8_t* out, size_t len);

    /* ---- logging ---------------------------------------------------------------------- */

    /** Write one log line (`msg` is `len` bytes, no trailing newline, not NUL-terminated).
     *  Never blocks for long; may drop lines under pressure. */
    void (*log)(void* ctx, stbf_log_level level, const char* msg, size_t len);

    /* ---- TCP -------------------------------------------------------------------------- */

    /** Open a non-blocking listening TCP socket bound to `local` (SO_REUSEADDR semantics).
     *  Returns OK and the handle in `*out`, or ADDR_IN_USE, NO_RESOURCES, INVALID, ERROR.
     *  `local->port` 0 picks a free port; `local_addr` then tells which. */
    stbf_port_status (*tcp_listen)(void* ctx, const stbf_addr* local, stbf_sock* out);

    /** Accept one pending connection on `listener`. Returns OK with the new non-blocking socket
     *  in `*out` and the peer in `*peer` (may be NULL), WOULD_BLOCK when none is pending,
     *  NO_RESOURCES, INVALID. */
    stbf_port_status (*tcp_accept)(void* ctx, stbf_sock listener, stbf_sock* out,
                                   stbf_addr* peer);

    /** Start a non-blocking connect to `remote`. Returns IN_PROGRESS (watch for WRITABLE, then
     *  call connect_result), OK (already connected), or REFUSED / UNREACHABLE / NO_RESOURCES /
     *  INVALID / ERROR when it failed at once (no socket is returned then). */
    stbf_port_status (*tcp_connect)(void* ctx, const stbf_addr* remote, stbf_sock* out);

    /** After a connecting socket reported WRITABLE: OK when connected, else REFUSED,
     *  UNREACHABLE, TIMEOUT, RESET or ERROR (the socket must still be closed by the caller).
     *  Returns IN_PROGRESS if called before the outcome is known. */
    stbf_port_status (*tcp_connect_result)(void* ctx, stbf_sock s);

    /** Send up to `len` bytes. Returns OK with `*sent` (> 0, may be < len), WOULD_BLOCK
     *  (`*sent` = 0), RESET, CLOSED, INVALID. Never raises SIGPIPE. */
    stbf_port_status (*tcp_send)(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                                 size_t* sent);

    /** Receive up to `cap` bytes. Returns OK with `*got` > 0, WOULD_BLOCK, CLOSED (peer sent
     *  end of stream, `*got` = 0), RESET, INVALID. */
    stbf_port_status (*tcp_recv)(void* ctx, stbf_sock s, uint8_t* buf, size_t cap,
                                 size_t* got);

    /** Close a socket (listener, connecting or connected) and forget its watch. The handle
     *  may be reused by a later call. Closing STBF_SOCK_INVALID is a no-op. */
    void (*tcp_close)(void* ctx, stbf_sock s);

    /** Local address of a socket (useful after listening on port 0). OK or INVALID. */
    stbf_port_status (*local_addr)(void* ctx, stbf_sock s, stbf_addr* out);

    /* ---- readiness and waiting ------------------------------------------------------ */

    /** Set the readiness interest for `s` (bitwise OR of STBF_READABLE / STBF_WRITABLE; 0 stops
     *  watching) and the `tag` its events carry (replacing any earlier tag). Level-triggered: a
     *  ready socket is reported by every poll until serviced, once per poll. Returns OK or
     *  INVALID. Must be O(1) (or close): the runtime calls it whenever a session's buffers fill
     *  or drain. */
    stbf_port_status (*watch)(void* ctx, stbf_sock s, unsigned interest, uint32_t tag);

    /** Wait until at least one event is available or `deadline` (absolute, on the `now`
     *  clock) has passed, then store up to `cap` events in `events` and return how many.
     *  Returns 0 when the deadline passed with nothing to report. A deadline in the past
     *  makes it a non-blocking check. A port may return early with 0 (e.g. on a signal); the
     *  caller simply looks at the clock again. The simulator advances its virtual clock here. */
    size_t (*poll)(void* ctx, stbf_time_us deadline, stbf_event* events, size_t cap);

    /* ---- name resolution -------------------------------------------------------------- */

    /** Start resolving `host` (NUL-terminated name or numeric IPv4/IPv6 literal, no brackets)
     *  for `port`. Never blocks. Returns OK with `*request` (non-zero), or NO_RESOURCES /
     *  INVALID. Completion is reported once by poll as STBF_EVENT_RESOLVED carrying `request`
     *  and `tag`, whoever started it: a caller waits for its own event, it never polls
     *  resolve_take on a timer. */
    stbf_port_status (*resolve_start)(void* ctx, const char* host, uint16_t port, uint32_t tag,
                                      uint32_t* request);

    /** Fetch the result of a finished resolution and release the request. Stores up to `cap`
     *  endpoints (every A and AAAA answer, in the resolver's order) in `out`, their count in
     *  `*count`. Returns OK, NOT_FOUND (no address), TIMEOUT, ERROR, or WOULD_BLOCK if the
     *  request has not finished (the request stays pending then). */
    stbf_port_status (*resolve_take)(void* ctx, uint32_t request, stbf_addr* out, size_t cap,
                                     size_t* count);

    /** Abandon a pending resolution; its completion event will not be reported. */
    void (*resolve_cancel)(void* ctx, uint32_t request);

    /* ---- optional capabilities (NULL when the port lacks them) ------------------------- */

    /** Optional; NULL if the port cannot. Move bytes from connected socket `from` to connected
     *  socket `to` inside the port, without copying them through the caller (Linux: splice(2)
     *  through a pipe the port keeps for `from`). Reads at most until `max` bytes are held,
     *  writes as much of what is held as `to` takes, and reports it in `*result`. Bytes held
     *  stay in order in the port until a later call writes them; while `held` > 0 the caller
     *  watches `to` for WRITABLE and must not tcp_recv from `from` (order). Closing `from`
     *  drops what it holds.
     *  Returns OK (see `*result`; no progress at all is OK with taken = given = 0), INVALID
     *  (unknown or unconnected handle), or NO_RESOURCES: the port cannot splice these sockets
     *  now (no pipe left, not a plain socket); nothing moved and nothing is held, and the
     *  caller copies with tcp_recv / tcp_send instead. */
    stbf_port_status (*tcp_splice)(void* ctx, stbf_sock from, stbf_sock to, size_t max,
                                   stbf_splice_result* result);

    /** Optional; NULL if the port cannot. Half-close: send end of stream (FIN) on connected
     *  socket `s` after the bytes already sent; `s` still receives until the peer closes.
     *  With it the runtime passes a client's half-close upstream and relays the answer back;
     *  without it, it ends the session after a best-effort flush. Returns OK or INVALID. */
    stbf_port_status (*tcp_shutdown)(void* ctx, stbf_sock s);
} stbf_port;

#ifdef __cplusplus
}
#endif

#endif /* STBF_PORT_H */
