// Black-screen time: how long a box owner looks at a black picture when the upstream serving
// the softcam is killed, hangs or flaps. The OSCam-like stand-in softcam
// (stbf/sim/softcam_model.h: 13 s reconnect tick, unchecked 15 s keepalive, fallback reader
// asked after 2.5 s) sends one request ("ECM") per second, for four setups: on its own with one
// reader, on its own with two readers (the second a fallback reader), through stbfailover with
// slots=1 and with slots=2 (three line upstreams A, B, C in ordered mode). Measured over the
// requests due from the fault until the end: the longest gap without an answered request,
// requests lost, requests answered later than the fallback timeout. Ratios are against
// "direct, two readers" in the same run (the box owner's own warm redundancy).
//
// Default: virtual time on the sim (deterministic, fast), several fault phases per row.
// --real: the same on loopback sockets with the runtime over the POSIX port, real clocks,
// one phase and shorter windows; rows of one fault run concurrently. Prints; never fails on
// timing (exit 1 only if a run could not be set up).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "failover_scenario.h"
#include "stbf/engine.h"
#include "stbf/runtime.h"
#include "stbf/sim.h"

namespace {

using stbf::standin::BlackScreenOptions;
using stbf::standin::BlackScreenResult;
using stbf::standin::Fault;
using stbf::standin::Setup;
namespace sim = stbf::sim;

constexpr uint64_t kMs = 1000;
constexpr uint64_t kSec = 1000 * kMs;
constexpr Setup kSetups[] = {Setup::DirectOne, Setup::DirectTwo, Setup::RelayOneSlot,
                             Setup::RelayTwoSlots};
constexpr Fault kFaults[] = {Fault::Kill, Fault::Hang, Fault::Flap};
const char* const kNames[] = {"A", "B", "C"};

/// One measured run, reduced to what the table shows.
struct Row {
    sim::SoftcamSummary s;
    uint64_t late_until_us = 0;       ///< last late request due this long after the fault (0: none)
    std::string victim, during, end;  ///< homes of the readers, e.g. "B,C"
    bool ok = true;
    std::string error;
};

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
    auto engine = std::make_unique<stbf::Engine>();
    auto config = std::make_unique<stbf::Config>();
    auto runtime = std::make_unique<stbf::Runtime>(*engine, w.port());
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

// ---- table --------------------------------------------------------------------------------

std::string ratio(double v, double base) {
    char buf[32];
    if (base <= 0) {
        std::snprintf(buf, sizeof buf, v <= 0 ? "=" : "worse");
    } else {
        std::snprintf(buf, sizeof buf, "%.2f", v / base);
    }
    return buf;
}

void print_table(const char* title, Row rows[3][4], const sim::SoftcamOptions& so) {
    std::printf("\n%s\n", title);
    std::printf(
        "| fault | setup | requests | longest gap | x direct-2 | lost | late (>%.1f s) | "
        "late until | homes at fault -> during -> end |\n",
        so.fallback_timeout_us / 1e6);
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (int f = 0; f < 3; ++f) {
        const Row& base = rows[f][1];
        for (int s = 0; s < 4; ++s) {
            const Row& r = rows[f][s];
            if (!r.ok && r.error == "not run") continue;
            if (!r.ok) {
                std::printf("| %s | %s | failed: %s |\n", stbf::standin::fault_name(kFaults[f]),
                            stbf::standin::setup_name(kSetups[s]), r.error.c_str());
                continue;
            }
            char until[32] = "-";
            if (r.s.late != 0) std::snprintf(until, sizeof until, "%.1f s", r.late_until_us / 1e6);
            std::printf(
                "| %s | %s | %u | %.1f s | %s | %u | %u | %s | %s -> %s -> %s |\n",
                stbf::standin::fault_name(kFaults[f]), stbf::standin::setup_name(kSetups[s]),
                r.s.requests, r.s.longest_gap_us / 1e6,
                ratio(static_cast<double>(r.s.longest_gap_us),
                      static_cast<double>(base.s.longest_gap_us))
                    .c_str(),
                r.s.lost, r.s.late, until, r.victim.c_str(), r.during.c_str(), r.end.c_str());
        }
    }
}

int usage() {
    std::fprintf(stderr,
                 "usage: bench_black_screen [--phases N] [--real] [--fault kill|hang|flap]\n"
                 "  --phases N  sim: fault phases per row (1..50, default 8)\n"
                 "  --real      also run on loopback sockets (about 1 min per fault)\n"
                 "  --fault F   only this fault\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned phases = 8;
    bool real = false;
    int only = -1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--phases") == 0 && i + 1 < argc) {
            phases = static_cast<unsigned>(std::atoi(argv[++i]));
            if (phases < 1 || phases > 50) return usage();
        } else if (std::strcmp(argv[i], "--real") == 0) {
            real = true;
        } else if (std::strcmp(argv[i], "--fault") == 0 && i + 1 < argc) {
            const char* f = argv[++i];
            for (int k = 0; k < 3; ++k)
                if (std::strcmp(f, stbf::standin::fault_name(kFaults[k])) == 0) only = k;
            if (only < 0) return usage();
        } else {
            return usage();
        }
    }
    BlackScreenOptions o;  // the real OSCam's timing: 1 ECM/s, fallback 2.5 s, tick 13 s
    o.warmup_ms = 30000;
    o.fault_ms = 60000;
    o.after_ms = 40000;
    std::printf(
        "bench_black_screen: 1 request/s, fallback timeout %.1f s, client timeout %.1f s, "
        "reconnect tick %.0f s, keepalive %.0f s; hang window %u ms; fault %.0f s "
        "(flap: %.0f s down / %.0f s up), then %.0f s with the upstream back\n",
        o.softcam.fallback_timeout_us / 1e6, o.softcam.client_timeout_us / 1e6,
        o.softcam.idle_tick_us / 1e6, o.softcam.keepalive_every_us / 1e6, o.hang_timeout_ms,
        o.fault_ms / 1000, o.flap_down_ms / 1000, o.flap_up_ms / 1000, o.after_ms / 1000);
    int failed = 0;
    Row rows[3][4];
    for (int f = 0; f < 3; ++f) {
        for (int s = 0; s < 4; ++s) {
            if (only >= 0 && f != only) {
                rows[f][s].ok = false;
                rows[f][s].error = "not run";
                continue;
            }
            rows[f][s] = run_sim_row(kSetups[s], kFaults[f], o, phases);
            failed += rows[f][s].ok ? 0 : 1;
        }
    }
    char title[128];
    std::snprintf(title, sizeof title, "virtual time (sim), %u fault phases per row:", phases);
    print_table(title, rows, o.softcam);
    if (real) {
        BlackScreenOptions ro = o;  // one phase, shorter windows
        ro.warmup_ms = 16000;
        ro.fault_ms = 30000;
        ro.after_ms = 20000;
        Row real_rows[3][4];
        for (int f = 0; f < 3; ++f) {
            if (only >= 0 && f != only) {
                for (Row& r : real_rows[f]) {
                    r.ok = false;
                    r.error = "not run";
                }
                continue;
            }
            std::vector<std::thread> threads;
            for (int s = 0; s < 4; ++s) {
                threads.emplace_back([&, f, s] {
                    BlackScreenOptions one = ro;
                    one.setup = kSetups[s];
                    one.fault = kFaults[f];
                    one.softcam.seed = static_cast<uint64_t>(s + 1);
                    const BlackScreenResult r = stbf::standin::run_black_screen(one, {});
                    Row& row = real_rows[f][s];
                    if (!r.ok) {
                        row.ok = false;
                        row.error = r.error;
                        return;
                    }
                    row = reduce(r.requests, r.fault_at_us, r.end_us, one.softcam);
                    row.victim = r.victim;
                    row.during = join(r.homes_during);
                    row.end = join(r.homes_end);
                });
            }
            for (std::thread& t : threads) t.join();
            for (const Row& r : real_rows[f]) failed += r.ok ? 0 : 1;
        }
        std::snprintf(title, sizeof title,
                      "real loopback sockets, one phase, fault %.0f s, then %.0f s:",
                      ro.fault_ms / 1000, ro.after_ms / 1000);
        print_table(title, real_rows, ro.softcam);
    }
    return failed == 0 ? 0 : 1;
}
