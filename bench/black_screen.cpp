#include "black_screen.h"

#include <algorithm>
#include <memory>

#include "stbf/engine.h"
#include "stbf/runtime.h"
#include "stbf/sim.h"

namespace stbf::bench {
namespace {

constexpr uint64_t kMs = 1000;
constexpr uint64_t kSec = 1000 * kMs;
const char* const kNames[] = {"A", "B", "C"};

}  // namespace

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

Row reduce(const std::vector<sim::SoftcamRequest>& requests, uint64_t fault_at, uint64_t end,
           const sim::SoftcamOptions& so) {
    Row row;
    // Requests due up to one client timeout before the end have had their chance.
    row.s = sim::summarize(requests, fault_at, end - so.client_timeout_us, so.fallback_timeout_us);
    if (row.s.last_late_sent_us != sim::kSoftcamNever)
        row.late_until_us = row.s.last_late_sent_us - fault_at;
    return row;
}

// ---- virtual time -------------------------------------------------------------------------

/// The sim: line servers A, B, C at 10.0.0.1-3 (5 ms away), the softcam direct or through the
/// real Engine and Runtime on the sim port, the fault `phase_us` after the warm-up.
Row run_sim(Setup setup, Fault fault, const BlackScreenOptions& o, uint64_t phase_us,
            uint64_t seed) {
    sim::World w(seed);
    sim::Server* servers[3];
    const char* hosts[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
    for (int k = 0; k < 3; ++k) {
        servers[k] = &w.add_server(hosts[k], 12000, sim::ServerBehaviour::line(k + 1));
        w.set_host_latency_us(hosts[k], 5 * kMs);
    }
    auto engine = std::make_unique<stbf::DefaultEngine>();
    auto config = std::make_unique<stbf::Config>();
    auto runtime = std::make_unique<stbf::DefaultRuntime>(*engine, w.port());
    const bool relay = setup == Setup::RelayOneSlot || setup == Setup::RelayTwoSlots;
    std::vector<std::pair<std::string, uint16_t>> targets;
    if (relay) {
        config->seed = seed;
        stbf::GroupConfig& g = config->groups[config->group_count++];
        g.name.assign("line");
        g.listen_port = 20000;
        g.mode = stbf::Mode::Ordered;
        g.session.hang_timeout_ms = o.hang_timeout_ms;
        g.slots = static_cast<uint8_t>(stbf::standin::setup_readers(setup));
        for (uint8_t k = 0; k < g.slots; ++k) {
            g.slot_ports[k] = static_cast<uint16_t>(20000 + k);
            targets.push_back({"127.0.0.1", g.slot_ports[k]});
        }
        for (int k = 0; k < 3; ++k) {
            stbf::ServerConfig& s = config->servers[config->server_count];
            s.label.assign(kNames[k]);
            s.host.assign(hosts[k]);
            s.port = 12000;
            s.protocol = stbf::Protocol::Cccam;
            s.probe = stbf::ProbeKind::Cccam;
            g.servers[g.server_count++] = config->server_count++;
        }
        if (runtime->init(*config, w.now()) != stbf::Status::Ok) {
            Row bad;
            bad.ok = false;
            bad.error = "runtime init failed";
            return bad;
        }
    } else {
        targets.push_back({hosts[0], 12000});
        if (setup == Setup::DirectTwo) targets.push_back({hosts[1], 12000});
    }
    sim::SoftcamOptions so = o.softcam;
    so.seed = seed * 7919 + 1;
    sim::Softcam& cam = w.add_softcam(targets, so);
    auto run_until = [&](uint64_t t) {
        for (int steps = 0; w.now() < t && steps < 50'000'000; ++steps) {
            if (relay)
                runtime->step(t - w.now());
            else
                w.run_until(t);
        }
    };
    auto home = [&](unsigned r) -> std::string {
        if (!cam.model().logged_in(r)) return "-";
        for (int k = 0; k < 3; ++k)
            if (cam.model().greeting(r) == sim::cccam_greeting(k + 1)) return kNames[k];
        return "?";
    };
    auto homes = [&] {
        std::vector<std::string> h;
        for (unsigned r = 0; r < targets.size(); ++r) h.push_back(home(r));
        return join(h);
    };
    const uint64_t fault_at = static_cast<uint64_t>(o.warmup_ms * kMs) + phase_us;
    const uint64_t fault_us = static_cast<uint64_t>(o.fault_ms * kMs);
    run_until(fault_at);
    Row row;
    row.victim = home(0);
    sim::Server* victim = nullptr;
    for (int k = 0; k < 3; ++k)
        if (row.victim == kNames[k]) victim = servers[k];
    if (victim == nullptr) {
        row.ok = false;
        row.error = "reader 0 not logged in at the fault";
        return row;
    }
    switch (fault) {
        case Fault::Kill:
            victim->kill();
            w.at(fault_at + fault_us, [victim] { victim->start(); });
            break;
        case Fault::Hang:
            victim->stop();
            w.at(fault_at + fault_us, [victim] { victim->resume(); });
            break;
        case Fault::Flap: {
            const uint64_t down = static_cast<uint64_t>(o.flap_down_ms * kMs);
            const uint64_t up = static_cast<uint64_t>(o.flap_up_ms * kMs);
            for (uint64_t t = fault_at; t < fault_at + fault_us; t += down + up) {
                w.at(t, [victim] { victim->kill(); });
                w.at(std::min(t + down, fault_at + fault_us), [victim] { victim->start(); });
            }
            break;
        }
    }
    run_until(fault_at + fault_us * 8 / 10);
    row.during = homes();
    const uint64_t end = fault_at + fault_us + static_cast<uint64_t>(o.after_ms * kMs);
    run_until(end);
    row.end = homes();
    Row measured = reduce(cam.model().requests(), fault_at, end, so);
    measured.victim = row.victim;
    measured.during = row.during;
    measured.end = row.end;
    return measured;
}

/// Several fault phases (the fault lands anywhere in the request period and the tick): the
/// worst gap, the summed counts, the latest "late" and the homes of the first phase.
Row run_sim_row(Setup setup, Fault fault, const BlackScreenOptions& o, unsigned phases) {
    Row total;
    for (unsigned p = 0; p < phases; ++p) {
        const uint64_t phase_us = p * 1'618'033ull % (13 * kSec);
        Row r = run_sim(setup, fault, o, phase_us, p + 1);
        if (!r.ok) return r;
        total.s.requests += r.s.requests;
        total.s.lost += r.s.lost;
        total.s.late += r.s.late;
        total.s.longest_gap_us = std::max(total.s.longest_gap_us, r.s.longest_gap_us);
        total.late_until_us = std::max(total.late_until_us, r.late_until_us);
        if (p == 0) {
            total.victim = r.victim;
            total.during = r.during;
            total.end = r.end;
        }
    }
    return total;
}

}  // namespace stbf::bench
