// Fleet simulation: N boxes, each running the real failover engine (stbf/engine.h), against one
// simulated provider of H hosts, on one virtual clock.
//
// What is real and what is modelled:
//  - Real: every box is one stbf::Engine with its own seed and the config under test. Every
//    pick, health check, backoff, hang cut and failover is the engine's own decision.
//  - Modelled: the softcam (an OSCam-like client holding one reader per slot: it reconnects
//    only on its ~13 s idle tick after a close, sends a login after the greeting and a
//    keepalive every ~15 s, never checks for answers), the network (per-box round trip) and
//    the provider (hosts with a connection capacity that refuse beyond it, a serial accept
//    queue for greetings and a serial login queue, scriptable faults).
//
// One global event heap orders everything by (virtual time, scheduling order), so a run is a
// pure function of its Scenario: the same seed gives the same numbers on every machine. Engine
// timers are put on the heap lazily: after every call into a box's engine the box's
// next_deadline() is re-read and pushed only when it moved (stale entries are skipped).
//
// Hosted C++17 (std containers); not part of the freestanding core.
#ifndef STBF_SIM_FLEET_H
#define STBF_SIM_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "stbf/engine.h"
#include "stbf/model.h"

namespace stbf::sim::fleet {

constexpr TimeUs kMs = 1000;
constexpr TimeUs kSec = 1000 * kMs;
constexpr TimeUs kMin = 60 * kSec;

/// One host of the provider (one entry of every box's group, same index).
struct HostSpec {
    uint32_t max_conns = 3000;  ///< concurrent TCP connections it accepts; refuses beyond
    uint32_t accept_us = 500;   ///< serial cost of accepting + greeting one connection
    uint32_t login_us = 10000;  ///< serial cost of one login (100 logins/s per host)
    uint32_t answer_us = 20000; ///< time to answer a keepalive
    uint16_t weight = 100;      ///< the box config's weight for this host
    uint8_t priority = 0;       ///< the box config's priority (ordered mode)
    bool backup = false;        ///< the box config's backup flag (OSCam fallback = 1)
};

enum class FaultKind : uint8_t {
    Die,           ///< process gone: refuses connects, live sessions are reset
    Hang,          ///< stopped process: accepts, never greets, never answers
    Slow,          ///< greetings and answers `value` microseconds late
    Recover,       ///< back to normal (after Die, Hang or Slow)
    ProviderDown,  ///< every host dies
    ProviderUp,    ///< every host recovers
    Dns,           ///< the name of host `host` resolves to host `value` from now on
};

struct Fault {
    TimeUs at = 0;
    FaultKind kind = FaultKind::Die;
    uint8_t host = 0;
    uint32_t value = 0;
};

/// Everything a run depends on.
struct Scenario {
    std::string name = "steady";
    uint32_t boxes = 200;
    std::vector<HostSpec> hosts;
    /// Box config template: group 0 with one server per host (make_box_config). Each box
    /// runs exactly this config; server i of group 0 is host i.
    Config config;
    TimeUs duration = 30 * kMin;
    /// Boxes switch on at uniform random times in [0, boot_spread] ...
    TimeUs boot_spread = 60 * kSec;
    /// ... or, when ramp is true, with a density rising linearly over boot_spread (an evening).
    bool ramp = false;
    /// Softcam restarts per box per hour (reboots, settings changes); 0 = none. Gives the
    /// fleet a steady stream of new sessions whose placement shows the policy.
    double restarts_per_hour = 0;
    TimeUs rtt_us = 40 * kMs;  ///< box <-> provider round trip (each box +-50 %)
    TimeUs reconnect_tick_us = 13 * kSec;  ///< softcam idle tick (reconnects happen on it)
    TimeUs keepalive_us = 15 * kSec;       ///< softcam keepalive period
    std::vector<Fault> faults;
    uint64_t seed = 1;
    /// Probes of one box to one host closer than this count as "fast" (the idle target);
    /// 0 = take the group's inter * (100 - jitter) / 100.
    TimeUs probe_gap_floor_us = 0;
    /// Only probes after this time count for the idle probe-gap statistics.
    TimeUs probe_stats_from = 0;
    TimeUs probe_stats_until = kNever;

    // Marks for the summary (make_named sets them).
    TimeUs sample_at = kNever;   ///< compare sessions per host here (kNever: the last second)
    TimeUs fault_at = kNever;    ///< reader outages starting here or later count as caused
    TimeUs serve_from = kNever;  ///< service possible again (kNever: fault_at)
    uint8_t recovered_host = 0xff;  ///< host whose connect rate after recover_at is compared
    TimeUs recover_at = kNever;
};

/// The box config of a scenario: one group "line" with one server per host (CCcam, same
/// account on every host), mode/sticky/slots as given, every other setting at its default.
Config make_box_config(const std::vector<HostSpec>& hosts, Mode mode, bool sticky, uint8_t slots);

/// A reader (softcam slot connection) was without a live upstream from `start` for `length`.
struct Outage {
    TimeUs start;
    TimeUs length;  ///< kNever if it never came back before the end of the run
    uint32_t box;
    uint8_t slot;
    uint8_t host;  ///< host it lost (0xff: never had one, e.g. at boot)
};

struct HostTotals {
    uint64_t connects = 0;  ///< session connection attempts that reached the host
    uint64_t refused = 0;   ///< ... of which refused (dead or at capacity)
    uint64_t logins = 0;    ///< logins answered
    uint64_t probes = 0;    ///< health-check connections that reached the host
    uint32_t peak_sessions = 0;
    uint32_t peak_conns = 0;
    uint64_t duplicate_logins = 0;  ///< a box's second session on this host at once
    uint32_t peak_duplicates = 0;   ///< most boxes holding two sessions here at once
};

struct Result {
    std::string name;
    uint32_t boxes = 0;
    uint8_t hosts = 0;
    uint8_t slots = 0;  ///< readers per box
    Mode mode = Mode::Ordered;
    TimeUs duration = 0;
    /// Per second of virtual time, per host (index [second * hosts + host]).
    std::vector<uint32_t> sessions;  ///< live sessions at the end of the second
    std::vector<uint32_t> connects;  ///< session connects arriving in that second
    std::vector<uint32_t> logins;    ///< logins answered in that second
    std::vector<uint32_t> probes;    ///< probe connects arriving in that second
    std::vector<uint32_t> refused;   ///< connects refused in that second
    std::vector<uint32_t> served;    ///< per second: boxes with at least one live reader
    std::vector<HostTotals> totals;
    std::vector<Outage> reader_outages;
    /// Engine-initiated closes of a live session whose host was healthy (a moved session).
    uint64_t moved_live = 0;
    uint64_t hung_cuts = 0;  ///< live sessions cut by the engine's hang detection
    uint64_t failovers = 0;  ///< engine Failover notices (new sessions moved to another server)
    uint64_t slot_idle = 0;  ///< engine SlotIdle notices (a slot refused: too few servers)
    /// Idle probe spacing of one box to one host, over probes in the stats window.
    TimeUs probe_gap_min_us = kNever;
    double probe_gap_mean_us = 0;
    uint64_t probe_gaps = 0;
    uint64_t probe_gaps_fast = 0;  ///< gaps below the floor
    uint64_t events = 0;
    uint64_t actions_dropped = 0;
    double wall_seconds = 0;
    double cpu_seconds = 0;  ///< CPU time of the thread that ran it
    size_t bytes_per_box = 0;

    uint32_t at(const std::vector<uint32_t>& v, uint64_t second, uint8_t host) const {
        return v[second * hosts + host];
    }
    uint64_t seconds() const { return hosts ? sessions.size() / hosts : 0; }
};

/// Runs the scenario. Deterministic. Memory per box (bytes_per_box): its engine, with tables
/// sized for this config only (Engine::size_for), plus about 200 bytes of modelled softcam.
Result run(const Scenario& s);

// ---- named scenarios (shared by tests, bench/fleet and `stbfailover simulate`) -------------

/// Provider model used by the named scenarios: `hosts` hosts, each able to carry the whole
/// fleet's sessions spread evenly with 50 % headroom.
std::vector<HostSpec> default_hosts(uint8_t hosts, uint32_t boxes, uint8_t slots);

/// Names: steady, host-dies, host-recovers, provider-outage, slow-host, evening-ramp, dns-change.
/// Fills faults, timing and churn for `name` on top of `base` (boxes, hosts, config, seed).
/// Returns false for an unknown name.
bool make_named(const std::string& name, Scenario* base);
const std::vector<std::string>& scenario_names();

// ---- summaries ----------------------------------------------------------------------------

/// Key figures of one run, computed from Result (and the scenario's faults for timing).
struct Summary {
    double max_over_mean = 0;       ///< sessions per host at the end of the steady phase
    double worst_weight_error = 0;  ///< max |share/expected - 1| over non-backup hosts
    uint32_t peak_connects_per_s = 0;  ///< any host, any second
    double peak_connects_over_capacity = 0;  ///< same, / the host's login rate
    uint32_t peak_logins_per_s = 0;
    /// Recovered host: accepted connects per 60 s window / its weight share of the fleet's
    /// accepted connects in that window; peak over windows with a fair share >= 5.
    double recovered_over_fair = 0;
    uint32_t recovered_peak_per_s = 0;  ///< recovered host: most connects in one second
    double fair_per_s = 0;              ///< its fair share per second, mean after recovery
    TimeUs reserve_p50 = 0, reserve_p99 = 0, reserve_max = 0;  ///< reader outages after a fault
    uint64_t unserved_at_end = 0;  ///< readers that never came back
    double probes_per_host_per_min = 0;  ///< fleet total, idle phase, mean over hosts
    uint64_t duplicates = 0;
    uint32_t peak_duplicates = 0;
    uint64_t moved_live = 0;
    std::vector<uint32_t> sample_sessions;  ///< per host, at sample_at
    std::vector<uint32_t> final_sessions;   ///< per host, at the end
};

/// Figures of one run, computed from the result and the scenario's marks.
Summary summarize(const Scenario& s, const Result& r);

/// Plain-text table of a run (one line per host plus the key figures).
std::string text_table(const Scenario& s, const Result& r, const Summary& m);
/// The same as one JSON object.
std::string json_summary(const Scenario& s, const Result& r, const Summary& m);
/// Per-second time series as whitespace-separated columns for plotting:
/// second, sessions per host..., connects per host..., served boxes.
std::string series_table(const Result& r);

}  // namespace stbf::sim::fleet

#endif  // STBF_SIM_FLEET_H
