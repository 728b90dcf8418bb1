// The failover engine: a sans-I/O policy machine.
//
// Contract (in the style of ngtcp2): the caller feeds events, each stamped with `now` (monotonic
// microseconds from the port clock); the engine updates its state and queues actions; the
// caller drains the actions with pop_action() after every call, carries them out, and calls
// on_timeout(now) once now >= next_deadline(). The engine never reads a clock, never does I/O
// and never allocates: its tables live in memory the caller gives it once (size_for + attach),
// sized from a Capacity at start-up (limits.h has the upper bounds).
//
// Who owns what:
//  - The engine owns every timer: attempt (connect + greeting) timeouts, happy-eyeballs stagger,
//    hang and idle detection on live sessions, probe schedule and probe timeouts.
//  - The caller owns sockets. It reports what happened on them with the events below.
//  - A session ends either by the caller (session_closed: client or upstream went away; the
//    caller closes its own sockets) or by the engine (a CloseSession action: the caller closes
//    the client and upstream sockets and must not report that session again).
//  - An attempt ends either by the caller (attempt_failed; the caller has closed the socket) or
//    by the engine (AbortAttempt action: close that upstream socket).
//
// Identity: sessions, attempts and probes are named by 32-bit handles that embed a generation,
// so an event for something that already ended returns Status::Stale and changes nothing.
#ifndef STBF_ENGINE_H
#define STBF_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/limits.h"
#include "stbf/model.h"
#include "stbf/settings.h"
#include "stbf/status.h"
#include "stbf/table_layout.h"

namespace stbf {

using TimeUs = uint64_t;
constexpr TimeUs kNever = ~static_cast<TimeUs>(0);

using SessionId = uint32_t;  ///< 0 is never a valid session
using AttemptId = uint32_t;  ///< 0 is never a valid attempt
using ProbeId = uint32_t;    ///< 0 is never a valid probe
using ServerSlot = uint16_t;  ///< index into the engine's server table
constexpr ServerSlot kNoServer = 0xffff;
using GroupIndex = uint16_t;  ///< index of a group (config order)
constexpr GroupIndex kNoGroup = 0xffff;

/// Health of one server.
enum class ServerState : uint8_t {
    Up = 0,    ///< usable; no recent failure
    Suspect,   ///< usable but failed recently (fewer than `fall` times in a row); probed fast
    Down,      ///< not usable; probed with jittered exponential backoff
    Rising,    ///< was down, has passed some but fewer than `rise` checks in a row
    Disabled,  ///< switched off in the config
    Retired,   ///< removed by a reload; kept only until its live sessions drain
};

/// Why something failed or ended. Shown in status and logs.
enum class Reason : uint8_t {
    None = 0,
    Refused,          ///< upstream refused the TCP connect
    Unreachable,      ///< no route to the upstream
    ConnectTimeout,   ///< TCP connect did not finish in time
    GreetingBad,      ///< upstream greeted with bytes that are not its protocol's greeting
    GreetingTimeout,  ///< upstream accepted but did not greet in time (hung server)
    ResolveFailed,    ///< host name did not resolve
    Reset,            ///< connection reset
    UpstreamClosed,   ///< upstream closed a live session
    Hung,             ///< bytes sent up were not answered within the hang window
    Idle,             ///< no bytes either way for the idle timeout
    ClientClosed,     ///< the softcam closed its connection (normal)
    NoServer,         ///< every candidate failed or none is configured
    Drained,          ///< removed by a reload or shut down
    Capacity,         ///< a table was full
    LocalError,       ///< a local resource failed (socket, memory)
};

const char* reason_name(Reason r);
const char* server_state_name(ServerState s);
const char* mode_name(Mode m);

/// What the caller must do.
enum class ActionKind : uint8_t {
    /// Open an upstream connection for `session` to server `server` as attempt `attempt`:
    /// resolve, connect, then wait for the protocol's greeting (keep the greeting bytes to
    /// forward to the client later). Report attempt_connected / attempt_ready / attempt_failed.
    Connect,
    /// Close the upstream socket of `attempt` (it lost a race or timed out). No report.
    AbortAttempt,
    /// `attempt` won: start relaying client <-> upstream for `session`, first forwarding the
    /// greeting bytes received so far.
    Relay,
    /// Close `session` (client and upstream sockets) for `reason`. No report.
    CloseSession,
    /// Run a health check of server `server` as probe `probe` (ProbeKind from `config`).
    /// Report probe_connected (optional) and probe_result.
    Probe,
    /// Stop probe `probe` of `server` (it timed out; the engine counted the failure).
    CancelProbe,
};

/// One thing the caller must do. Carries all the caller needs to do it: `config` is the
/// settings of `server` in force (host, port, protocol, probe kind, TLS), so a runtime never
/// asks the engine back. It points into the engine's server table, which never moves, so it
/// stays the settings of that slot while the slot holds the server (a reload updates matched
/// servers in place; a removed server keeps its settings until its slot is freed).
struct Action {
    ActionKind kind;
    Reason reason;
    ServerSlot server;
    GroupIndex group;
    SessionId session;
    AttemptId attempt;
    ProbeId probe;
    /// Settings of `server` (null when the action names no server).
    const ServerConfig* config = nullptr;
};

/// Operator state of a server, set at run time (`stbfailover server drain|disable|enable`).
/// Independent of health: a drained server keeps being health-checked.
enum class AdminState : uint8_t {
    Enabled = 0,  ///< normal
    Drain,        ///< no new sessions; live sessions finish on their own
    Disabled,     ///< no new sessions; live sessions are cut after the grace period
};

const char* admin_state_name(AdminState s);

/// What happened, for logs, event history and metrics. The engine queues one notice per event;
/// the caller drains them with pop_notice() after every call (like actions) and only prints or
/// counts them: it never needs to compare engine state before and after a call.
enum class NoticeKind : uint8_t {
    ServerState = 1,  ///< `server` went from `from_state` to `to_state` because of `reason`
    Failover,         ///< new sessions of `group` moved from server `from` to `to` (`reason`)
    Panic,            ///< `group` entered (`on`) or left panic: no usable server
    Admin,            ///< `server`'s admin state became `admin`
    SlotIdle,         ///< slot `slot` of `group` refused a session: not enough usable servers
};

struct Notice {
    NoticeKind kind;
    TimeUs when;
    GroupIndex group;      ///< kNoGroup if the server is retired
    ServerSlot server;  ///< ServerState / Admin; Failover: the server taken (= to)
    ServerSlot from;    ///< Failover: previous server (kNoServer if none)
    ServerSlot to;      ///< Failover: new server
    ServerState from_state, to_state;
    AdminState admin;
    Reason reason;
    uint8_t slot;  ///< Failover / SlotIdle: the slot concerned (0-based)
    bool on;       ///< Panic: entered (true) or left (false)
};

/// Read-only view of one server for status output.
struct ServerStatus {
    const ServerConfig* config;  ///< settings in force (survives reloads for retired servers)
    GroupIndex group;               ///< group index, kNoGroup if retired
    /// Name of the group: the current one, or for a retired server the group it drains from.
    const char* group_name;
    ServerState state;
    uint8_t fail_streak;         ///< consecutive failures (active + passive)
    uint8_t live_fail_streak;    ///< of those, failures only live traffic sees (early close,
                                 ///< hang): a passing greeting does not clear them
    uint8_t ok_streak;           ///< consecutive successes
    Reason last_failure;
    TimeUs last_failure_at;     ///< when `last_failure` happened (only if it is not None)
    TimeUs last_change;          ///< when `state` last changed
    TimeUs next_check;           ///< kNever if not scheduled (e.g. watched passively)
    TimeUs slowstart_until;      ///< 0 if not ramping
    uint32_t ewma_connect_us;    ///< 0 until measured
    uint32_t ewma_response_us;   ///< 0 until measured
    uint16_t live_sessions;
    uint32_t picks;
    uint32_t probes_ok, probes_failed;
    uint32_t connects_ok, connects_failed;
    uint32_t sessions_hung;
    AdminState admin;         ///< operator state (set_admin_state)
    TimeUs admin_since;       ///< when `admin` last changed (0 = never set)
    TimeUs admin_cut_at;      ///< Disabled: when live sessions are cut; kNever otherwise
    uint16_t max_sessions;    ///< per-server limit in force (0 = none)
    uint32_t local_errors;    ///< box-local failures on this server's connections (EMFILE,
                              ///< local bind): never counted against the server
};

/// What one slot of a group is doing, for status ("slot 2: srv3 since 12:01" / "idle").
struct SlotStatus {
    ServerSlot server;  ///< server of the slot's newest live session; kNoServer if none
    TimeUs since;       ///< when that session went live (0 if none)
    bool idle;          ///< the last connect to this slot was refused: no distinct server left
    TimeUs idle_since;  ///< when the slot became idle (0 if not idle)
};

/// A failover: new sessions of a group moved from one server to another.
struct Failover {
    TimeUs when = 0;  ///< 0 = never happened
    ServerSlot from = kNoServer;
    ServerSlot to = kNoServer;
    Reason reason = Reason::None;
};

struct GroupStatus {
    const GroupConfig* config;
    ServerSlot active;         ///< server of the most recently established session
    uint16_t live_sessions;
    uint32_t sessions_total;
    uint32_t sessions_refused;  ///< over max_sessions or table full
    uint32_t failovers;
    Failover last_failover;
    bool panic;                 ///< no server of the group is usable right now
};

class Engine {
public:
    /// An engine without tables: attach() them before init(). EngineWith<> below carries its
    /// own.
    Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Alignment attach() needs for its memory (table_layout.h).
    static constexpr size_t kTableAlign = stbf::kTableAlign;

    /// Bytes of memory an engine of `capacity` needs (see attach), or 0 when a size is out of
    /// its range (settings.h check_capacity: 1..its bound in limits.h). A constant expression:
    /// usable for static storage.
    /// About servers * kBytesPerServer + groups * kBytesPerGroup + sessions * kBytesPerSession.
    static constexpr size_t size_for(const Capacity& capacity);

    /// Give the engine its tables: `bytes` >= size_for(capacity) bytes at `memory`, aligned to
    /// kTableAlign, which the caller keeps for the engine's life (the engine never frees it).
    /// Call once, before init(). Errors: InvalidArgument (a capacity out of range, memory null,
    /// short or misaligned, or tables already attached); nothing changes then.
    Status attach(const Capacity& capacity, void* memory, size_t bytes);
    /// The capacity the tables were sized for (all zero before attach).
    const Capacity& capacity() const { return capacity_; }

    /// Load the first config. `seed` seeds the engine's random generator (pass per-box random
    /// bytes so a fleet spreads; tests pass a constant). Schedules the first check of every
    /// enabled server within the first 2 s (jittered). Errors: InvalidArgument (no tables
    /// attached, a group with an out-of-range server index, zero port), CapacityExceeded (more
    /// servers or groups than the attached capacity()). On error the engine is empty.
    Status init(const Config& config, uint64_t seed, TimeUs now);

    /// Replace the config (hot reload). Servers are matched by host, port, protocol and user:
    /// a matched server keeps its health, EWMA and sessions; groups are matched by name. A
    /// server that is gone becomes Retired while it has live sessions (they drain) and is freed
    /// after. Sessions still connecting in a removed group are closed (Drained). Errors as for
    /// init; on error nothing changes.
    Status replace_config(const Config& config, TimeUs now);

    // ---- sessions -------------------------------------------------------------------------

    /// A client connected to group `group`'s listener. Queues Connect for the best candidate
    /// (or CloseSession(NoServer) if the group has no enabled server). Errors: NotFound (group),
    /// CapacityExceeded (max_sessions of the group or the session table; caller closes the
    /// client at once).
    Status session_open(GroupIndex group, TimeUs now, SessionId* out);

    /// As session_open, for a client that connected to slot `slot` (0-based) of `group`. The
    /// session is given the best usable server that carries no live session of another slot of
    /// the group (unless the group allows slot_share). Errors as session_open, plus NoServer
    /// when fewer usable servers than needed exist (a SlotIdle notice says why; the caller
    /// closes the client at once so the softcam keeps using its other reader), InvalidArgument
    /// for a slot >= the group's slot count. session_open(g, now, out) is slot 0.
    Status session_open_slot(GroupIndex group, uint8_t slot, TimeUs now, SessionId* out);

    /// The caller saw the session end (client closed/reset, upstream closed/reset on a live
    /// session). Upstream ends on a live session count as a passive failure of its server;
    /// within early_close_ms of relaying one that no greeting can clear (see HealthSettings).
    /// A session that outlives early_close_ms counts as a success of its server.
    /// The caller closes its sockets itself. Errors: Stale.
    Status session_closed(SessionId session, Reason reason, TimeUs now);

    /// TCP connect of `attempt` succeeded (greeting may still be pending). Records connect
    /// latency. Errors: Stale.
    Status attempt_connected(SessionId session, AttemptId attempt, TimeUs now);

    /// `attempt` is ready: greeting verified (or the protocol has none). The first ready
    /// attempt wins: Relay for it, AbortAttempt for the others. A loser that started before the
    /// winner and never greeted counts as a failed attempt of its server (a server that hangs
    /// before greeting becomes Suspect and is checked at once). Errors: Stale.
    Status attempt_ready(SessionId session, AttemptId attempt, TimeUs now);

    /// `attempt` failed (caller closed its socket). Counts a passive failure of the server
    /// (except Reason::LocalError / Capacity: the box's problem, counted in local_errors;
    /// Reason::None is taken as Reset) and
    /// queues the next candidate for the same session, or CloseSession(NoServer) when none is
    /// left. Errors: Stale.
    Status attempt_failed(SessionId session, AttemptId attempt, Reason reason, TimeUs now);

    /// Bytes went client -> upstream on a live session. Starts the hang window if no earlier
    /// request is pending. Errors: Stale.
    Status bytes_up(SessionId session, TimeUs now);

    /// Bytes went upstream -> client on a live session. Answers a pending request: its delay
    /// feeds the server's response EWMA. Errors: Stale.
    Status bytes_down(SessionId session, TimeUs now);

    // ---- probes ---------------------------------------------------------------------------

    /// Probe `probe` of `server` finished its TCP connect (optional; improves the timeout
    /// reason and the latency sample). Errors: Stale.
    Status probe_connected(ServerSlot server, ProbeId probe, TimeUs now);

    /// Probe finished: `ok` with the greeting verified, else `reason`. A pass clears active
    /// failures but not failures only live traffic sees (early close, hang), unless the server
    /// is Down/Rising (rise passes bring it back). A LocalError/Capacity failure is the box's
    /// problem and is not counted against the server. Errors: Stale.
    Status probe_result(ServerSlot server, ProbeId probe, bool ok, Reason reason, TimeUs now);

    // ---- operator ---------------------------------------------------------------------------

    /// Set the admin state of server `server` (see AdminState). Disabled cuts the server's live
    /// sessions `grace_ms` after the call (0 = at once) with Reason::Drained; Enabled brings a
    /// drained or disabled server back through rise checks and slow start. Queues an Admin
    /// notice when the state changes. Errors: NotFound (slot not in use).
    Status set_admin_state(ServerSlot server, AdminState state, uint32_t grace_ms, TimeUs now);
    /// Admin state of a server in use (Enabled when not in use).
    AdminState admin_state(ServerSlot server) const;

    // ---- time and actions -----------------------------------------------------------------

    /// Fire every timer due at `now`. Call when now >= next_deadline() (calling early is
    /// harmless).
    void on_timeout(TimeUs now);

    /// Earliest time on_timeout must be called; kNever if nothing is pending.
    TimeUs next_deadline() const;

    /// Take the oldest queued action. Returns false when the queue is empty.
    bool pop_action(Action* out);

    /// Take the oldest queued notice. Returns false when none is queued.
    bool pop_notice(Notice* out);
    /// Notices lost because the caller did not drain them (the queue is bounded).
    uint32_t notices_dropped() const { return notices_dropped_; }

    /// Box-local failures (LocalError / Capacity) reported on attempts and probes, all servers.
    uint32_t local_errors() const { return local_errors_; }

    /// Actions lost because the queue was full. Stays 0 when the caller drains after every call:
    /// the queue holds the most one call can queue (action_capacity(), proven in engine.cpp).
    /// Anything else is a caller bug; status and metrics show this counter.
    uint32_t actions_dropped() const { return actions_dropped_; }

    // ---- status ---------------------------------------------------------------------------

    GroupIndex group_count() const { return group_count_; }
    /// Status of group `g` (< group_count()).
    GroupStatus group_status(GroupIndex g) const;
    /// Slots group `g` serves: its `slots` setting, or for 0 (automatic) 2 when it has at least
    /// two enabled servers, else 1; never more than STBF_MAX_SLOTS. 0 for an unknown group.
    uint8_t group_slots(GroupIndex g) const;
    /// Status of slot `slot` of group `g` (all zero / kNoServer for an unknown group or slot).
    SlotStatus slot_status(GroupIndex g, uint8_t slot) const;
    /// Number of slots in the server table that are in use (config servers + retired).
    ServerSlot server_slot_limit() const { return slot_limit_; }
    /// True if `slot` holds a server (configured or retired).
    bool server_in_use(ServerSlot slot) const;
    /// Status of server `slot` (server_in_use(slot) must be true).
    ServerStatus server_status(ServerSlot slot) const;
    /// Settings of server `slot`, valid while it is in use. Null if not in use.
    const ServerConfig* server_config(ServerSlot slot) const;
    /// Slot of the i-th server of group g, in config order.
    ServerSlot group_server(GroupIndex g, uint8_t i) const;
    /// Group of a live session, kNoGroup if it drains from a removed group or is unknown.
    GroupIndex session_group(SessionId session) const;
    /// Server a live session is relayed to, kNoServer if not live / unknown.
    ServerSlot session_server(SessionId session) const;
    /// Increases on every successful init/replace_config.
    uint32_t config_generation() const { return config_generation_; }

    /// Choose a server for a new connection of group `g`, skipping the group members whose bit
    /// is set in `tried_mask` (bit k = the k-th server of the group, group_server(g, k)).
    /// Counts as a pick (status, sticky, re-explore)
    /// and advances the random generator. Exposed for tests and benchmarks; session_open uses
    /// it. Returns kNoServer if the group has no enabled server left.
    ///
    /// Ranking, best first: non-backup servers that are Up, then Suspect; then backup servers
    /// that are Up, then Suspect; then (ordered mode only) servers of any tier still in their
    /// slow start after a recovery, so a recovered server takes new sessions only once it has
    /// settled (weighted modes ramp its weight instead); then, in panic (nothing usable),
    /// Rising servers, then Down servers (not while a check of theirs is in flight): of those a
    /// connection tries only the one picked longest ago, and none after another try
    /// (tried_mask != 0), so a fleet does not storm a provider that is down as a whole.
    /// Drained, disabled and full servers are never picked. Within the best class: ordered
    /// takes the lowest priority number, then config order; random draws by effective weight
    /// (sticky keeps the last pick while it stays in the class); scored first re-explores a
    /// server not picked for reexplore_ms, else takes the lower (EWMA connect + response) *
    /// 100 / weight of two random candidates.
    ServerSlot pick(GroupIndex g, uint64_t tried_mask, TimeUs now) {
        return pick_excluding(g, tried_mask, tried_mask != 0, now);
    }

    /// Memory the engine's tables take per server slot, group and session (each includes its
    /// share of the action queue: STBF_ACTIONS_PER_SERVER / _PER_SESSION actions):
    /// size_for(c) ~= c.servers * kBytesPerServer + c.groups * kBytesPerGroup +
    /// c.sessions * kBytesPerSession; see limits.h for the numbers. sizeof(Engine) itself is
    /// about kBytesFixed (the notice queue and counters).
    static const size_t kBytesPerServer;
    static const size_t kBytesPerGroup;
    static const size_t kBytesPerSession;
    static const size_t kBytesFixed;

    /// Actions the queue holds for `capacity`: the most one engine call can queue.
    static constexpr uint32_t action_capacity(const Capacity& capacity) {
        return STBF_ACTIONS_PER_SESSION * uint32_t{capacity.sessions} +
               STBF_ACTIONS_PER_SERVER * uint32_t{capacity.servers};
    }

private:
    // Bounded FIFO of the engine's outputs over a caller-sized array; push() refuses when
    // full (the caller counts).
    template <typename T>
    struct Ring {
        T* items = nullptr;
        uint32_t cap = 0;
        uint32_t head = 0;
        uint32_t len = 0;
        bool push(const T& v) {
            if (len >= cap) return false;
            items[(head + len) % cap] = v;
            ++len;
            return true;
        }
        bool pop(T* out) {
            if (len == 0) return false;
            *out = items[head];
            head = (head + 1) % cap;
            --len;
            return true;
        }
        void clear() { head = len = 0; }
    };
    // Per-server runtime state. Slot-indexed; a slot keeps its own copy of the server's config
    // so a retired server can drain after the config that named it is gone.
    struct ServerRt {
        bool in_use = false;
        ServerConfig cfg;
        GroupIndex group = kNoGroup;
        FixedString<STBF_NAME_MAX> former_group;  // Retired: the group it drains from
        uint8_t member = 0;  // index within the group (config order tie-breaks)
        ServerState state = ServerState::Up;
        AdminState admin = AdminState::Enabled;
        TimeUs admin_since = 0;
        TimeUs admin_cut_at = kNever;  // Disabled: cut live sessions then
        uint8_t fail_streak = 0;
        uint8_t live_fail_streak = 0;  // failures of fail_streak only live traffic sees
        uint8_t ok_streak = 0;
        uint8_t backoff_exp = 0;
        Reason last_failure = Reason::None;
        TimeUs last_failure_at = 0;
        TimeUs last_change = 0;
        TimeUs next_check = kNever;
        TimeUs slowstart_until = 0;
        TimeUs last_pick = 0;
        ProbeId probe = 0;  // in-flight probe, 0 if none
        TimeUs probe_started = 0;
        TimeUs probe_deadline = kNever;
        bool probe_connected = false;
        uint32_t ewma_connect_us = 0;
        uint32_t ewma_response_us = 0;
        uint16_t live_sessions = 0;
        uint16_t attempts_in_flight = 0;
        uint32_t picks = 0, probes_ok = 0, probes_failed = 0;
        uint32_t connects_ok = 0, connects_failed = 0, sessions_hung = 0, local_errors = 0;
    };
    struct GroupRt {
        GroupConfig cfg;
        ServerSlot members[STBF_MAX_SERVERS_PER_GROUP] = {};
        uint8_t count = 0;
        uint8_t slot_count = 1;  // effective slots (group_slots)
        ServerSlot sticky = kNoServer;
        ServerSlot active = kNoServer;
        // Per slot: server of the newest session that went live (for failover records) and
        // whether the slot's last connect was refused for want of a distinct server.
        ServerSlot slot_last[STBF_MAX_SLOTS] = {kNoServer, kNoServer, kNoServer, kNoServer};
        TimeUs slot_idle_since[STBF_MAX_SLOTS] = {};  // 0 = not idle
        bool panic = false;          // last panic state notified
        uint16_t live_sessions = 0;  // sessions open on this group (connecting or live)
        uint32_t sessions_total = 0, sessions_refused = 0, failovers = 0;
        Failover last_failover;
    };
    static_assert(STBF_MAX_SLOTS == 4, "GroupRt::slot_last initialiser lists four slots");
    struct AttemptRt {
        AttemptId id = 0;  // 0 = free
        ServerSlot server = kNoServer;
        TimeUs started = 0;
        TimeUs deadline = kNever;
        bool connected = false;
    };
    enum class SessionPhase : uint8_t { Free = 0, Connecting, Live };
    struct SessionRt {
        SessionPhase phase = SessionPhase::Free;
        uint16_t gen = 0;
        GroupIndex group = kNoGroup;
        uint8_t slot = 0;               // slot of the group the client connected to
        ServerSlot server = kNoServer;  // live server
        TimeUs live_since = 0;
        uint64_t tried = 0;             // group-member bits already tried
        uint8_t attempts_made = 0;
        AttemptRt attempts[STBF_MAX_ATTEMPTS_IN_FLIGHT];
        TimeUs stagger_at = kNever;  // start a racing attempt then
        bool pending_up = false;     // a request went up and is not answered yet
        TimeUs pending_up_since = 0;
        TimeUs last_activity = 0;
        uint32_t hang_timeout_ms = 0;  // copied at open: a drained session keeps its rules
        uint32_t idle_timeout_s = 0;
        uint32_t early_close_ms = 0;
        bool proven = false;  // outlived early_close_ms: counted as a success of its server
        Reason first_failure = Reason::None;
        ServerSlot first_failed = kNoServer;
    };

    // The tables as ranges (for range-for).
    TableSpan<ServerRt> servers() { return {servers_, capacity_.servers}; }
    TableSpan<SessionRt> sessions() { return {sessions_, capacity_.sessions}; }
    TableSpan<const SessionRt> sessions() const { return {sessions_, capacity_.sessions}; }

    // Where the tables are in the block: size_for() and attach() walk the same layout.
    struct Tables {
        ServerRt* servers = nullptr;
        GroupRt* groups = nullptr;
        SessionRt* sessions = nullptr;
        Action* actions = nullptr;
    };
    template <typename Carver>
    static constexpr Tables lay_out(Carver& carve, const Capacity& c) {
        Tables t;
        t.servers = carve.template take<ServerRt>(c.servers);
        t.groups = carve.template take<GroupRt>(c.groups);
        t.sessions = carve.template take<SessionRt>(c.sessions);
        t.actions = carve.template take<Action>(action_capacity(c));
        return t;
    }

    // Helpers (engine.cpp).
    Status load(const Config& config, TimeUs now, bool keep_state);
    SessionRt* find_session(SessionId id);
    const SessionRt* find_session(SessionId id) const;
    SessionId session_id(uint16_t index) const;
    AttemptRt* find_attempt(SessionRt& s, AttemptId id);
    void push(const Action& a);
    void notice(const Notice& n);
    void notice_state(ServerSlot server, ServerState from, ServerState to, Reason why, TimeUs now);
    void update_panic(GroupIndex g, TimeUs now);
    bool start_attempt(uint16_t si, TimeUs now);
    void fail_or_continue(uint16_t si, TimeUs now);
    static uint8_t attempts_in_flight(const SessionRt& s);
    /// Bookkeeping of an attempt that failed or timed out: counters, passive failure of its
    /// server, and the session's first failure (for the failover record).
    void attempt_lost(SessionRt& s, ServerSlot server, Reason why, TimeUs now);
    void close_session(uint16_t si, Reason why, bool emit, TimeUs now);
    void release_attempt(AttemptRt& a);
    /// A greeting (probe or attempt) or a session that outlived early_close_ms (`lived`).
    void server_success(ServerSlot slot, bool lived, TimeUs now);
    /// `live_only`: a failure no greeting can see (early close, hang).
    void server_failure(ServerSlot slot, Reason why, TimeUs now, bool live_only = false);
    /// The session's server earns the success of a session that outlived early_close_ms.
    void prove_session(SessionRt& s, TimeUs now);
    static TimeUs proven_at(const SessionRt& s);
    void set_state(ServerSlot slot, ServerState st, Reason why, TimeUs now);
    void schedule_check(ServerRt& sv, TimeUs now);
    void start_probe(ServerSlot slot, TimeUs now);
    void maybe_free_retired(ServerSlot slot);
    void cut_disabled(ServerSlot slot, TimeUs now);
    bool usable(const ServerRt& sv) const;
    bool full(const ServerRt& sv) const;
    /// Members of `g` (as a member mask) carrying a live or connecting session of another slot
    /// of group `g` than `slot`: a session of `slot` must not be given one of them.
    uint64_t other_slots_mask(GroupIndex g, uint8_t slot) const;
    /// Servers a session of `slot` of `g` must not be given: `tried` plus the other slots'
    /// servers (unless the group shares slots and nothing else is usable). `starved` is set
    /// when only the other slots' servers are usable.
    uint64_t slot_mask(GroupIndex g, uint8_t slot, uint64_t tried, TimeUs now, bool* starved) const;
    /// Rank of a server for a new session of its group (lower is better), kExcludedRank if it
    /// must not be given one. See pick().
    uint8_t rank(const ServerRt& sv, Mode mode, TimeUs now) const;
    /// pick() for a connection that must not be given the servers in `exclude` (what it tried
    /// plus what other slots hold); `tried_before`: it already tried a server, so the panic
    /// rule gives it no Down server (servers held by other slots are not a try of its own).
    ServerSlot pick_excluding(GroupIndex g, uint64_t exclude, bool tried_before, TimeUs now);
    /// Best rank among the servers of `g` outside `mask`, kExcludedRank if none.
    uint8_t best_rank(GroupIndex g, uint64_t mask, TimeUs now) const;
    static constexpr uint8_t kExcludedRank = 0xff;
    static constexpr uint8_t kPanicRank = 6;  ///< ranks from here on are picked only in panic
    uint32_t effective_weight(const ServerRt& sv, TimeUs now) const;
    uint64_t score(const ServerRt& sv, TimeUs now) const;
    uint64_t jittered(uint64_t base_us, uint8_t pct);
    uint64_t next_random();
    uint64_t random_below(uint64_t bound);
    TimeUs stagger_for(const ServerRt& sv) const;

    // Tables in the caller's memory (attach), sized by capacity_.
    Capacity capacity_{0, 0, 0};
    ServerRt* servers_ = nullptr;
    GroupRt* groups_ = nullptr;
    SessionRt* sessions_ = nullptr;
    Ring<Action> actions_;
    Notice notice_items_[STBF_MAX_NOTICES];
    Ring<Notice> notices_;
    uint64_t rng_[2] = {0, 0};
    uint32_t next_attempt_ = 1;
    uint32_t next_probe_ = 1;
    GroupIndex group_count_ = 0;
    ServerSlot slot_limit_ = 0;
    uint32_t config_generation_ = 0;
    uint32_t actions_dropped_ = 0;
    uint32_t notices_dropped_ = 0;
    uint32_t local_errors_ = 0;
    bool loading_ = false;  // inside load(): groups are being rebuilt
};

constexpr size_t Engine::size_for(const Capacity& c) {
    if (check_capacity(c, nullptr) != Status::Ok) return 0;  // settings.h: the one range
    return layout_bytes([&c](TableSizer& sizer) { lay_out(sizer, c); });
}

/// An engine that carries its tables inside the object, for a capacity fixed at compile time
/// (static storage on a small target, tests). Behaves as an Engine attached to caller memory.
template <uint16_t Servers, uint16_t Groups, uint16_t Sessions>
class EngineWith : public Engine {
public:
    static constexpr Capacity kCapacity{Servers, Groups, Sessions};
    static_assert(Engine::size_for(kCapacity) > 0, "capacity out of range (limits.h)");
    EngineWith() { (void)attach(kCapacity, storage_, sizeof storage_); }

private:
    alignas(Engine::kTableAlign) unsigned char storage_[Engine::size_for(kCapacity)];
};

/// An engine at the default capacity (limits.h), tables inside (about 745 KiB).
using DefaultEngine = EngineWith<STBF_DEFAULT_SERVERS, STBF_DEFAULT_GROUPS, STBF_DEFAULT_SESSIONS>;

}  // namespace stbf

#endif  // STBF_ENGINE_H
