/*
 * Port template: the starting point for running stbfailover on a new receiver OS.
 *
 * Copy this file to platform/<your-os>/, rename the `template_` prefix, and fill every function
 * in. Each one says what the contract in platform/include/stbf/port.h requires; until a function
 * is filled it fails with STBF_PORT_ERROR (or does nothing), so a half-done port fails loudly
 * in the contract tests instead of misbehaving quietly. See README.md next to this file for the
 * steps and for how to run the contract tests against your port.
 *
 * Plain C99 so it builds with any receiver toolchain; a port may also be C++.
 */
#include "stbf/port.h"

/* Everything your port keeps: socket table, poll set, pending resolutions, log sink. The
 * runtime passes a pointer to it back as `ctx` in every call. */
struct template_port_state {
    int unused; /* replace with your state */
};

/* Monotonic microseconds (CLOCK_MONOTONIC or the OS tick counter widened to 64 bits). Never
 * the wall clock: it jumps when the box sets its time from NTP or the broadcast. Must never
 * decrease; a 32-bit tick counter must be extended across wraps here. */
static stbf_time_us template_now(void* ctx) {
    (void)ctx;
    return 0;
}

/* Fill `out` with `len` random bytes (getrandom, /dev/urandom, a hardware RNG). Must not fail:
 * without a good source, mix what is unique to the box (serial, MAC, boot time) so a fleet
 * does not make identical choices. */
static void template_random(void* ctx, uint8_t* out, size_t len) {
    (void)ctx;
    (void)out;
    (void)len;
}

/* Write one line (`len` bytes, not NUL-terminated) to syslog, a file or the console. Never
 * block for long; dropping lines under pressure is allowed. */
static void template_log(void* ctx, stbf_log_level level, const char* msg, size_t len) {
    (void)ctx;
    (void)level;
    (void)msg;
    (void)len;
}

/* socket + SO_REUSEADDR + bind + listen, non-blocking. Port 0 picks a free port. Map EADDRINUSE
 * to ADDR_IN_USE, EMFILE/ENFILE/ENOMEM to NO_RESOURCES, a bad family to INVALID. */
static stbf_port_status template_tcp_listen(void* ctx, const stbf_addr* local, stbf_sock* out) {
    (void)ctx;
    (void)local;
    (void)out;
    return STBF_PORT_ERROR;
}

/* accept one pending connection, make it non-blocking (and close-on-exec), fill `peer` when not
 * NULL. EAGAIN -> WOULD_BLOCK. A connection reset while queued is skipped, not an error. */
static stbf_port_status template_tcp_accept(void* ctx, stbf_sock listener, stbf_sock* out,
                                            stbf_addr* peer) {
    (void)ctx;
    (void)listener;
    (void)out;
    (void)peer;
    return STBF_PORT_ERROR;
}

/* Non-blocking connect. EINPROGRESS -> IN_PROGRESS (the runtime watches WRITABLE, then calls
 * tcp_connect_result). Immediate failures (ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EMFILE)
 * return their status and no socket. Disable SIGPIPE for this socket here if the OS allows
 * (SO_NOSIGPIPE) or use MSG_NOSIGNAL in send. */
static stbf_port_status template_tcp_connect(void* ctx, const stbf_addr* remote, stbf_sock* out) {
    (void)ctx;
    (void)remote;
    (void)out;
    return STBF_PORT_ERROR;
}

/* After WRITABLE on a connecting socket: getsockopt(SO_ERROR). 0 -> OK; ECONNREFUSED ->
 * REFUSED; ENETUNREACH/EHOSTUNREACH -> UNREACHABLE; ETIMEDOUT -> TIMEOUT; ECONNRESET -> RESET.
 * Still connecting -> IN_PROGRESS. */
static stbf_port_status template_tcp_connect_result(void* ctx, stbf_sock s) {
    (void)ctx;
    (void)s;
    return STBF_PORT_ERROR;
}

/* send(..., MSG_NOSIGNAL). Partial sends are normal (OK with *sent < len). EAGAIN ->
 * WOULD_BLOCK with *sent = 0; ECONNRESET/EPIPE -> RESET. Never raise SIGPIPE. */
static stbf_port_status template_tcp_send(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                                          size_t* sent) {
    (void)ctx;
    (void)s;
    (void)data;
    (void)len;
    if (sent) *sent = 0;
    return STBF_PORT_ERROR;
}

/* recv. n > 0 -> OK; n == 0 -> CLOSED (end of stream); EAGAIN -> WOULD_BLOCK; ECONNRESET ->
 * RESET. Retry on EINTR inside the port. */
static stbf_port_status template_tcp_recv(void* ctx, stbf_sock s, uint8_t* buf, size_t cap,
                                          size_t* got) {
    (void)ctx;
    (void)s;
    (void)buf;
    (void)cap;
    if (got) *got = 0;
    return STBF_PORT_ERROR;
}

/* close the socket and forget its watch entry (remove it from epoll/poll sets). Closing
 * STBF_SOCK_INVALID or an unknown handle does nothing. */
static void template_tcp_close(void* ctx, stbf_sock s) {
    (void)ctx;
    (void)s;
}

/* getsockname -> stbf_addr (IPv4 in addr[0..3], network order; port in host order). */
static stbf_port_status template_local_addr(void* ctx, stbf_sock s, stbf_addr* out) {
    (void)ctx;
    (void)s;
    (void)out;
    return STBF_PORT_ERROR;
}

/* Remember the interest set for `s` (READABLE, WRITABLE, both, or 0 = none) and its `tag`
 * (opaque: store it in your socket table, copy it into every event of `s`). Level-triggered:
 * poll reports a ready socket every time until it is serviced (EPOLL without EPOLLET, or
 * poll()). Unknown handle -> INVALID. Keep it O(1): it is called as buffers fill and drain. */
static stbf_port_status template_watch(void* ctx, stbf_sock s, unsigned interest, uint32_t tag) {
    (void)ctx;
    (void)s;
    (void)interest;
    (void)tag;
    return STBF_PORT_ERROR;
}

/* Wait until a watched socket is ready, a resolution finished, or `deadline` (on the `now`
 * clock; convert to a relative timeout, rounding up so the runtime is not woken early) passed.
 * Store up to `cap` events; return their count, 0 on timeout. Errors on a socket (POLLERR,
 * POLLHUP) are reported as READABLE | WRITABLE so the next recv/send sees them. Returning 0
 * early (EINTR) is allowed. Every socket event carries the socket's tag (from watch). Deliver
 * finished resolutions as STBF_EVENT_RESOLVED, once each, with the request id and the tag given
 * to resolve_start. */
static size_t template_poll(void* ctx, stbf_time_us deadline, stbf_event* events, size_t cap) {
    (void)ctx;
    (void)deadline;
    (void)events;
    (void)cap;
    return 0;
}

/* Start resolving `host` (a name, or a numeric IPv4/IPv6 literal) without blocking the caller:
 * a helper thread running getaddrinfo, an async resolver, or the OS's own API. Return a
 * non-zero request id; keep `tag` with the request: completion is reported by poll with both. */
static stbf_port_status template_resolve_start(void* ctx, const char* host, uint16_t port,
                                               uint32_t tag, uint32_t* request) {
    (void)ctx;
    (void)host;
    (void)port;
    (void)tag;
    (void)request;
    return STBF_PORT_ERROR;
}

/* Copy up to `cap` answers (every A and AAAA, in resolver order, with `port` set) and release
 * the request. EAI_NONAME/EAI_NODATA -> NOT_FOUND; EAI_AGAIN -> TIMEOUT; not finished yet ->
 * WOULD_BLOCK (the request stays). */
static stbf_port_status template_resolve_take(void* ctx, uint32_t request, stbf_addr* out,
                                              size_t cap, size_t* count) {
    (void)ctx;
    (void)request;
    (void)out;
    (void)cap;
    if (count) *count = 0;
    return STBF_PORT_ERROR;
}

/* Forget a pending request: its completion must not be reported by poll (a helper thread that
 * is still running must discard its result). */
static void template_resolve_cancel(void* ctx, uint32_t request) {
    (void)ctx;
    (void)request;
}

static struct template_port_state template_state;

static const stbf_port template_port = {
    .api_version = STBF_PORT_API_VERSION,
    .ctx = &template_state,
    .now = template_now,
    .random = template_random,
    .log = template_log,
    .tcp_listen = template_tcp_listen,
    .tcp_accept = template_tcp_accept,
    .tcp_connect = template_tcp_connect,
    .tcp_connect_result = template_tcp_connect_result,
    .tcp_send = template_tcp_send,
    .tcp_recv = template_tcp_recv,
    .tcp_close = template_tcp_close,
    .local_addr = template_local_addr,
    .watch = template_watch,
    .poll = template_poll,
    .resolve_start = template_resolve_start,
    .resolve_take = template_resolve_take,
    .resolve_cancel = template_resolve_cancel,
    /* Optional: zero-copy relay (port.h tcp_splice). Leave NULL unless your OS can move bytes
     * between two sockets without the caller's buffers; the runtime copies then. */
    .tcp_splice = NULL,
    /* Optional: half-close (shutdown(s, SHUT_WR)). NULL: sessions end at the client's FIN. */
    .tcp_shutdown = NULL,
};

/* The one symbol the port exports: hand this table to the runtime. Rename it for your OS (e.g.
 * stbf_port_myos) and declare it in a small header of your port. */
const stbf_port* stbf_port_template(void);
const stbf_port* stbf_port_template(void) {
    return &template_port;
}
