// Failover engine: health (check schedule, success and failure rules, probes). See engine.h for the contract.
#include "stbf/engine.h"

#include "engine_internal.h"

namespace stbf {

using namespace engine_detail;

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
    sv.last_failure_at = now;
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
    if (server >= capacity_.servers || !servers_[server].in_use || probe == 0 ||
        servers_[server].probe != probe)
        return Status::Stale;
    servers_[server].probe_connected = true;
    return Status::Ok;
}

Status Engine::probe_result(ServerSlot server, ProbeId probe, bool ok, Reason reason,
                            TimeUs now) {
    if (server >= capacity_.servers || !servers_[server].in_use || probe == 0 ||
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

}  // namespace stbf
