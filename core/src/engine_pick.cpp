// Failover engine: choosing a server (ranking, modes, slow start). See engine.h for the contract.
#include "stbf/engine.h"

#include "engine_internal.h"

namespace stbf {

using namespace engine_detail;

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
        case ServerState::Down:
            // A Down server whose check is in flight waits for it; see pick() for how panic
            // tries the others.
            if (sv.probe != 0) return kExcludedRank;
            return kPanicRank + 2 + (sv.cfg.backup ? 1 : 0);
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

ServerSlot Engine::pick_excluding(GroupIndex g, uint64_t exclude, bool tried_before,
                                  TimeUs now) {
    const uint8_t best = best_rank(g, exclude, now);
    if (best == kExcludedRank) return kNoServer;
    GroupRt& gr = groups_[g];
    const Mode mode = gr.cfg.mode;
    auto in_class = [&](ServerSlot sl) {
        return !(exclude & (uint64_t{1} << servers_[sl].member)) &&
               rank(servers_[sl], mode, now) == best;
    };
    uint8_t candidates = 0;
    for (uint8_t k = 0; k < gr.count; ++k) candidates += in_class(gr.members[k]) ? 1 : 0;

    ServerSlot chosen = kNoServer;
    if (best >= kPanicRank + 2) {
        // Only Down servers are left. A connection tries one of them, the one picked longest
        // ago (round robin), and nothing after it. A box finds a server that came back within
        // as many softcam reconnects as there are Down servers, while a fleet whose whole
        // provider is down sends each host one connect per box and reconnect tick divided by
        // the hosts, instead of one per host.
        if (tried_before) return kNoServer;
        for (uint8_t k = 0; k < gr.count; ++k) {
            ServerSlot sl = gr.members[k];
            if (in_class(sl) &&
                (chosen == kNoServer || servers_[sl].last_pick < servers_[chosen].last_pick))
                chosen = sl;
        }
    } else if (mode == Mode::Ordered || candidates == 1) {
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

}  // namespace stbf
