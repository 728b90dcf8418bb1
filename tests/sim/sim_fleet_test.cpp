// Fleet simulation at test size: a few hundred boxes, each running the real engine, against a
// simulated provider. Asserts the fleet targets (spread, polite recovery, no herd after an
// outage, polite probing) for the default box config, and that the measurements can fail (the
// ordered mode shows the pile-up they are there to catch).
#include "stbf/sim/fleet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace stbf::sim::fleet {
namespace {

// What a box owner gets for an imported group (CCcam.cfg / oscam.server) by default.
Mode default_mode() { return kImportedGroupMode; }
bool default_sticky() { return GroupConfig{}.sticky; }

Scenario make(const char* name, uint32_t boxes, uint8_t hosts, Mode mode, bool sticky,
              uint8_t slots, uint64_t seed = 7) {
    Scenario s;
    s.boxes = boxes;
    s.seed = seed;
    s.hosts = default_hosts(hosts, boxes, slots ? slots : 1);
    s.config = make_box_config(s.hosts, mode, sticky, slots);
    EXPECT_TRUE(make_named(name, &s)) << name;
    return s;
}

// Four standard deviations of a binomial count: a bound that a correct weighted draw breaks
// with probability ~6e-5 per host, and a biased one (5 % off at these sizes) breaks at once.
double four_sigma(double n, double p) { return 4.0 * std::sqrt(n * p * (1.0 - p)); }

TEST(SimFleet, WeightedRandomSpreadsByWeightWithinBinomialNoise) {
    Scenario s;
    s.boxes = 800;
    s.hosts = default_hosts(4, s.boxes, 1);
    s.hosts[2].weight = 200;  // one host twice as big
    s.config = make_box_config(s.hosts, Mode::Random, false, 1);
    ASSERT_TRUE(make_named("steady", &s));
    s.duration = 3 * kMin;
    s.sample_at = 3 * kMin - kSec;
    Result r = run(s);
    Summary m = summarize(s, r);
    uint32_t total = 0;
    for (uint32_t v : m.sample_sessions) total += v;
    ASSERT_EQ(total, s.boxes) << "every box holds its one session";
    const double w[4] = {100, 100, 200, 100};
    for (int h = 0; h < 4; ++h) {
        double p = w[h] / 500.0;
        EXPECT_NEAR(m.sample_sessions[h], total * p, four_sigma(total, p)) << "host " << h;
    }
    EXPECT_EQ(r.actions_dropped, 0u);
}

TEST(SimFleet, OrderedModePilesEveryBoxOnTheFirstHost) {
    // The measurement catches the pile-up the fleet work is about.
    Scenario s = make("steady", 200, 4, Mode::Ordered, false, 1);
    s.duration = 3 * kMin;
    s.sample_at = 3 * kMin - kSec;
    Summary m = summarize(s, run(s));
    // The first host fills to its capacity, the next ones take the overflow in order.
    EXPECT_GE(m.sample_sessions[0] + 2, s.hosts[0].max_conns);
    EXPECT_GE(m.sample_sessions[1], m.sample_sessions[2]);
    EXPECT_GE(m.sample_sessions[2], m.sample_sessions[3]);
    EXPECT_GT(m.max_over_mean, 1.5);
}

TEST(SimFleet, SameSeedSameRun) {
    Scenario s = make("host-dies", 100, 3, default_mode(), default_sticky(), 0);
    Result a = run(s);
    Result b = run(s);
    EXPECT_EQ(a.sessions, b.sessions);
    EXPECT_EQ(a.connects, b.connects);
    EXPECT_EQ(a.probes, b.probes);
    EXPECT_EQ(a.events, b.events);
    s.seed = 8;
    EXPECT_NE(run(s).connects, a.connects);
}

TEST(SimFleet, HostDeathRehomesItsReadersOnTheOthersWithinTwoTicks) {
    Scenario s = make("host-dies", 200, 4, default_mode(), default_sticky(), 1);
    Result r = run(s);
    Summary m = summarize(s, r);
    ASSERT_GT(m.sample_sessions[0], 0u) << "host 0 carried sessions before it died";
    EXPECT_EQ(m.final_sessions[0], 0u);
    uint32_t total = 0;
    for (uint32_t v : m.final_sessions) total += v;
    EXPECT_EQ(total, s.boxes) << "every box is served again";
    EXPECT_EQ(m.unserved_at_end, 0u);
    // A reader reconnects on its next ~13 s tick and is served on that connect.
    EXPECT_LE(m.reserve_max, 2 * s.reconnect_tick_us);
    EXPECT_LE(m.peak_connects_over_capacity, 2.0);
    EXPECT_EQ(m.moved_live, 0u);
}

TEST(SimFleet, RecoveredHostGetsAtMostTwiceItsFairShareAndNothingMovesBack) {
    Scenario s = make("host-recovers", 200, 4, default_mode(), default_sticky(), 1);
    s.restarts_per_hour = 12;  // enough new sessions at 200 boxes for per-minute rates
    Result r = run(s);
    Summary m = summarize(s, r);
    EXPECT_LE(m.recovered_over_fair, 2.0);
    EXPECT_EQ(m.moved_live, 0u) << "no live session is cut to rebalance";
    EXPECT_EQ(r.hung_cuts, 0u);

    // Ordered sends every new session to the recovered first host: the bound catches it.
    Scenario o = make("host-recovers", 200, 4, Mode::Ordered, false, 1);
    o.restarts_per_hour = 12;
    Summary mo = summarize(o, run(o));
    EXPECT_GT(mo.recovered_over_fair, 2.0);
}

TEST(SimFleet, ProviderOutageNoHerdAndEveryBoxBackWithinTheBackoffCap) {
    Scenario s = make("provider-outage", 200, 4, default_mode(), default_sticky(), 1);
    Result r = run(s);
    Summary m = summarize(s, r);
    EXPECT_LE(m.peak_connects_over_capacity, 2.0) << "reconnect peak per host after return";
    EXPECT_EQ(m.unserved_at_end, 0u);
    const GroupConfig& g = s.config.groups[0];
    EXPECT_LE(m.reserve_max, static_cast<TimeUs>(g.health.downinter_max_ms) * kMs);
    uint32_t total = 0;
    for (uint32_t v : m.final_sessions) total += v;
    EXPECT_EQ(total, s.boxes);
}

TEST(SimFleet, IdleProbingIsAtMostOneProbePerHostPerBoxPerInter) {
    Scenario s = make("steady", 200, 4, default_mode(), default_sticky(), 1);
    Result r = run(s);
    Summary m = summarize(s, r);
    const HealthSettings& h = s.config.groups[0].health;
    ASSERT_GT(r.probe_gaps, 0u);
    EXPECT_EQ(r.probe_gaps_fast, 0u);
    EXPECT_GE(r.probe_gap_min_us, static_cast<TimeUs>(h.inter_ms) * kMs * (100 - h.jitter_pct) / 100);
    EXPECT_GE(r.probe_gap_mean_us, 0.98 * h.inter_ms * kMs);
    // Each box probes the hosts it is not logged in to: (H - 1) of H hosts per inter.
    double bound = s.boxes * 3.0 / 4.0 * 60000.0 / h.inter_ms;
    EXPECT_LE(m.probes_per_host_per_min, bound * 1.05);
    EXPECT_GE(m.probes_per_host_per_min, bound * 0.9) << "probing still happens";
}

TEST(SimFleet, WithTwoSlotsEachBoxProbesOnlyTheHostsItIsNotLoggedInTo) {
    Scenario s = make("steady", 200, 4, default_mode(), default_sticky(), 2);
    Result r = run(s);
    Summary m = summarize(s, r);
    const HealthSettings& h = s.config.groups[0].health;
    EXPECT_EQ(r.probe_gaps_fast, 0u);
    double bound = s.boxes * 2.0 / 4.0 * 60000.0 / h.inter_ms;  // two of four hosts idle
    EXPECT_LE(m.probes_per_host_per_min, bound * 1.05);
    EXPECT_GE(m.probes_per_host_per_min, bound * 0.9);
}

TEST(SimFleet, HungHostSessionsAreCutAndServedElsewhere) {
    Scenario s = make("host-dies", 200, 4, default_mode(), default_sticky(), 1);
    s.faults = {{10 * kMin, FaultKind::Hang, 0, 0}};
    Result r = run(s);
    Summary m = summarize(s, r);
    EXPECT_EQ(r.hung_cuts, m.sample_sessions[0]) << "each session on the hung host, once";
    EXPECT_EQ(m.final_sessions[0], 0u);
    EXPECT_EQ(m.unserved_at_end, 0u);
    // keepalive (<= 15 s) + hang window (2.5 s) + reconnect tick (<= 13 s) + connect timeout
    EXPECT_LE(m.reserve_max, s.keepalive_us + 2500 * kMs + s.reconnect_tick_us + 2 * kSec);
}

TEST(SimFleet, DnsChangeIsFollowedWhenTheOldAddressDies) {
    Scenario s = make("dns-change", 200, 4, default_mode(), default_sticky(), 1);
    Result r = run(s);
    Summary m = summarize(s, r);
    ASSERT_EQ(r.hosts, 5);
    EXPECT_EQ(m.final_sessions[0], 0u);
    EXPECT_GT(m.final_sessions[4], 0u) << "the name's new address carries sessions";
    EXPECT_EQ(m.unserved_at_end, 0u);
}

// The engine keeps each slot of a group on a different server: the provider never sees one
// account logged in twice on one host, through boot, a host death and its recovery.
TEST(SimFleet, SlotsNeverLogOneAccountInTwiceOnOneHost) {
    Scenario s = make("host-recovers", 200, 4, default_mode(), default_sticky(), 2);
    Result r = run(s);
    Summary m = summarize(s, r);
    EXPECT_EQ(r.slots, 2);
    EXPECT_EQ(m.duplicates, 0u);
    uint32_t total = 0;
    for (uint32_t v : m.sample_sessions) total += v;
    EXPECT_EQ(total, 2 * s.boxes);
}

TEST(SimFleet, TextAndJsonNameEveryHost) {
    Scenario s = make("steady", 20, 3, default_mode(), default_sticky(), 1);
    s.duration = 2 * kMin;
    Result r = run(s);
    Summary m = summarize(s, r);
    std::string t = text_table(s, r, m);
    std::string j = json_summary(s, r, m);
    EXPECT_NE(t.find("scenario steady: 20 boxes, 3 hosts"), std::string::npos) << t;
    EXPECT_NE(j.find("\"host\":2"), std::string::npos) << j;
    EXPECT_EQ(j.front(), '{');
    EXPECT_EQ(j.back(), '}');
    std::string series = series_table(r);
    EXPECT_EQ(std::count(series.begin(), series.end(), '\n'), 1 + 120);
}

}  // namespace
}  // namespace stbf::sim::fleet
