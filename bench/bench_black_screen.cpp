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

#include "black_screen.h"
#include "failover_scenario.h"

namespace {

using stbf::standin::BlackScreenOptions;
using stbf::standin::BlackScreenResult;
using stbf::standin::Fault;
using stbf::standin::Setup;
namespace sim = stbf::sim;
using stbf::bench::join;
using stbf::bench::reduce;
using stbf::bench::Row;
using stbf::bench::run_sim_row;

constexpr Setup kSetups[] = {Setup::DirectOne, Setup::DirectTwo, Setup::RelayOneSlot,
                             Setup::RelayTwoSlots};
constexpr Fault kFaults[] = {Fault::Kill, Fault::Hang, Fault::Flap};

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
