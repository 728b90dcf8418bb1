// Failover engine: names, outputs (actions, notices), operator state, timers and status. The
// other parts are engine_reload.cpp, engine_health.cpp, engine_pick.cpp, engine_sessions.cpp.
// See engine.h for the contract.
#include "stbf/engine.h"

#include <new>

#include "engine_internal.h"

namespace stbf {

// The action queue cannot overflow for a caller that drains after every call. Most actions one
// call queues (A = attempts in flight per session, S sessions, N servers):
//  - session_open_slot: 1 (Connect or CloseSession); attempt_failed: 1; attempt_ready: A
//    (Relay + the losers' AbortAttempt); session_closed, attempt_connected, bytes_*, probe_*: 0.
//  - set_admin_state: 1 CancelProbe, and with no grace the cut: per session 1 CloseSession or
//    up to A AbortAttempt + 1 Connect/CloseSession, so <= 1 + S * (A + 1).
//  - replace_config: <= 1 CancelProbe per server slot + 1 CloseSession per session.
//  - on_timeout: per session, its own timers abort at most its A attempts and start at most A
//    (the attempt table has A entries; CloseSession only when none is left), then operator
//    cuts abort at most the A attempts left on disabled servers (new attempts never go to a
//    disabled server) and restart each once: <= 4A. Per server: 1 CancelProbe + 1 Probe.
// Every line is <= STBF_ACTIONS_PER_SESSION * S + STBF_ACTIONS_PER_SERVER * N, which is the
// queue's size (action_capacity) for the attached capacity.
static_assert(STBF_ACTIONS_PER_SESSION >= 4 * STBF_MAX_ATTEMPTS_IN_FLIGHT &&
                  STBF_ACTIONS_PER_SESSION >= STBF_MAX_ATTEMPTS_IN_FLIGHT + 1,
              "per-session action bound (see the proof above)");
static_assert(STBF_ACTIONS_PER_SERVER >= 2, "per-server action bound (see the proof above)");
static_assert(STBF_MAX_NOTICES <= 0xffff, "the notice ring counts in 16 bits");

static_assert(STBF_MAX_SESSIONS <= 0xffff, "session index is 16 bits of the session id");
static_assert(STBF_MAX_SERVERS_PER_GROUP <= 64, "tried masks are 64-bit masks over members");
static_assert(STBF_MAX_SERVERS < kNoServer, "kNoServer must not be a valid slot");
static_assert(STBF_MAX_GROUPS < kNoGroup, "kNoGroup must not be a valid group");

using namespace engine_detail;


const char* reason_name(Reason r) {
    switch (r) {
        case Reason::None: return "none";
        case Reason::Refused: return "refused";
        case Reason::Unreachable: return "unreachable";
        case Reason::ConnectTimeout: return "connect timeout";
        case Reason::GreetingBad: return "bad greeting";
        case Reason::GreetingTimeout: return "no greeting";
        case Reason::ResolveFailed: return "resolve failed";
        case Reason::Reset: return "reset";
        case Reason::UpstreamClosed: return "upstream closed";
        case Reason::Hung: return "hung";
        case Reason::Idle: return "idle";
        case Reason::ClientClosed: return "client closed";
        case Reason::NoServer: return "no server";
        case Reason::Drained: return "drained";
        case Reason::Capacity: return "capacity";
        case Reason::LocalError: return "local error";
    }
    return "unknown";
}

const char* server_state_name(ServerState s) {
    switch (s) {
        case ServerState::Up: return "up";
        case ServerState::Suspect: return "suspect";
        case ServerState::Down: return "down";
        case ServerState::Rising: return "rising";
        case ServerState::Disabled: return "disabled";
        case ServerState::Retired: return "retired";
    }
    return "unknown";
}

const char* mode_name(Mode m) {
    switch (m) {
        case Mode::Ordered: return "ordered";
        case Mode::Random: return "random";
        case Mode::Scored: return "scored";
    }
    return "unknown";
}

const char* admin_state_name(AdminState s) {
    switch (s) {
        case AdminState::Enabled: return "enabled";
        case AdminState::Drain: return "drain";
        case AdminState::Disabled: return "disabled";
    }
    return "unknown";
}

Engine::Engine() {
    notices_.items = notice_items_;
    notices_.cap = STBF_MAX_NOTICES;
}

Status Engine::attach(const Capacity& capacity, void* memory, size_t bytes) {
    const size_t need = size_for(capacity);
    if (servers_ != nullptr || need == 0 || !table_memory_ok(memory) || bytes < need)
        return Status::InvalidArgument;
    TablePlacer placer(static_cast<unsigned char*>(memory));
    const Tables t = lay_out(placer, capacity);
    servers_ = t.servers;
    groups_ = t.groups;
    sessions_ = t.sessions;
    actions_.items = t.actions;
    actions_.cap = action_capacity(capacity);
    capacity_ = capacity;
    return Status::Ok;
}

const size_t Engine::kBytesPerServer = sizeof(ServerRt) + STBF_ACTIONS_PER_SERVER * sizeof(Action);
const size_t Engine::kBytesPerGroup = sizeof(GroupRt);
const size_t Engine::kBytesPerSession =
    sizeof(SessionRt) + STBF_ACTIONS_PER_SESSION * sizeof(Action);
const size_t Engine::kBytesFixed = sizeof(Engine);

// ---- random -------------------------------------------------------------------------------

uint64_t Engine::next_random() {
    // xoroshiro128+: tiny, fast, good enough to spread picks and timers.
    uint64_t s0 = rng_[0];
    uint64_t s1 = rng_[1];
    uint64_t result = s0 + s1;
    s1 ^= s0;
    rng_[0] = rotl(s0, 24) ^ s1 ^ (s1 << 16);
    rng_[1] = rotl(s1, 37);
    return result;
}

uint64_t Engine::random_below(uint64_t bound) {
    if (bound <= 1) return 0;
    // Rejection sampling: unbiased, so weighted picks match their weights.
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r = next_random();
        if (r >= threshold) return r % bound;
    }
}

uint64_t Engine::jittered(uint64_t base_us, uint8_t pct) {
    uint64_t spread = base_us / 100 * pct;
    if (spread == 0) return base_us;
    return base_us - spread + random_below(2 * spread + 1);
}

// ---- config -------------------------------------------------------------------------------

// ---- small helpers -----------------------------------------------------------------------

void Engine::push(const Action& a) {
    Action full = a;
    full.config = server_config(a.server);
    if (!actions_.push(full)) ++actions_dropped_;
}

void Engine::notice(const Notice& n) {
    if (!notices_.push(n)) ++notices_dropped_;
}

bool Engine::pop_notice(Notice* out) { return notices_.pop(out); }


void Engine::notice_state(ServerSlot server, ServerState from, ServerState to, Reason why,
                          TimeUs now) {
    Notice n = make_notice(NoticeKind::ServerState, now, servers_[server].group);
    n.server = server;
    n.from_state = from;
    n.to_state = to;
    n.reason = why;
    notice(n);
}

void Engine::update_panic(GroupIndex g, TimeUs now) {
    if (g >= group_count_ || loading_) return;  // load() settles every group at its end
    GroupRt& gr = groups_[g];
    bool panic = true;
    for (uint8_t k = 0; k < gr.count && panic; ++k)
        if (usable(servers_[gr.members[k]])) panic = false;
    if (panic == gr.panic) return;
    gr.panic = panic;
    Notice n = make_notice(NoticeKind::Panic, now, g);
    n.on = panic;
    notice(n);
}

bool Engine::pop_action(Action* out) { return actions_.pop(out); }

SessionId Engine::session_id(uint16_t index) const {
    return (static_cast<uint32_t>(sessions_[index].gen) << 16) | index;
}

Engine::SessionRt* Engine::find_session(SessionId id) {
    uint32_t index = id & 0xffffu;
    if (id == 0 || index >= capacity_.sessions) return nullptr;
    SessionRt& s = sessions_[index];
    if (s.phase == SessionPhase::Free || s.gen != (id >> 16)) return nullptr;
    return &s;
}

const Engine::SessionRt* Engine::find_session(SessionId id) const {
    return const_cast<Engine*>(this)->find_session(id);
}

Engine::AttemptRt* Engine::find_attempt(SessionRt& s, AttemptId id) {
    if (id == 0) return nullptr;
    for (auto& a : s.attempts)
        if (a.id == id) return &a;
    return nullptr;
}

void Engine::release_attempt(AttemptRt& a) {
    if (a.id == 0) return;
    ServerSlot slot = a.server;
    a = AttemptRt{};
    if (slot != kNoServer && servers_[slot].attempts_in_flight > 0) {
        servers_[slot].attempts_in_flight--;
        maybe_free_retired(slot);
    }
}

void Engine::set_state(ServerSlot slot, ServerState st, Reason why, TimeUs now) {
    ServerRt& sv = servers_[slot];
    if (sv.state == st) return;
    const ServerState from = sv.state;
    sv.state = st;
    sv.last_change = now;
    if (st != ServerState::Up) sv.slowstart_until = 0;
    notice_state(slot, from, st, why, now);
    update_panic(sv.group, now);
}

bool Engine::usable(const ServerRt& sv) const {
    return (sv.state == ServerState::Up || sv.state == ServerState::Suspect) &&
           sv.admin == AdminState::Enabled;
}

bool Engine::full(const ServerRt& sv) const {
    return sv.cfg.max_sessions != 0 &&
           static_cast<uint32_t>(sv.live_sessions) + sv.attempts_in_flight >= sv.cfg.max_sessions;
}

void Engine::maybe_free_retired(ServerSlot slot) {
    ServerRt& sv = servers_[slot];
    if (!sv.in_use || sv.state != ServerState::Retired) return;
    if (sv.live_sessions > 0 || sv.attempts_in_flight > 0) return;
    sv = ServerRt{};
    for (GroupIndex g = 0; g < group_count_; ++g) {
        if (groups_[g].active == slot) groups_[g].active = kNoServer;
        if (groups_[g].sticky == slot) groups_[g].sticky = kNoServer;
    }
    while (slot_limit_ > 0 && !servers_[slot_limit_ - 1].in_use) --slot_limit_;
}

// ---- operator -----------------------------------------------------------------------------

Status Engine::set_admin_state(ServerSlot server, AdminState state, uint32_t grace_ms, TimeUs now) {
    if (!server_in_use(server)) return Status::NotFound;
    if (state != AdminState::Enabled && state != AdminState::Drain &&
        state != AdminState::Disabled)
        return Status::InvalidArgument;
    ServerRt& sv = servers_[server];
    const AdminState was = sv.admin;
    if (state == AdminState::Disabled) {
        // A repeated disable keeps the earlier (shorter) deadline.
        const TimeUs cut = now + static_cast<TimeUs>(grace_ms) * kMs;
        if (was != AdminState::Disabled || cut < sv.admin_cut_at) sv.admin_cut_at = cut;
    } else {
        sv.admin_cut_at = kNever;
    }
    if (state == was) return Status::Ok;
    sv.admin = state;
    sv.admin_since = now;
    Notice n = make_notice(NoticeKind::Admin, now, sv.group);
    n.server = server;
    n.admin = state;
    notice(n);
    if (state == AdminState::Disabled && sv.probe != 0) {
        push(Action{ActionKind::CancelProbe, Reason::Drained, server, sv.group, 0, 0, sv.probe});
        sv.probe = 0;
        sv.probe_deadline = kNever;
        sv.next_check = kNever;
    }
    if (state == AdminState::Enabled && sv.state != ServerState::Disabled &&
        sv.state != ServerState::Retired) {
        // Back through the rise checks and slow start, as after a recovery: the operator
        // usually took it out because something was wrong with it.
        sv.fail_streak = sv.ok_streak = sv.backoff_exp = 0;
        set_state(server, ServerState::Rising, Reason::None, now);
        if (sv.probe == 0) sv.next_check = now;
    }
    update_panic(sv.group, now);
    if (state == AdminState::Disabled && sv.admin_cut_at <= now) cut_disabled(server, now);
    return Status::Ok;
}

AdminState Engine::admin_state(ServerSlot server) const {
    return server_in_use(server) ? servers_[server].admin : AdminState::Enabled;
}

void Engine::cut_disabled(ServerSlot slot, TimeUs now) {
    servers_[slot].admin_cut_at = kNever;
    for (uint16_t si = 0; si < capacity_.sessions; ++si) {
        SessionRt& s = sessions_[si];
        if (s.phase == SessionPhase::Live && s.server == slot) {
            close_session(si, Reason::Drained, true, now);
        } else if (s.phase == SessionPhase::Connecting) {
            bool lost = false;
            for (AttemptRt& a : s.attempts) {
                if (a.id == 0 || a.server != slot) continue;
                push(Action{ActionKind::AbortAttempt, Reason::Drained, slot, s.group,
                            session_id(si), a.id, 0});
                release_attempt(a);
                lost = true;
            }
            if (lost) fail_or_continue(si, now);  // not the server's fault: no failure counted
        }
    }
}

// ---- timers -------------------------------------------------------------------------------

void Engine::on_timeout(TimeUs now) {
    for (uint16_t si = 0; si < capacity_.sessions; ++si) {
        SessionRt& s = sessions_[si];
        if (s.phase == SessionPhase::Connecting) {
            bool failed_any = false;
            for (auto& a : s.attempts) {
                if (a.id == 0 || a.deadline > now) continue;
                Reason why = a.connected ? Reason::GreetingTimeout : Reason::ConnectTimeout;
                ServerSlot server = a.server;
                push(Action{ActionKind::AbortAttempt, why, server, s.group, session_id(si), a.id,
                            0});
                release_attempt(a);
                attempt_lost(s, server, why, now);
                failed_any = true;
            }
            if (failed_any) {
                fail_or_continue(si, now);
                if (s.phase != SessionPhase::Connecting) continue;
            }
            if (s.stagger_at <= now) {
                s.stagger_at = kNever;
                const uint8_t in_flight = attempts_in_flight(s);
                if (in_flight > 0 && in_flight < STBF_MAX_ATTEMPTS_IN_FLIGHT)
                    start_attempt(si, now);
            }
        } else if (s.phase == SessionPhase::Live) {
            if (s.pending_up && s.hang_timeout_ms > 0 &&
                now >= s.pending_up_since + s.hang_timeout_ms * kMs) {
                ServerSlot server = s.server;
                servers_[server].sessions_hung++;
                server_failure(server, Reason::Hung, now, true);
                close_session(si, Reason::Hung, true, now);
            } else if (s.idle_timeout_s > 0 &&
                       now >= s.last_activity + static_cast<TimeUs>(s.idle_timeout_s) * kSec) {
                close_session(si, Reason::Idle, true, now);
            } else if (proven_at(s) <= now) {
                prove_session(s, now);
            }
        }
    }
    for (ServerSlot sl = 0; sl < slot_limit_; ++sl) {
        ServerRt& sv = servers_[sl];
        if (!sv.in_use) continue;
        if (sv.admin_cut_at <= now) cut_disabled(sl, now);
        if (sv.probe != 0 && sv.probe_deadline <= now) {
            push(Action{ActionKind::CancelProbe, Reason::None, sl, sv.group, 0, 0, sv.probe});
            sv.probe = 0;
            sv.probe_deadline = kNever;
            sv.probes_failed++;
            server_failure(sl, sv.probe_connected ? Reason::GreetingTimeout
                                                  : Reason::ConnectTimeout,
                           now);
        }
        if (sv.probe == 0 && sv.next_check <= now) start_probe(sl, now);
    }
}

TimeUs Engine::next_deadline() const {
    TimeUs t = kNever;
    for (const SessionRt& s : sessions()) {
        if (s.phase == SessionPhase::Connecting) {
            for (const auto& a : s.attempts)
                if (a.id != 0) t = min_time(t, a.deadline);
            t = min_time(t, s.stagger_at);
        } else if (s.phase == SessionPhase::Live) {
            if (s.pending_up && s.hang_timeout_ms > 0)
                t = min_time(t, s.pending_up_since + s.hang_timeout_ms * kMs);
            if (s.idle_timeout_s > 0)
                t = min_time(t, add_saturating(s.last_activity,
                                               static_cast<TimeUs>(s.idle_timeout_s) * kSec));
            t = min_time(t, proven_at(s));
        }
    }
    for (ServerSlot sl = 0; sl < slot_limit_; ++sl) {
        const ServerRt& sv = servers_[sl];
        if (!sv.in_use) continue;
        t = min_time(t, sv.probe != 0 ? sv.probe_deadline : sv.next_check);
        t = min_time(t, sv.admin_cut_at);
    }
    return t;
}

// ---- status -------------------------------------------------------------------------------

GroupStatus Engine::group_status(GroupIndex g) const {
    const GroupRt& gr = groups_[g];
    GroupStatus st{};
    st.config = &gr.cfg;
    st.active = gr.active;
    st.live_sessions = gr.live_sessions;
    st.sessions_total = gr.sessions_total;
    st.sessions_refused = gr.sessions_refused;
    st.failovers = gr.failovers;
    st.last_failover = gr.last_failover;
    st.panic = true;
    for (uint8_t k = 0; k < gr.count; ++k)
        if (usable(servers_[gr.members[k]])) st.panic = false;
    return st;
}

uint8_t Engine::group_slots(GroupIndex g) const {
    return g < group_count_ ? groups_[g].slot_count : 0;
}

SlotStatus Engine::slot_status(GroupIndex g, uint8_t slot) const {
    SlotStatus st{kNoServer, 0, false, 0};
    if (g >= group_count_ || slot >= groups_[g].slot_count) return st;
    for (const SessionRt& s : sessions()) {
        if (s.phase != SessionPhase::Live || s.group != g || s.slot != slot) continue;
        if (st.server == kNoServer || s.live_since > st.since) {
            st.server = s.server;
            st.since = s.live_since;
        }
    }
    st.idle_since = groups_[g].slot_idle_since[slot];
    st.idle = st.idle_since != 0;
    return st;
}

bool Engine::server_in_use(ServerSlot slot) const {
    return slot < capacity_.servers && servers_[slot].in_use;
}

ServerStatus Engine::server_status(ServerSlot slot) const {
    const ServerRt& sv = servers_[slot];
    ServerStatus st{};
    st.config = &sv.cfg;
    st.group = sv.group;
    st.group_name = sv.group != kNoGroup ? groups_[sv.group].cfg.name.c_str() : sv.former_group.c_str();
    st.state = sv.state;
    st.fail_streak = sv.fail_streak;
    st.ok_streak = sv.ok_streak;
    st.last_failure = sv.last_failure;
    st.last_failure_at = sv.last_failure_at;
    st.last_change = sv.last_change;
    st.next_check = sv.probe != 0 ? kNever : sv.next_check;
    st.slowstart_until = sv.slowstart_until;
    st.ewma_connect_us = sv.ewma_connect_us;
    st.ewma_response_us = sv.ewma_response_us;
    st.live_sessions = sv.live_sessions;
    st.picks = sv.picks;
    st.probes_ok = sv.probes_ok;
    st.probes_failed = sv.probes_failed;
    st.connects_ok = sv.connects_ok;
    st.connects_failed = sv.connects_failed;
    st.sessions_hung = sv.sessions_hung;
    st.admin = sv.admin;
    st.admin_since = sv.admin_since;
    st.admin_cut_at = sv.admin_cut_at;
    st.max_sessions = sv.cfg.max_sessions;
    st.local_errors = sv.local_errors;
    st.live_fail_streak = sv.live_fail_streak;
    return st;
}

const ServerConfig* Engine::server_config(ServerSlot slot) const {
    return server_in_use(slot) ? &servers_[slot].cfg : nullptr;
}

ServerSlot Engine::group_server(GroupIndex g, uint8_t i) const {
    if (g >= group_count_ || i >= groups_[g].count) return kNoServer;
    return groups_[g].members[i];
}

GroupIndex Engine::session_group(SessionId session) const {
    const SessionRt* s = find_session(session);
    return s ? s->group : kNoGroup;
}

ServerSlot Engine::session_server(SessionId session) const {
    const SessionRt* s = find_session(session);
    return (s && s->phase == SessionPhase::Live) ? s->server : kNoServer;
}

}  // namespace stbf
