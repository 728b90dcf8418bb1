// Failover engine implementation. See engine.h for the contract.
#include "stbf/engine.h"

#include "stbf/settings.h"

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
// Every line is <= STBF_ACTIONS_PER_SESSION * S + STBF_ACTIONS_PER_SERVER * N.
static_assert(STBF_ACTIONS_PER_SESSION >= 4 * STBF_MAX_ATTEMPTS_IN_FLIGHT &&
                  STBF_ACTIONS_PER_SESSION >= STBF_MAX_ATTEMPTS_IN_FLIGHT + 1,
              "per-session action bound (see the proof above)");
static_assert(STBF_ACTIONS_PER_SERVER >= 2, "per-server action bound (see the proof above)");
static_assert(STBF_MAX_ACTIONS >= STBF_ACTIONS_PER_SESSION * STBF_MAX_SESSIONS +
                                      STBF_ACTIONS_PER_SERVER * STBF_MAX_SERVERS,
              "the action queue must hold the most one engine call can queue");
static_assert(STBF_MAX_ACTIONS <= 0xffff, "the action ring counts in 16 bits");
static_assert(STBF_MAX_NOTICES <= 0xffff, "the notice ring counts in 16 bits");

static_assert(STBF_MAX_SESSIONS <= 0xffff, "session index is 16 bits of the session id");
static_assert(STBF_MAX_SERVERS_PER_GROUP <= 64, "tried masks are 64-bit masks over members");
static_assert(STBF_MAX_SERVERS < kNoServer, "kNoServer must not be a valid slot");
static_assert(STBF_MAX_GROUPS < kNoGroup, "kNoGroup must not be a valid group");

namespace {

constexpr TimeUs kMs = 1000;
constexpr TimeUs kSec = 1000 * kMs;
/// Every enabled server gets its first check within this long after start (jittered), so a box
/// that just booted learns quickly which hosts answer, without all boxes probing in step.
constexpr TimeUs kFirstCheckSpread = 2 * kSec;
constexpr uint8_t kMaxBackoffExp = 20;

TimeUs min_time(TimeUs a, TimeUs b) { return a < b ? a : b; }

TimeUs add_saturating(TimeUs a, TimeUs b) { return (kNever - a < b) ? kNever : a + b; }

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t splitmix64(uint64_t* state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void ewma_update(uint32_t* ewma, TimeUs sample_us, uint8_t shift) {
    uint32_t sample = sample_us > 0xffffffffull ? 0xffffffffu : static_cast<uint32_t>(sample_us);
    if (sample == 0) sample = 1;  // 0 means "not measured yet"
    if (*ewma == 0) {
        *ewma = sample;
        return;
    }
    int64_t diff = static_cast<int64_t>(sample) - static_cast<int64_t>(*ewma);
    int64_t next = static_cast<int64_t>(*ewma) + diff / (int64_t{1} << shift);
    *ewma = next < 1 ? 1u : static_cast<uint32_t>(next);
}

bool same_identity(const ServerConfig& a, const ServerConfig& b) {
    return a.port == b.port && a.protocol == b.protocol && a.host == b.host && a.user == b.user;
}

bool is_upstream_end(Reason r) { return r == Reason::UpstreamClosed || r == Reason::Reset; }

/// The box's own trouble (out of descriptors, a local bind failing, a full table): never held
/// against a server.
bool is_local(Reason r) { return r == Reason::LocalError || r == Reason::Capacity; }

}  // namespace

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

Engine::Engine() = default;

const size_t Engine::kBytesPerServer = sizeof(ServerRt) + STBF_ACTIONS_PER_SERVER * sizeof(Action);
const size_t Engine::kBytesPerGroup = sizeof(GroupRt);
const size_t Engine::kBytesPerSession =
    sizeof(SessionRt) + STBF_ACTIONS_PER_SESSION * sizeof(Action);
const size_t Engine::kBytesFixed = sizeof(Ring<Notice, STBF_MAX_NOTICES>) + 256;

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

Status Engine::init(const Config& config, uint64_t seed, TimeUs now) {
    uint64_t sm = seed;
    rng_[0] = splitmix64(&sm);
    rng_[1] = splitmix64(&sm);
    if (rng_[0] == 0 && rng_[1] == 0) rng_[1] = 1;
    for (auto& sv : servers_) sv = ServerRt{};
    for (auto& s : sessions_) s = SessionRt{};
    group_count_ = 0;
    slot_limit_ = 0;
    actions_.clear();
    notices_.clear();
    return load(config, now, false);
}

Status Engine::replace_config(const Config& config, TimeUs now) { return load(config, now, true); }

Status Engine::load(const Config& config, TimeUs now, bool keep_state) {
    struct Loading {  // update_panic waits for the new groups (set on every return path)
        bool& flag;
        explicit Loading(bool& f) : flag(f) { flag = true; }
        ~Loading() { flag = false; }
    } loading(loading_);
    // ---- validate, without touching any state ----
    if (config.group_count > STBF_MAX_GROUPS || config.server_count > STBF_MAX_SERVERS)
        return Status::CapacityExceeded;
    GroupIndex group_of[STBF_MAX_SERVERS];
    for (auto& g : group_of) g = kNoGroup;
    for (GroupIndex g = 0; g < config.group_count; ++g) {
        const GroupConfig& gc = config.groups[g];
        if (gc.server_count > STBF_MAX_SERVERS_PER_GROUP) return Status::CapacityExceeded;
        for (GroupIndex j = 0; j < config.group_count; ++j)
            if (j != g && config.groups[j].name == gc.name) return Status::InvalidArgument;
        for (uint16_t k = 0; k < gc.server_count; ++k) {
            uint16_t idx = gc.servers[k];
            if (idx >= config.server_count) return Status::InvalidArgument;
            if (group_of[idx] != kNoGroup) return Status::InvalidArgument;  // in two groups
            if (config.servers[idx].port == 0 || config.servers[idx].host.empty())
                return Status::InvalidArgument;
            group_of[idx] = g;
        }
        if (check_group_settings(gc, nullptr) != Status::Ok) return Status::InvalidArgument;
    }

    // ---- plan slots: matched servers keep theirs; others need a free one ----
    ServerSlot slot_of[STBF_MAX_SERVERS];
    bool slot_taken[STBF_MAX_SERVERS] = {};
    for (uint16_t i = 0; i < config.server_count; ++i) {
        slot_of[i] = kNoServer;
        if (group_of[i] == kNoGroup || !keep_state) continue;
        for (ServerSlot sl = 0; sl < STBF_MAX_SERVERS; ++sl) {
            if (servers_[sl].in_use && !slot_taken[sl] &&
                same_identity(servers_[sl].cfg, config.servers[i])) {
                slot_of[i] = sl;
                slot_taken[sl] = true;
                break;
            }
        }
    }
    // Unmatched busy slots stay (retired, draining); unmatched idle slots are free.
    bool slot_retire[STBF_MAX_SERVERS] = {};
    for (ServerSlot sl = 0; sl < STBF_MAX_SERVERS; ++sl) {
        const ServerRt& sv = servers_[sl];
        if (sv.in_use && !slot_taken[sl] &&
            (sv.live_sessions > 0 || sv.attempts_in_flight > 0)) {
            slot_retire[sl] = true;
        }
    }
    ServerSlot next_free = 0;
    for (uint16_t i = 0; i < config.server_count; ++i) {
        if (group_of[i] == kNoGroup || slot_of[i] != kNoServer) continue;
        while (next_free < STBF_MAX_SERVERS &&
               (slot_taken[next_free] || slot_retire[next_free]))
            ++next_free;
        if (next_free >= STBF_MAX_SERVERS) return Status::CapacityExceeded;
        slot_of[i] = next_free;
        slot_taken[next_free] = true;
    }

    // ---- apply: from here on nothing fails ----
    for (ServerSlot sl = 0; sl < STBF_MAX_SERVERS; ++sl) {
        ServerRt& sv = servers_[sl];
        if (slot_taken[sl]) continue;
        if (sv.in_use && sv.probe != 0) {
            push(Action{ActionKind::CancelProbe, Reason::Drained, sl, sv.group, 0, 0, sv.probe});
            sv.probe = 0;
            sv.probe_deadline = kNever;
        }
        if (slot_retire[sl]) {
            sv.group = kNoGroup;  // before set_state: its notice names no group
            set_state(sl, ServerState::Retired, Reason::Drained, now);
            sv.next_check = kNever;
        } else if (sv.in_use) {
            sv = ServerRt{};
        }
    }
    for (uint16_t i = 0; i < config.server_count; ++i) {
        if (group_of[i] == kNoGroup) continue;
        ServerRt& sv = servers_[slot_of[i]];
        const ServerConfig& sc = config.servers[i];
        bool fresh = !sv.in_use;
        bool was_disabled = !fresh && sv.state == ServerState::Disabled;
        if (fresh) sv = ServerRt{};
        sv.in_use = true;
        sv.cfg = sc;
        sv.group = group_of[i];
        if (!sc.enabled) {
            if (sv.probe != 0) {
                push(Action{ActionKind::CancelProbe, Reason::Drained, slot_of[i], sv.group, 0, 0,
                            sv.probe});
                sv.probe = 0;
                sv.probe_deadline = kNever;
            }
            set_state(slot_of[i], ServerState::Disabled, Reason::None, now);
            sv.next_check = kNever;
        } else if (fresh || was_disabled) {
            if (fresh) {
                sv.state = ServerState::Up;
                sv.last_change = now;
            } else {
                set_state(slot_of[i], ServerState::Up, Reason::None, now);
            }
            sv.fail_streak = sv.ok_streak = sv.backoff_exp = 0;
            sv.next_check = now + random_below(kFirstCheckSpread + 1);
        }
    }

    // Groups: keep counters and history of groups that keep their name.
    struct Kept {
        ServerSlot sticky, active;
        uint32_t sessions_total, sessions_refused, failovers;
        Failover last_failover;
        ServerSlot slot_last[STBF_MAX_SLOTS];
        TimeUs slot_idle_since[STBF_MAX_SLOTS];
        bool panic;
    };
    Kept kept[STBF_MAX_GROUPS];
    GroupIndex old_of_new[STBF_MAX_GROUPS];
    GroupIndex new_of_old[STBF_MAX_GROUPS];
    for (auto& v : new_of_old) v = kNoGroup;
    for (GroupIndex g = 0; g < config.group_count; ++g) {
        old_of_new[g] = kNoGroup;
        if (!keep_state) continue;
        for (GroupIndex og = 0; og < group_count_; ++og) {
            if (groups_[og].cfg.name == config.groups[g].name) {
                old_of_new[g] = og;
                new_of_old[og] = g;
                const GroupRt& o = groups_[og];
                kept[g] = Kept{o.sticky, o.active, o.sessions_total, o.sessions_refused,
                               o.failovers, o.last_failover, {}, {}, o.panic};
                for (uint8_t k = 0; k < STBF_MAX_SLOTS; ++k) {
                    kept[g].slot_last[k] = o.slot_last[k];
                    kept[g].slot_idle_since[k] = o.slot_idle_since[k];
                }
                break;
            }
        }
    }
    for (GroupIndex g = 0; g < config.group_count; ++g) {
        GroupRt& gr = groups_[g];
        gr = GroupRt{};
        gr.cfg = config.groups[g];
        if (old_of_new[g] != kNoGroup) {
            gr.sticky = kept[g].sticky;
            gr.active = kept[g].active;
            gr.sessions_total = kept[g].sessions_total;
            gr.sessions_refused = kept[g].sessions_refused;
            gr.failovers = kept[g].failovers;
            gr.last_failover = kept[g].last_failover;
            gr.panic = kept[g].panic;
            for (uint8_t k = 0; k < STBF_MAX_SLOTS; ++k) {
                gr.slot_last[k] = kept[g].slot_last[k];
                gr.slot_idle_since[k] = kept[g].slot_idle_since[k];
            }
        }
        for (uint16_t k = 0; k < gr.cfg.server_count; ++k) {
            ServerSlot sl = slot_of[gr.cfg.servers[k]];
            gr.members[k] = sl;
            servers_[sl].member = k;
        }
        gr.count = gr.cfg.server_count;
        uint8_t enabled = 0;
        for (uint8_t k = 0; k < gr.count; ++k) enabled += servers_[gr.members[k]].cfg.enabled;
        gr.slot_count = gr.cfg.slots != 0 ? gr.cfg.slots : (enabled >= 2 ? 2 : 1);
        if (gr.slot_count > STBF_MAX_SLOTS) gr.slot_count = STBF_MAX_SLOTS;
        for (uint8_t k = 0; k < STBF_MAX_SLOTS; ++k) {
            ServerSlot last = gr.slot_last[k];
            if (k >= gr.slot_count || (last != kNoServer && servers_[last].group != g)) {
                gr.slot_last[k] = kNoServer;
                gr.slot_idle_since[k] = 0;
            }
        }
        if (gr.sticky != kNoServer && servers_[gr.sticky].group != g) gr.sticky = kNoServer;
        if (gr.active != kNoServer && servers_[gr.active].group != g) gr.active = kNoServer;
    }
    GroupIndex old_group_count = group_count_;
    group_count_ = config.group_count;

    // Sessions follow their group; sessions of a removed group drain (live) or end
    // (still connecting: the box owner removed that line).
    for (uint16_t si = 0; si < STBF_MAX_SESSIONS; ++si) {
        SessionRt& s = sessions_[si];
        if (s.phase == SessionPhase::Free) continue;
        GroupIndex ng = (s.group != kNoGroup && s.group < old_group_count) ? new_of_old[s.group]
                                                                        : kNoGroup;
        s.group = ng;
        if (ng == kNoGroup && s.phase == SessionPhase::Connecting) {
            close_session(si, Reason::Drained, true, now);
            continue;
        }
        if (ng != kNoGroup) {
            groups_[ng].live_sessions++;
            s.hang_timeout_ms = groups_[ng].cfg.session.hang_timeout_ms;
            s.idle_timeout_s = groups_[ng].cfg.session.idle_timeout_s;
        }
    }
    slot_limit_ = 0;
    for (ServerSlot sl = 0; sl < STBF_MAX_SERVERS; ++sl)
        if (servers_[sl].in_use) slot_limit_ = static_cast<ServerSlot>(sl + 1);
    // Servers whose schedule depends on settings that may have changed.
    for (ServerSlot sl = 0; sl < slot_limit_; ++sl) {
        ServerRt& sv = servers_[sl];
        if (sv.in_use && sv.state != ServerState::Disabled && sv.state != ServerState::Retired &&
            sv.next_check == kNever && sv.probe == 0)
            schedule_check(sv, now);
    }
    loading_ = false;
    for (GroupIndex g = 0; g < group_count_; ++g) update_panic(g, now);
    ++config_generation_;
    return Status::Ok;
}

// ---- small helpers -----------------------------------------------------------------------

void Engine::push(const Action& a) {
    if (!actions_.push(a)) ++actions_dropped_;
}

void Engine::notice(const Notice& n) {
    if (!notices_.push(n)) ++notices_dropped_;
}

bool Engine::pop_notice(Notice* out) { return notices_.pop(out); }

namespace {
Notice make_notice(NoticeKind kind, TimeUs when, GroupIndex group) {
    Notice n{};
    n.kind = kind;
    n.when = when;
    n.group = group;
    n.server = n.from = n.to = kNoServer;
    n.from_state = n.to_state = ServerState::Up;
    n.admin = AdminState::Enabled;
    n.reason = Reason::None;
    return n;
}
}  // namespace

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
    if (id == 0 || index >= STBF_MAX_SESSIONS) return nullptr;
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

// ---- health -------------------------------------------------------------------------------

void Engine::schedule_check(ServerRt& sv, TimeUs now) {
    if (sv.probe != 0) return;  // rescheduled when the probe reports
    // An operator-disabled server is in maintenance: it is checked again once enabled.
    if (sv.group == kNoGroup || sv.state == ServerState::Disabled ||
        sv.state == ServerState::Retired || sv.admin == AdminState::Disabled) {
        sv.next_check = kNever;
        return;
    }
    const HealthSettings& h = groups_[sv.group].cfg.health;
    switch (sv.state) {
        case ServerState::Up:
            // A server that carries live sessions is watched passively (bytes and hangs), not
            // probed: a provider sees one connection per session and nothing more.
            if (sv.live_sessions > 0 && !h.probe_live)
                sv.next_check = kNever;
            else
                sv.next_check = now + jittered(h.inter_ms * kMs, h.jitter_pct);
            break;
        case ServerState::Suspect:
        case ServerState::Rising:
            sv.next_check = now + jittered(h.fastinter_ms * kMs, h.jitter_pct);
            break;
        case ServerState::Down: {
            // Full-jitter exponential backoff with a floor of fastinter: a fleet whose
            // provider went down does not come back at it in step, and never faster than
            // fastinter.
            TimeUs cap = h.downinter_ms * kMs;
            for (uint8_t i = 0; i < sv.backoff_exp && cap < h.downinter_max_ms * kMs; ++i)
                cap *= 2;
            cap = min_time(cap, static_cast<TimeUs>(h.downinter_max_ms) * kMs);
            TimeUs floor = min_time(h.fastinter_ms * kMs, cap);
            sv.next_check = now + floor + random_below(cap - floor + 1);
            break;
        }
        case ServerState::Disabled:
        case ServerState::Retired:
            sv.next_check = kNever;
            break;
    }
}

void Engine::server_success(ServerSlot slot, bool lived, TimeUs now) {
    ServerRt& sv = servers_[slot];
    const bool usable_state = sv.state == ServerState::Up || sv.state == ServerState::Suspect;
    if (!lived && usable_state && sv.live_fail_streak > 0) {
        // A server that greets and then drops sessions (or hangs after greeting) passes every
        // greeting: only a session that lives proves it good again.
        schedule_check(sv, now);
        return;
    }
    sv.fail_streak = 0;
    sv.live_fail_streak = 0;
    sv.backoff_exp = 0;
    if (sv.ok_streak < 255) sv.ok_streak++;
    if (sv.group == kNoGroup) return;
    const HealthSettings& h = groups_[sv.group].cfg.health;
    switch (sv.state) {
        case ServerState::Suspect:
            set_state(slot, ServerState::Up, Reason::None, now);
            break;
        case ServerState::Down:
        case ServerState::Rising:
            if (sv.ok_streak >= h.rise) {
                set_state(slot, ServerState::Up, Reason::None, now);
                sv.slowstart_until = h.slowstart_ms ? now + h.slowstart_ms * kMs : 0;
            } else {
                set_state(slot, ServerState::Rising, Reason::None, now);
            }
            break;
        default:
            break;
    }
    schedule_check(sv, now);
}

void Engine::server_failure(ServerSlot slot, Reason why, TimeUs now, bool live_only) {
    ServerRt& sv = servers_[slot];
    sv.last_failure = why;
    sv.ok_streak = 0;
    if (sv.fail_streak < 255) sv.fail_streak++;
    if (live_only && sv.live_fail_streak < 255) sv.live_fail_streak++;
    if (sv.group == kNoGroup) return;
    const HealthSettings& h = groups_[sv.group].cfg.health;
    switch (sv.state) {
        case ServerState::Up:
        case ServerState::Suspect:
            if (sv.fail_streak >= h.fall) {
                set_state(slot, ServerState::Down, why, now);
                sv.backoff_exp = 0;
                schedule_check(sv, now);
            } else {
                bool first = sv.state == ServerState::Up;
                set_state(slot, ServerState::Suspect, why, now);
                schedule_check(sv, now);
                // Suspicion is confirmed or cleared at once by an active check, not after
                // a full fastinter.
                if (first && sv.probe == 0) sv.next_check = now;
            }
            break;
        case ServerState::Rising:
            set_state(slot, ServerState::Down, why, now);
            if (sv.backoff_exp < kMaxBackoffExp) sv.backoff_exp++;
            schedule_check(sv, now);
            break;
        case ServerState::Down:
            if (sv.backoff_exp < kMaxBackoffExp) sv.backoff_exp++;
            schedule_check(sv, now);
            break;
        default:
            break;
    }
}

void Engine::start_probe(ServerSlot slot, TimeUs now) {
    ServerRt& sv = servers_[slot];
    if (sv.group == kNoGroup || sv.probe != 0) return;
    if (sv.state == ServerState::Disabled || sv.state == ServerState::Retired ||
        sv.admin == AdminState::Disabled)
        return;
    const HealthSettings& h = groups_[sv.group].cfg.health;
    sv.probe = next_probe_++;
    if (next_probe_ == 0) next_probe_ = 1;
    sv.probe_started = now;
    sv.probe_deadline = now + h.timeout_ms * kMs;
    sv.probe_connected = false;
    sv.next_check = kNever;
    push(Action{ActionKind::Probe, Reason::None, slot, sv.group, 0, 0, sv.probe});
}

Status Engine::probe_connected(ServerSlot server, ProbeId probe, TimeUs now) {
    (void)now;
    if (server >= STBF_MAX_SERVERS || !servers_[server].in_use || probe == 0 ||
        servers_[server].probe != probe)
        return Status::Stale;
    servers_[server].probe_connected = true;
    return Status::Ok;
}

Status Engine::probe_result(ServerSlot server, ProbeId probe, bool ok, Reason reason,
                            TimeUs now) {
    if (server >= STBF_MAX_SERVERS || !servers_[server].in_use || probe == 0 ||
        servers_[server].probe != probe)
        return Status::Stale;
    ServerRt& sv = servers_[server];
    sv.probe = 0;
    sv.probe_deadline = kNever;
    if (ok) {
        sv.probes_ok++;
        uint8_t shift = sv.group != kNoGroup ? groups_[sv.group].cfg.score.ewma_shift : 3;
        ewma_update(&sv.ewma_connect_us, now - sv.probe_started, shift);
        server_success(server, false, now);
    } else if (is_local(reason)) {
        // The check could not even be made (the box ran out of descriptors): try again later.
        sv.local_errors++;
        local_errors_++;
        schedule_check(sv, now);
    } else {
        sv.probes_failed++;
        server_failure(server, reason, now);
    }
    return Status::Ok;
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
    for (uint16_t si = 0; si < STBF_MAX_SESSIONS; ++si) {
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

// ---- picking ------------------------------------------------------------------------------

uint32_t Engine::effective_weight(const ServerRt& sv, TimeUs now) const {
    uint32_t w = sv.cfg.weight == 0 ? 1u : sv.cfg.weight;
    if (sv.slowstart_until > now && sv.group != kNoGroup) {
        // Slow start: a server that just came back gets 10 % of its weight, ramping to 100 %.
        TimeUs total = groups_[sv.group].cfg.health.slowstart_ms * kMs;
        TimeUs left = sv.slowstart_until - now;
        TimeUs elapsed = total > left ? total - left : 0;
        uint64_t pct = total ? 10 + (90 * elapsed) / total : 100;
        uint64_t eff = static_cast<uint64_t>(w) * pct / 100;
        w = eff == 0 ? 1u : static_cast<uint32_t>(eff);
    }
    return w;
}

uint64_t Engine::score(const ServerRt& sv, TimeUs now) const {
    uint64_t latency = static_cast<uint64_t>(sv.ewma_connect_us) + sv.ewma_response_us;
    if (latency == 0) return 0;  // never measured: worth a try
    return latency * 100 / effective_weight(sv, now);
}

TimeUs Engine::stagger_for(const ServerRt& sv) const {
    const SessionSettings& ss = groups_[sv.group].cfg.session;
    TimeUs stagger = ss.race_stagger_ms * kMs;
    // A far server that normally greets in 200 ms is not slow at 250 ms: wait twice its usual
    // time before racing, but never more than half the attempt timeout.
    TimeUs usual = 2 * static_cast<TimeUs>(sv.ewma_connect_us);
    if (usual > stagger) stagger = usual;
    TimeUs cap = ss.connect_timeout_ms * kMs / 2;
    return stagger < cap ? stagger : cap;
}

uint8_t Engine::rank(const ServerRt& sv, Mode mode, TimeUs now) const {
    // Drained, disabled and full servers take no new session, not even in panic.
    if (sv.admin != AdminState::Enabled || full(sv)) return kExcludedRank;
    const uint8_t backup = sv.cfg.backup ? 1 : 0;
    switch (sv.state) {
        case ServerState::Up:
            // Ordered failback waits for the slow start, whatever the tier of the alternative:
            // a flapping primary must not pull new sessions along each time it comes back.
            if (mode == Mode::Ordered && sv.slowstart_until > now) return 4 + backup;
            return 2 * backup;
        case ServerState::Suspect: return 2 * backup + 1;
        case ServerState::Rising: return kPanicRank + (sv.cfg.backup ? 1 : 0);
        case ServerState::Down: return kPanicRank + 2 + (sv.cfg.backup ? 1 : 0);
        default: return kExcludedRank;
    }
}

uint8_t Engine::best_rank(GroupIndex g, uint64_t mask, TimeUs now) const {
    if (g >= group_count_) return kExcludedRank;
    const GroupRt& gr = groups_[g];
    uint8_t best = kExcludedRank;
    for (uint8_t k = 0; k < gr.count; ++k) {
        const ServerSlot sl = gr.members[k];
        if (mask & (uint64_t{1} << k)) continue;
        const uint8_t c = rank(servers_[sl], gr.cfg.mode, now);
        if (c < best) best = c;
    }
    return best;
}

ServerSlot Engine::pick(GroupIndex g, uint64_t tried_mask, TimeUs now) {
    const uint8_t best = best_rank(g, tried_mask, now);
    if (best == kExcludedRank) return kNoServer;
    GroupRt& gr = groups_[g];
    const Mode mode = gr.cfg.mode;
    auto in_class = [&](ServerSlot sl) {
        return !(tried_mask & (uint64_t{1} << servers_[sl].member)) &&
               rank(servers_[sl], mode, now) == best;
    };
    uint8_t candidates = 0;
    for (uint8_t k = 0; k < gr.count; ++k) candidates += in_class(gr.members[k]) ? 1 : 0;

    ServerSlot chosen = kNoServer;
    if (mode == Mode::Ordered || candidates == 1) {
        for (uint8_t k = 0; k < gr.count; ++k) {
            ServerSlot sl = gr.members[k];
            if (!in_class(sl)) continue;
            if (chosen == kNoServer || servers_[sl].cfg.priority < servers_[chosen].cfg.priority)
                chosen = sl;
        }
    } else if (mode == Mode::Random) {
        if (gr.cfg.sticky && gr.sticky != kNoServer && servers_[gr.sticky].group == g &&
            in_class(gr.sticky)) {
            chosen = gr.sticky;
        } else {
            uint64_t total = 0;
            for (uint8_t k = 0; k < gr.count; ++k)
                if (in_class(gr.members[k])) total += effective_weight(servers_[gr.members[k]], now);
            uint64_t r = random_below(total);
            for (uint8_t k = 0; k < gr.count && chosen == kNoServer; ++k) {
                ServerSlot sl = gr.members[k];
                if (!in_class(sl)) continue;
                uint64_t w = effective_weight(servers_[sl], now);
                if (r < w) chosen = sl;
                else r -= w;
            }
        }
    } else {  // Scored
        // Re-explore: a server nobody picked for a while may have become the fast one.
        TimeUs reexplore = gr.cfg.score.reexplore_ms * kMs;
        for (uint8_t k = 0; k < gr.count; ++k) {
            ServerSlot sl = gr.members[k];
            if (!in_class(sl)) continue;
            const ServerRt& sv = servers_[sl];
            bool stale = sv.picks == 0 || (reexplore > 0 && now >= sv.last_pick + reexplore);
            if (stale && (chosen == kNoServer || sv.last_pick < servers_[chosen].last_pick))
                chosen = sl;
        }
        if (chosen == kNoServer) {
            // Power of two choices: two distinct random candidates, the better score wins.
            uint64_t first = random_below(candidates);
            uint64_t second = random_below(candidates - 1);
            if (second >= first) ++second;
            ServerSlot a = kNoServer, b = kNoServer;
            uint64_t n = 0;
            for (uint8_t k = 0; k < gr.count; ++k) {
                ServerSlot sl = gr.members[k];
                if (!in_class(sl)) continue;
                if (n == first) a = sl;
                if (n == second) b = sl;
                ++n;
            }
            uint64_t sa = score(servers_[a], now);
            uint64_t sb = score(servers_[b], now);
            chosen = (sb < sa || (sb == sa && servers_[b].member < servers_[a].member)) ? b : a;
        }
    }
    if (chosen != kNoServer) {
        servers_[chosen].picks++;
        servers_[chosen].last_pick = now;
    }
    return chosen;
}

// ---- sessions -----------------------------------------------------------------------------

Status Engine::session_open(GroupIndex group, TimeUs now, SessionId* out) {
    return session_open_slot(group, 0, now, out);
}

uint64_t Engine::other_slots_mask(GroupIndex g, uint8_t slot) const {
    uint64_t mask = 0;
    auto add = [&](ServerSlot server) {
        if (server != kNoServer && servers_[server].group == g)
            mask |= uint64_t{1} << servers_[server].member;
    };
    for (const SessionRt& s : sessions_) {
        if (s.phase == SessionPhase::Free || s.group != g || s.slot == slot) continue;
        if (s.phase == SessionPhase::Live) {
            add(s.server);
            continue;
        }
        for (const AttemptRt& a : s.attempts)
            if (a.id != 0) add(a.server);
    }
    return mask;
}

uint64_t Engine::slot_mask(GroupIndex g, uint8_t slot, uint64_t tried, TimeUs now,
                           bool* starved) const {
    *starved = false;
    const GroupRt& gr = groups_[g];
    const uint64_t others = gr.slot_count > 1 ? other_slots_mask(g, slot) : 0;
    if (others == 0) return tried;
    const uint64_t avoid = tried | others;
    const uint8_t distinct = best_rank(g, avoid, now);
    const uint8_t any = best_rank(g, tried, now);
    // Starved: only the other slots' servers are usable (a distinct one exists only as a
    // panic pick, or not at all).
    *starved = any != kExcludedRank &&
               (distinct == kExcludedRank || (distinct >= kPanicRank && any < kPanicRank));
    // slot_share: distinct servers while there are enough, shared only when not.
    return (*starved && gr.cfg.slot_share) ? tried : avoid;
}

Status Engine::session_open_slot(GroupIndex group, uint8_t slot, TimeUs now, SessionId* out) {
    if (group >= group_count_) return Status::NotFound;
    GroupRt& gr = groups_[group];
    if (slot >= gr.slot_count) return Status::InvalidArgument;
    // Two slots never share a server unless the group allows it: line servers drop duplicate
    // logins of one account, so the slots would knock each other off. When only the other
    // slots' servers are left, refuse at once: the softcam keeps using its other reader.
    bool starved = false;
    slot_mask(group, slot, 0, now, &starved);
    if (starved && !gr.cfg.slot_share) {
        gr.sessions_refused++;
        if (gr.slot_idle_since[slot] == 0) gr.slot_idle_since[slot] = now;
        Notice n = make_notice(NoticeKind::SlotIdle, now, group);
        n.slot = slot;
        n.reason = Reason::NoServer;
        notice(n);
        return Status::NoServer;
    }
    if (gr.live_sessions >= gr.cfg.session.max_sessions) {
        gr.sessions_refused++;
        return Status::CapacityExceeded;
    }
    uint16_t si = 0;
    while (si < STBF_MAX_SESSIONS && sessions_[si].phase != SessionPhase::Free) ++si;
    if (si >= STBF_MAX_SESSIONS) {
        gr.sessions_refused++;
        return Status::CapacityExceeded;
    }
    SessionRt& s = sessions_[si];
    uint16_t gen = static_cast<uint16_t>(s.gen + 1);
    if (gen == 0) gen = 1;
    s = SessionRt{};
    s.gen = gen;
    s.phase = SessionPhase::Connecting;
    s.group = group;
    s.slot = slot;
    s.last_activity = now;
    s.hang_timeout_ms = gr.cfg.session.hang_timeout_ms;
    s.idle_timeout_s = gr.cfg.session.idle_timeout_s;
    gr.live_sessions++;
    gr.sessions_total++;
    *out = session_id(si);
    if (!start_attempt(si, now)) close_session(si, Reason::NoServer, true, now);
    return Status::Ok;
}

bool Engine::start_attempt(uint16_t si, TimeUs now) {
    SessionRt& s = sessions_[si];
    if (s.group == kNoGroup) return false;
    const SessionSettings& ss = groups_[s.group].cfg.session;
    if (s.attempts_made >= ss.max_attempts) return false;
    AttemptRt* slot = nullptr;
    for (auto& a : s.attempts)
        if (a.id == 0) {
            slot = &a;
            break;
        }
    if (slot == nullptr) return false;
    bool starved = false;
    const uint64_t mask = slot_mask(s.group, s.slot, s.tried, now, &starved);
    ServerSlot server = pick(s.group, mask, now);
    if (server == kNoServer) return false;
    s.tried |= uint64_t{1} << servers_[server].member;
    s.attempts_made++;
    slot->id = next_attempt_++;
    if (next_attempt_ == 0) next_attempt_ = 1;
    slot->server = server;
    slot->started = now;
    slot->deadline = now + ss.connect_timeout_ms * kMs;
    slot->connected = false;
    servers_[server].attempts_in_flight++;
    s.stagger_at = (ss.race && s.attempts_made < ss.max_attempts)
                       ? now + stagger_for(servers_[server])
                       : kNever;
    push(Action{ActionKind::Connect, Reason::None, server, s.group, session_id(si), slot->id, 0});
    return true;
}

uint8_t Engine::attempts_in_flight(const SessionRt& s) {
    uint8_t n = 0;
    for (const auto& a : s.attempts)
        if (a.id != 0) ++n;
    return n;
}

void Engine::attempt_lost(SessionRt& s, ServerSlot server, Reason why, TimeUs now) {
    servers_[server].connects_failed++;
    server_failure(server, why, now);
    if (s.first_failed == kNoServer) {
        s.first_failed = server;
        s.first_failure = why;
    }
}

void Engine::fail_or_continue(uint16_t si, TimeUs now) {
    SessionRt& s = sessions_[si];
    const uint8_t in_flight = attempts_in_flight(s);
    bool started = in_flight < STBF_MAX_ATTEMPTS_IN_FLIGHT && start_attempt(si, now);
    if (in_flight == 0 && !started) close_session(si, Reason::NoServer, true, now);
}

void Engine::close_session(uint16_t si, Reason why, bool emit, TimeUs now) {
    SessionRt& s = sessions_[si];
    if (s.phase == SessionPhase::Free) return;
    SessionId id = session_id(si);
    for (auto& a : s.attempts) release_attempt(a);
    ServerSlot server = s.server;
    if (s.phase == SessionPhase::Live && server != kNoServer) {
        ServerRt& sv = servers_[server];
        if (sv.live_sessions > 0) sv.live_sessions--;
        if (sv.live_sessions == 0 && sv.next_check == kNever) schedule_check(sv, now);
        maybe_free_retired(server);
    }
    if (s.group != kNoGroup && groups_[s.group].live_sessions > 0) groups_[s.group].live_sessions--;
    if (emit) push(Action{ActionKind::CloseSession, why, server, s.group, id, 0, 0});
    uint16_t gen = s.gen;
    s = SessionRt{};
    s.gen = gen;
}

Status Engine::session_closed(SessionId session, Reason reason, TimeUs now) {
    SessionRt* s = find_session(session);
    if (s == nullptr) return Status::Stale;
    uint16_t si = static_cast<uint16_t>(session & 0xffffu);
    if (s->phase == SessionPhase::Live && is_upstream_end(reason) && s->server != kNoServer) {
        // Ended within early_close_ms: the server greeted and then dropped the session (as one
        // does on a refused login), which no greeting probe can see.
        const bool early = !s->proven && now < s->live_since + s->early_close_ms * kMs;
        server_failure(s->server, reason, now, early);
    }
    close_session(si, reason, false, now);
    return Status::Ok;
}

Status Engine::attempt_connected(SessionId session, AttemptId attempt, TimeUs now) {
    (void)now;
    SessionRt* s = find_session(session);
    if (s == nullptr || s->phase != SessionPhase::Connecting) return Status::Stale;
    AttemptRt* a = find_attempt(*s, attempt);
    if (a == nullptr) return Status::Stale;
    a->connected = true;
    return Status::Ok;
}

Status Engine::attempt_ready(SessionId session, AttemptId attempt, TimeUs now) {
    SessionRt* s = find_session(session);
    if (s == nullptr || s->phase != SessionPhase::Connecting) return Status::Stale;
    AttemptRt* a = find_attempt(*s, attempt);
    if (a == nullptr) return Status::Stale;
    const ServerSlot server = a->server;
    ServerRt& sv = servers_[server];
    GroupRt& gr = groups_[s->group];
    ewma_update(&sv.ewma_connect_us, now - a->started, gr.cfg.score.ewma_shift);
    sv.connects_ok++;
    sv.live_sessions++;  // first: the check schedule below already sees the live session
    server_success(server, false, now);
    const TimeUs won_started = a->started;
    release_attempt(*a);
    // The race is over: the others lose. One that started before the winner was outrun without
    // greeting: a failed attempt of its server (a server hanging before its greeting otherwise
    // costs every client the stagger and is never marked). One started after is not to blame.
    for (auto& other : s->attempts) {
        if (other.id == 0) continue;
        const ServerSlot loser = other.server;
        const bool outrun = other.started < won_started;
        const Reason why = other.connected ? Reason::GreetingTimeout : Reason::ConnectTimeout;
        push(Action{ActionKind::AbortAttempt, outrun ? why : Reason::None, loser, s->group,
                    session, other.id, 0});
        release_attempt(other);
        if (outrun) attempt_lost(*s, loser, why, now);
    }
    s->phase = SessionPhase::Live;
    s->server = server;
    s->live_since = now;
    s->stagger_at = kNever;
    s->last_activity = now;
    s->pending_up = false;
    s->early_close_ms = gr.cfg.health.early_close_ms;
    s->proven = false;
    if (s->early_close_ms == 0) prove_session(*s, now);

    // Failover bookkeeping, per slot: the first choice failed and another server took the
    // session, or the slot's previous server was avoided because it is not healthy or an
    // operator took it out.
    const uint8_t slot = s->slot;
    const ServerSlot last = gr.slot_last[slot];
    ServerSlot from = kNoServer;
    Reason why = Reason::None;
    if (s->first_failed != kNoServer && s->first_failed != server) {
        from = s->first_failed;
        why = s->first_failure;
    } else if (last != kNoServer && last != server &&
               servers_[last].state != ServerState::Up) {
        from = last;
        why = servers_[last].last_failure;
    } else if (last != kNoServer && last != server &&
               servers_[last].admin != AdminState::Enabled) {
        from = last;
        why = Reason::Drained;
    }
    if (from != kNoServer) {
        gr.failovers++;
        gr.last_failover = Failover{now, from, server, why};
        Notice n = make_notice(NoticeKind::Failover, now, s->group);
        n.server = n.to = server;
        n.from = from;
        n.reason = why;
        n.slot = slot;
        notice(n);
    }
    gr.slot_last[slot] = server;
    gr.slot_idle_since[slot] = 0;
    gr.active = server;
    gr.sticky = server;
    push(Action{ActionKind::Relay, Reason::None, server, s->group, session, attempt, 0});
    return Status::Ok;
}

Status Engine::attempt_failed(SessionId session, AttemptId attempt, Reason reason, TimeUs now) {
    SessionRt* s = find_session(session);
    if (s == nullptr || s->phase != SessionPhase::Connecting) return Status::Stale;
    AttemptRt* a = find_attempt(*s, attempt);
    if (a == nullptr) return Status::Stale;
    const ServerSlot server = a->server;
    if (reason == Reason::None) reason = Reason::Reset;
    release_attempt(*a);
    if (is_local(reason)) {
        servers_[server].local_errors++;
        local_errors_++;
    } else {
        attempt_lost(*s, server, reason, now);
    }
    fail_or_continue(static_cast<uint16_t>(session & 0xffffu), now);
    return Status::Ok;
}

Status Engine::bytes_up(SessionId session, TimeUs now) {
    SessionRt* s = find_session(session);
    if (s == nullptr || s->phase != SessionPhase::Live) return Status::Stale;
    if (!s->pending_up) {
        s->pending_up = true;
        s->pending_up_since = now;
    }
    s->last_activity = now;
    return Status::Ok;
}

Status Engine::bytes_down(SessionId session, TimeUs now) {
    SessionRt* s = find_session(session);
    if (s == nullptr || s->phase != SessionPhase::Live) return Status::Stale;
    if (s->pending_up) {
        s->pending_up = false;
        ServerRt& sv = servers_[s->server];
        uint8_t shift = s->group != kNoGroup ? groups_[s->group].cfg.score.ewma_shift : 3;
        ewma_update(&sv.ewma_response_us, now - s->pending_up_since, shift);
        if (!s->proven && now >= s->live_since + s->early_close_ms * kMs) prove_session(*s, now);
    }
    s->last_activity = now;
    return Status::Ok;
}

TimeUs Engine::proven_at(const SessionRt& s) {
    // An unanswered request defers the verdict to its answer (bytes_down) or its hang.
    if (s.phase != SessionPhase::Live || s.proven || s.pending_up) return kNever;
    return s.live_since + static_cast<TimeUs>(s.early_close_ms) * kMs;
}

void Engine::prove_session(SessionRt& s, TimeUs now) {
    s.proven = true;
    if (s.server != kNoServer && servers_[s.server].in_use) server_success(s.server, true, now);
}

// ---- timers -------------------------------------------------------------------------------

void Engine::on_timeout(TimeUs now) {
    for (uint16_t si = 0; si < STBF_MAX_SESSIONS; ++si) {
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
    for (const SessionRt& s : sessions_) {
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
    for (const SessionRt& s : sessions_) {
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
    return slot < STBF_MAX_SERVERS && servers_[slot].in_use;
}

ServerStatus Engine::server_status(ServerSlot slot) const {
    const ServerRt& sv = servers_[slot];
    ServerStatus st{};
    st.config = &sv.cfg;
    st.group = sv.group;
    st.state = sv.state;
    st.fail_streak = sv.fail_streak;
    st.ok_streak = sv.ok_streak;
    st.last_failure = sv.last_failure;
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
