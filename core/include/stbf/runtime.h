// The relay runtime: carries out the engine's decisions over a platform port.
//
// One Runtime drives one Engine through one `stbf_port`. It opens one listener per group slot
// (a group serves 1-4 slots, each a separate softcam reader kept on its own upstream); a softcam
// connecting there becomes an engine session of that slot. The runtime connects upstream as the
// engine says, verifies the greeting (greeting.h) *before* the client sees a byte, and only then
// relays bytes both ways through two bounded buffers per session (STBF_RELAY_BUFFER each). A side
// whose peer buffer is full is not read (back-pressure), so memory never grows. Every relayed
// chunk is reported to the engine (bytes_up / bytes_down), which is how hung upstreams are
// caught; when the engine closes a session the client sees a close and reconnects, and its next
// connection lands on a healthy server. What happened (failovers, state changes) the engine
// reports as notices (engine.pop_notice); the host drains and prints them, the runtime keeps no
// copy of engine state to find out. Health checks (probes) connect, judge the greeting and
// close at once.
//
// Dispatch is O(1) per event: every socket and resolution the runtime starts carries a port tag
// (kRuntimeTagBit | kind | table index), session ids map to their table entry through a small
// hash, free entries come off a stack, and a finished resolution wakes exactly the attempts
// waiting for that server. Nothing is scanned per event.
//
// Relay cost: per event a side is read only if poll reported it (a short read means drained)
// and as much as is ready is moved in bounded rounds; a direction that carries bulk (a read
// filling half its buffer) moves through the port's optional tcp_splice (zero-copy, Linux)
// once its buffer is empty, and a client's half-close is passed upstream (tcp_shutdown) with
// the answer still relayed back. Ports without these take the portable copy path.
//
// Memory per session (the budget): 2 * STBF_RELAY_BUFFER (16 KiB each direction by default)
// plus about 200 bytes of state, reserved in the object and resident only as far as traffic
// touches it (an emptied buffer starts again at its first page, so an idle or ping-pong
// session keeps about one page per direction resident); a spliced direction may hold up to
// 64 KiB more in the kernel's pipe while its receiver is slow.
//
// Freestanding like the rest of core/: no OS header, no heap, errors as Status. Its tables
// (sessions with their relay buffers, probes, listeners, endpoints) are sized for the engine's
// capacity and live in memory the caller gives once: size_for(engine.capacity()) bytes through
// attach(), or inside the object with RuntimeWith<> (static storage on a small target, tests).
// That is about 2 * STBF_RELAY_BUFFER per session plus a few hundred bytes per server and
// group (kBytesPerSession, kBytesPerServer, kBytesPerGroup).
//
// Threading: not thread-safe; call everything from the thread that runs the port.
#ifndef STBF_RUNTIME_H
#define STBF_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/endpoints.h"
#include "stbf/engine.h"
#include "stbf/fixed_string.h"
#include "stbf/greeting.h"
#include "stbf/limits.h"
#include "stbf/model.h"
#include "stbf/port.h"
#include "stbf/status.h"
#include "stbf/table_layout.h"

namespace stbf {

/// How the runtime talks to an upstream: a small table a host can replace per server (e.g. to
/// wrap the connection in TLS). The default is the port's plain TCP. Same meanings and return
/// values as the port's tcp_connect / tcp_connect_result / tcp_send / tcp_recv / tcp_close.
///
/// The handle a transport returns must be a socket of the runtime's port: the runtime waits for
/// readiness with port->watch / port->poll on it. A transport that needs more round trips after
/// TCP connects (a TLS handshake) can run them inside recv/send, returning WOULD_BLOCK until
/// application bytes flow; the runtime reads the greeting through recv and retries on every
/// readiness. Bytes a transport holds internally (decrypted but not yet returned) are not lost:
/// on every event of a session the runtime calls recv on both sides while buffer room is left,
/// not only on readable readiness.
struct Transport {
    void* ctx;
    stbf_port_status (*connect)(void* ctx, const stbf_addr* remote, stbf_sock* out);
    stbf_port_status (*connect_result)(void* ctx, stbf_sock s);
    stbf_port_status (*send)(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                             size_t* sent);
    stbf_port_status (*recv)(void* ctx, stbf_sock s, uint8_t* buf, size_t cap, size_t* got);
    void (*close)(void* ctx, stbf_sock s);
};

/// Picks the transport for `server` when a connection or probe to it starts. Return null for
/// the default (plain TCP through the port). The returned table must outlive its connections.
using TransportSelector = const Transport* (*)(void* user, const ServerConfig& server);

/// Tags (port.h: dispatch) with this bit set belong to the runtime. A host sharing the port
/// (its control socket, an HTTPS fetch) watches its sockets and starts its resolutions with
/// tags below it; the runtime hands every event whose tag lacks the bit to the foreign handler
/// untouched, socket and resolution events alike, so a host never polls for results.
constexpr uint32_t kRuntimeTagBit = 0x80000000u;

/// Called for events the runtime does not own (tag without kRuntimeTagBit): readiness of
/// sockets a host opened with the same port and watches itself (e.g. the daemon's control
/// socket), and completions of resolutions the host started. The event is as poll reported it.
using ForeignEventHandler = void (*)(void* user, const stbf_event& event);

/// Totals since init, for status output and tests.
struct RuntimeCounters {
    uint64_t bytes_up = 0;          ///< client -> upstream bytes received from clients
    uint64_t bytes_down = 0;        ///< upstream -> client bytes received from upstreams
    uint32_t accepted = 0;          ///< client connections accepted and handed to the engine
    uint32_t refused = 0;           ///< client connections closed at once (capacity, no group)
    uint32_t connects = 0;          ///< upstream connects started for sessions
    uint32_t probes = 0;            ///< health checks started
    uint32_t resolutions = 0;       ///< name resolutions finished
    uint32_t foreign_events = 0;    ///< events handed to the foreign handler
    uint64_t spliced = 0;           ///< bytes the port moved itself (tcp_splice), both ways
};

namespace detail {
constexpr size_t power_of_two_at_least(size_t n) {
    size_t m = 1;
    while (m < n) m <<= 1;
    return m;
}
}  // namespace detail

class Runtime {
public:
    /// `engine` and `port` must outlive the runtime. Nothing happens until attach() and init()
    /// (RuntimeWith<> attaches by itself).
    Runtime(Engine& engine, const stbf_port* port);
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    /// Bytes of table memory a runtime needs for an engine of `capacity` (see attach), or 0
    /// when a capacity is out of range (Engine::size_for is 0). A constant expression.
    static constexpr size_t size_for(const Capacity& capacity);

    /// Give the runtime its tables, sized for its engine's capacity: `bytes` >=
    /// size_for(engine.capacity()) bytes at `memory`, aligned to kTableAlign, kept by the
    /// caller for the runtime's life. Call once, after the engine's attach and before init().
    /// Errors: InvalidArgument (the engine has no tables, memory null, short or misaligned,
    /// or tables already attached); nothing changes then.
    Status attach(void* memory, size_t bytes);

    /// Table memory per session, server and group (size_for(c) ~= c.sessions *
    /// kBytesPerSession + c.servers * kBytesPerServer + c.groups * kBytesPerGroup).
    static const size_t kBytesPerSession;
    static const size_t kBytesPerServer;
    static const size_t kBytesPerGroup;

    /// Start: check the port, seed and load the engine (Config::seed, or 8 bytes from
    /// port->random when it is 0), open one listener per group slot on listen_addr: slot 0 on
    /// listen_port (127.0.0.1 when listen_addr is empty; port 0 picks a free port, see
    /// listener_address), slot k >= 1 on slot_ports[k] when that is not 0. A client accepted
    /// on slot k becomes engine.session_open_slot(group, k); one the engine refuses (NoServer:
    /// no usable server of its own for that slot) is closed at once.
    /// Errors: InvalidArgument (null port, a missing port function, already initialised, a
    /// listen_addr that is not a numeric address), PortVersionMismatch (port->api_version),
    /// AddrInUse (a listen port is taken), PortError (another listen failure), and the engine's
    /// init errors. On error every listener opened so far is closed again; the runtime stays
    /// uninitialised and init may be called again. InvalidArgument also when no tables are
    /// attached.
    Status init(const Config& config, TimeUs now);

    /// One loop iteration: fire due timers, wait for port events until the earliest of the
    /// engine's next deadline, the endpoint refresh schedule and now + max_wait_us, handle the
    /// events (accepts, connects, greetings, relayed bytes, probes, resolutions, foreign
    /// sockets), feed the engine and carry out its actions. Errors: InvalidArgument if not
    /// initialised. After shutdown() it only serves foreign sockets.
    Status step(TimeUs max_wait_us);

    /// Hot reload. The engine takes the new config (engine.replace_config); then listeners (of
    /// every slot) are matched by listen address and port (on port 0 also by group name and
    /// slot): a listener whose port is unchanged stays open with its live sessions; a new group
    /// or slot gets a listener; a
    /// listener no group uses any more closes, while sessions accepted on it drain (they stay
    /// until they end). Errors: InvalidArgument (not initialised, bad listen_addr), AddrInUse /
    /// PortError (a new listener cannot open), the engine's replace_config errors. On error
    /// nothing changes: old config, old listeners.
    Status reload(const Config& config);

    /// Stop accepting (close every listener), close every session (reported to the engine as
    /// Drained), stop probes and resolutions. Idempotent.
    void shutdown();

    /// Transport per server (see Transport). Applies to connections started afterwards.
    void set_transport_selector(TransportSelector selector, void* user);
    /// Handler for events on foreign sockets (see ForeignEventHandler); null to ignore them.
    void set_foreign_handler(ForeignEventHandler handler, void* user);

    // ---- status -----------------------------------------------------------------------

    Engine& engine() { return engine_; }
    const Engine& engine() const { return engine_; }
    bool initialized() const { return state_ == State::Running; }
    /// Current time on the port clock.
    TimeUs now() const;
    /// Address the listener of engine group `group` is bound to (with the real port when the
    /// config said 0). False if the group has no listener or the index is out of range.
    bool listener_address(GroupIndex group, stbf_addr* out) const;
    /// Address of the listener of slot `slot` (0-based; slot 0 is the one above) of `group`.
    /// False if that slot has no listener (fewer slots, or no slot port configured).
    bool listener_address(GroupIndex group, uint8_t slot, stbf_addr* out) const;
    /// Listeners open right now.
    uint16_t listener_count() const;
    /// Client connections held for engine group `group` (connecting or relaying). Sessions of
    /// a group removed by a reload count for no group while they drain.
    uint16_t open_sessions(GroupIndex group) const;
    /// Client connections held, all groups and draining ones included.
    uint16_t open_sessions() const;
    /// Health checks in flight.
    uint16_t probes_in_flight() const;
    const RuntimeCounters& counters() const { return counters_; }

private:
    // A ring buffer for one relay direction.
    struct Pipe {
        // User-provided, so placing a table (value-initialisation) does not zero `data`: an
        // idle session's buffers stay untouched, not resident.
        Pipe() {}
        uint8_t data[STBF_RELAY_BUFFER];
        size_t head = 0;
        size_t len = 0;
        size_t room() const { return STBF_RELAY_BUFFER - len; }
        uint8_t* write_span(size_t* n);
        const uint8_t* read_span(size_t* n) const;
        void commit(size_t n) { len += n; }
        void consume(size_t n);
        bool push(const uint8_t* bytes, size_t n);
        void clear() { head = len = 0; }
    };
    enum class Phase : uint8_t { Free = 0, Resolving, Connecting, Sending, Greeting };
    enum class Step : uint8_t { Waiting = 0, Connected, Ready, Failed };
    // One upstream connection being opened and judged: a session attempt or a probe.
    struct Upstream {
        Phase phase = Phase::Free;
        ServerSlot server = kNoServer;
        const ServerConfig* cfg = nullptr;  // the server's settings, from the starting action
        stbf_sock sock = STBF_SOCK_INVALID;
        const Transport* transport = nullptr;
        uint8_t endpoint = 0;
        bool resolved = false;  // an endpoint was handed out (rotate it on failure)
        uint8_t endpoints_tried = 0;
        unsigned interest = 0;
        uint32_t tag = 0;        // what its socket's events carry (kind + table index)
        uint32_t wait_prev = 0;  // attempts waiting for the same server's resolution: a
        uint32_t wait_next = 0;  // doubly linked list of attempt refs (0 = none)
        GreetingCheck check;
        uint8_t send[STBF_EXPECT_MAX] = {};  // expect probe: bytes to send after connecting
        uint8_t send_len = 0;
        uint8_t sent = 0;
        bool keep = false;  // attempts keep the greeting to forward it to the client on Relay
        uint8_t kept[kCccamGreetingLen] = {};
        uint8_t kept_len = 0;
    };
    struct AttemptIo {
        AttemptId id = 0;  // 0 = free
        Upstream up;
    };
    struct ProbeIo {
        ProbeId id = 0;  // 0 = free
        Upstream up;
    };
    // One relay direction's zero-copy state (port tcp_splice).
    struct SpliceDir {
        bool bulk = false;  // a read filled half the buffer: worth a pipe
        bool off = false;   // the port refused (no pipe left): copy for good
        size_t held = 0;    // bytes the port holds for this direction
    };
    struct SessionIo {
        SessionIo() {}  // as Pipe: no zeroing of the relay buffers when the table is placed
        SessionId id = 0;  // 0 = free
        GroupIndex group = kNoGroup;
        stbf_sock client = STBF_SOCK_INVALID;
        unsigned client_interest = 0;
        bool live = false;
        stbf_sock upstream = STBF_SOCK_INVALID;
        const Transport* transport = nullptr;
        unsigned upstream_interest = 0;
        ServerSlot server = kNoServer;
        AttemptIo attempts[STBF_MAX_ATTEMPTS_IN_FLIGHT];
        // Readiness hints (see pump): may be read / may take more.
        bool client_rd = true, upstream_rd = true, client_wr = true, upstream_wr = true;
        bool client_eof = false;     // the client half-closed: pass it on once `up` is empty
        bool upstream_shut = false;  // ... done (tcp_shutdown): wait for the answer's end
        bool upstream_eof = false;   // the answer ended: deliver what is left, then close
        TimeUs linger_until = kNever;  // half-closed: ends then at the latest
        SpliceDir splice_up, splice_down;
        Pipe up;    // client -> upstream
        Pipe down;  // upstream -> client
    };
    struct Listener {
        bool open = false;
        stbf_sock sock = STBF_SOCK_INVALID;
        GroupIndex group = kNoGroup;
        uint8_t slot = 0;  // 0-based; slot 0 is the group's listen port
        FixedString<STBF_NAME_MAX> name;
        stbf_addr requested = {};  // as configured (port may be 0)
        stbf_addr bound = {};      // as bound
        bool adopted = false;      // reload: socket taken over from the old table
        bool taken = false;            // reload, old table: adopted by the new one
        TimeUs paused_until = kNever;  // accepting failed (out of sockets): retry then
    };
    // Listener of slot k of engine group g: listeners_[g * STBF_MAX_SLOTS + k].
    enum class State : uint8_t { Idle = 0, Running, Stopped };
    // What a runtime tag names; the low 24 bits are the index in that kind's table.
    enum class TagKind : uint32_t { Listener = 1, Client, Upstream, Attempt, Probe, Resolve };
    static constexpr uint32_t make_tag(TagKind kind, uint32_t index) {
        return kRuntimeTagBit | static_cast<uint32_t>(kind) << 24 | index;
    }
    // Session id -> table index, open addressing (load <= 1/2): actions find their session
    // in O(1) whatever the engine's id scheme.
    static constexpr size_t map_size(const Capacity& c) {
        return detail::power_of_two_at_least(2 * size_t{c.sessions});
    }
    static constexpr uint16_t kNoIndex = 0xffff;
    static_assert(STBF_MAX_SESSIONS < kNoIndex, "session index must fit 16 bits");
    struct MapEntry {
        SessionId id = 0;  // 0 = empty
        uint16_t index = kNoIndex;
    };
    static constexpr size_t listener_slots(const Capacity& c) {
        return size_t{c.groups} * STBF_MAX_SLOTS;
    }
    // Where the tables are in the block: size_for() and attach() walk the same layout.
    struct Tables {
        Listener* listeners = nullptr;
        Listener* next_listeners = nullptr;  // init / reload build the new set here, then swap
        SessionIo* sessions = nullptr;
        MapEntry* session_map = nullptr;
        uint16_t* free_sessions = nullptr;   // stack of free session indexes
        uint16_t* group_sessions = nullptr;  // open sessions per engine group
        ProbeIo* probes = nullptr;           // by server slot: one check per server at a time
        uint32_t* wait_head = nullptr;       // per server: attempts waiting to resolve
        EndpointCache::Entry* endpoints = nullptr;
    };
    template <typename Carver>
    static constexpr Tables lay_out(Carver& carve, const Capacity& c) {
        Tables t;
        t.listeners = carve.template take<Listener>(listener_slots(c));
        t.next_listeners = carve.template take<Listener>(listener_slots(c));
        t.sessions = carve.template take<SessionIo>(c.sessions);
        t.session_map = carve.template take<MapEntry>(map_size(c));
        t.free_sessions = carve.template take<uint16_t>(c.sessions);
        t.group_sessions = carve.template take<uint16_t>(c.groups);
        t.probes = carve.template take<ProbeIo>(c.servers);
        t.wait_head = carve.template take<uint32_t>(c.servers);
        t.endpoints = carve.template take<EndpointCache::Entry>(c.servers);
        return t;
    }
    TableSpan<Listener> listeners() const { return {t_.listeners, listener_slots(capacity_)}; }
    TableSpan<SessionIo> sessions() const { return {t_.sessions, capacity_.sessions}; }
    TableSpan<ProbeIo> probes() const { return {t_.probes, capacity_.servers}; }

    Status open_listeners(const Config& config, Listener* out, bool adopt_old);
    void close_listener(Listener& l);
    void swap_listener_tables();
    void log_listening(const Listener& l);
    void drain(TimeUs now);
    void run_timers(TimeUs now);
    void execute(const Action& a, TimeUs now);
    void dispatch(const stbf_event& ev, TimeUs now);
    void dispatch_socket(const stbf_event& ev, TimeUs now);
    void map_insert(SessionId id, uint16_t index);
    void map_erase(SessionId id);
    uint16_t index_of(const SessionIo& s) const;
    AttemptIo* attempt_by_ref(uint32_t ref, SessionIo** session);
    void wait_link(Upstream& u, uint32_t ref);
    void wait_unlink(Upstream& u);
    void on_accept(Listener& l, TimeUs now);
    TimeUs listeners_deadline() const;
    void on_resolved(const stbf_event& ev, TimeUs now);

    // sessions
    SessionIo* find_session(SessionId id);
    static AttemptIo* find_attempt(SessionIo& s, AttemptId id);
    void reset_session(SessionIo& s);
    void start_attempt(const Action& a, TimeUs now);
    void drive_attempt(SessionIo& s, AttemptIo& at, Step step, Reason why, TimeUs now);
    void fail_attempt(SessionIo& s, AttemptIo& at, Reason why, TimeUs now);
    void start_relay(const Action& a, TimeUs now);
    void pump(SessionIo& s, unsigned client_ready, unsigned upstream_ready, TimeUs now);
    bool move_up(SessionIo& s, bool* progress, TimeUs now);
    bool move_down(SessionIo& s, bool* progress, TimeUs now);
    bool send_down(SessionIo& s, bool* progress, TimeUs now);
    bool can_splice(const SessionIo& s, const Pipe& buffer, const SpliceDir& dir) const;
    bool half_close_ok(const SessionIo& s) const;
    void half_close(SessionIo& s, TimeUs now);
    void end_lingering(TimeUs now);
    Reason end_reason(const SessionIo& s, stbf_port_status upstream_status) const;
    bool splice_leg(SessionIo& s, bool up, bool* progress, TimeUs now);
    void end_session(SessionIo& s, Reason why, bool report, TimeUs now);
    void update_interest(SessionIo& s);
    void flush_best_effort(Pipe& p, const Transport& to, stbf_sock sock);

    // probes
    void start_probe(const Action& a, TimeUs now);
    void drive_probe(ProbeIo& p, Step step, Reason why, TimeUs now);
    void finish_probe(ProbeIo& p, bool ok, Reason why, TimeUs now);

    // upstream connections (attempts and probes alike)
    void prepare_upstream(Upstream& u, const Action& a, uint32_t tag);
    Step open_upstream(Upstream& u, TimeUs now, Reason* why);
    Step advance(Upstream& u, Reason* why);
    bool retry_next_endpoint(Upstream& u, TimeUs now, Step* step, Reason* why);
    void close_upstream(Upstream& u);
    void set_interest(stbf_sock sock, unsigned* current, unsigned wanted, uint32_t tag);

    void log(stbf_log_level level, const char* a, const char* b, const char* c = nullptr,
             const char* d = nullptr, uint64_t number = ~0ull);

    Engine& engine_;
    const stbf_port* port_;
    State state_ = State::Idle;
    bool draining_ = false;
    Transport default_transport_ = {};
    TransportSelector selector_ = nullptr;
    void* selector_user_ = nullptr;
    ForeignEventHandler foreign_ = nullptr;
    void* foreign_user_ = nullptr;
    EndpointCache endpoints_;
    // Tables in the caller's memory (attach), sized by capacity_ (the engine's).
    Capacity capacity_{0, 0, 0};
    Tables t_;
    size_t map_mask_ = 0;
    uint16_t free_count_ = 0;
    uint16_t session_count_ = 0;
    uint16_t probe_count_ = 0;
    uint16_t paused_listeners_ = 0;
    uint16_t lingering_ = 0;           // sessions in a client's half-close
    TimeUs linger_deadline_ = kNever;  // earliest linger_until among them
    RuntimeCounters counters_;
};

// Defined after the class, as Engine::size_for: a constant expression may only call lay_out
// once the class is complete (clang refuses the in-class definition).
constexpr size_t Runtime::size_for(const Capacity& capacity) {
    if (Engine::size_for(capacity) == 0) return 0;
    return layout_bytes([&capacity](TableSizer& sizer) { lay_out(sizer, capacity); });
}

/// A runtime that carries its tables inside the object, for an engine of (at most) the given
/// capacity fixed at compile time: static storage on a small target, tests. Attached at
/// construction; init() refuses (InvalidArgument) an engine sized larger.
template <uint16_t Servers, uint16_t Groups, uint16_t Sessions>
class RuntimeWith : public Runtime {
  public:
    static constexpr Capacity kCapacity{Servers, Groups, Sessions};
    static_assert(Runtime::size_for(kCapacity) > 0, "capacity out of range (limits.h)");
    RuntimeWith(Engine& engine, const stbf_port* port) : Runtime(engine, port) {
        (void)attach(storage_, sizeof storage_);
    }

  private:
    alignas(kTableAlign) unsigned char storage_[Runtime::size_for(kCapacity)];
};

/// A runtime for a DefaultEngine (limits.h defaults), tables inside.
using DefaultRuntime =
    RuntimeWith<STBF_DEFAULT_SERVERS, STBF_DEFAULT_GROUPS, STBF_DEFAULT_SESSIONS>;

}  // namespace stbf

#endif  // STBF_RUNTIME_H
