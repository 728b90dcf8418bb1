// Failover engine: sessions (slots, attempts, racing, live sessions). See engine.h for the contract.
#include "stbf/engine.h"

#include "engine_internal.h"

namespace stbf {

using namespace engine_detail;

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
    for (const SessionRt& s : sessions()) {
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
    while (si < capacity_.sessions && sessions_[si].phase != SessionPhase::Free) ++si;
    if (si >= capacity_.sessions) {
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
    ServerSlot server = pick_excluding(s.group, mask, s.tried != 0, now);
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

}  // namespace stbf
