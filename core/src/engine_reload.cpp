// Failover engine: loading a config (init, hot reload). See engine.h for the contract.
#include "stbf/engine.h"

#include "engine_internal.h"
#include "stbf/grouping.h"
#include "stbf/settings.h"

namespace stbf {

using namespace engine_detail;

Status Engine::init(const Config& config, uint64_t seed, TimeUs now) {
    uint64_t sm = seed;
    rng_[0] = splitmix64(&sm);
    rng_[1] = splitmix64(&sm);
    if (rng_[0] == 0 && rng_[1] == 0) rng_[1] = 1;
    if (servers_ == nullptr) return Status::InvalidArgument;  // no tables attached
    for (ServerRt& sv : servers()) sv = ServerRt{};
    for (SessionRt& s : sessions()) s = SessionRt{};
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
    if (servers_ == nullptr) return Status::InvalidArgument;  // no tables attached
    if (config.group_count > capacity_.groups || config.server_count > capacity_.servers)
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
        for (ServerSlot sl = 0; sl < capacity_.servers; ++sl) {
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
    for (ServerSlot sl = 0; sl < capacity_.servers; ++sl) {
        const ServerRt& sv = servers_[sl];
        if (sv.in_use && !slot_taken[sl] &&
            (sv.live_sessions > 0 || sv.attempts_in_flight > 0)) {
            slot_retire[sl] = true;
        }
    }
    ServerSlot next_free = 0;
    for (uint16_t i = 0; i < config.server_count; ++i) {
        if (group_of[i] == kNoGroup || slot_of[i] != kNoServer) continue;
        while (next_free < capacity_.servers &&
               (slot_taken[next_free] || slot_retire[next_free]))
            ++next_free;
        if (next_free >= capacity_.servers) return Status::CapacityExceeded;
        slot_of[i] = next_free;
        slot_taken[next_free] = true;
    }

    // ---- apply: from here on nothing fails ----
    for (ServerSlot sl = 0; sl < capacity_.servers; ++sl) {
        ServerRt& sv = servers_[sl];
        if (slot_taken[sl]) continue;
        if (sv.in_use && sv.probe != 0) {
            push(Action{ActionKind::CancelProbe, Reason::Drained, sl, sv.group, 0, 0, sv.probe});
            sv.probe = 0;
            sv.probe_deadline = kNever;
        }
        if (slot_retire[sl]) {
            // A retired server keeps the name of the group it drains from (status, logs);
            // the group index itself may be gone or renumbered.
            if (sv.group != kNoGroup) sv.former_group = groups_[sv.group].cfg.name;
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
        gr.slot_count = group_slot_count(config, gr.cfg);  // the same rule the listen ports follow
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
    for (uint16_t si = 0; si < capacity_.sessions; ++si) {
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
    for (ServerSlot sl = 0; sl < capacity_.servers; ++sl)
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

}  // namespace stbf
