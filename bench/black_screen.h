// The black-screen scenario in virtual time (bench_black_screen's main table and its scenario
// test): line servers A, B, C on the sim network, the OSCam-like softcam
// (stbf/sim/softcam_model.h) direct to them or through the real Engine and Runtime on the sim
// port (ordered group over A, B, C, one or two slots), a fault on the upstream serving reader 0,
// then the upstream back. Deterministic: the same arguments give the same row.
#ifndef STBF_BENCH_BLACK_SCREEN_H
#define STBF_BENCH_BLACK_SCREEN_H

#include <stdint.h>

#include <string>
#include <vector>

#include "failover_scenario.h"
#include "stbf/sim/softcam_model.h"

namespace stbf::bench {

using standin::BlackScreenOptions;
using standin::Fault;
using standin::Setup;

/// One run (or several phases of one row), reduced to what the table shows.
struct Row {
    sim::SoftcamSummary s;
    uint64_t late_until_us = 0;       ///< the last late request was due this long after the fault
    std::string victim, during, end;  ///< homes of the readers ("B,C"; "-": not logged in)
    bool ok = true;
    std::string error;
};

/// "a,b,c".
std::string join(const std::vector<std::string>& v);
/// The row of requests due from `fault_at` until one client timeout before `end`.
Row reduce(const std::vector<sim::SoftcamRequest>& requests, uint64_t fault_at, uint64_t end,
           const sim::SoftcamOptions& so);
/// One run: the fault `phase_us` after o.warmup_ms; `seed` drives the world and the tick phases.
Row run_sim(Setup setup, Fault fault, const BlackScreenOptions& o, uint64_t phase_us,
            uint64_t seed);
/// `phases` runs at spread fault phases: the worst gap and latest late request, summed counts,
/// the homes of the first phase.
Row run_sim_row(Setup setup, Fault fault, const BlackScreenOptions& o, unsigned phases);

}  // namespace stbf::bench

#endif  // STBF_BENCH_BLACK_SCREEN_H
