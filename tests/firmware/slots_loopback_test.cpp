// The OSCam-like stand-in softcam (one reader per slot, the second a fallback reader) through
// stbfailover with two slots, on loopback, against three stand-in line upstreams: a kill and a
// hang of the upstream serving slot 1. Through the runtime over the POSIX port in this process
// (what `stbfailover run` drives). Outcomes only (nothing lost, the
// cut slot re-homed on a server distinct from the other slot's), generous time bounds: the
// numbers belong to bench_black_screen.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "failover_scenario.h"

namespace stbf::test {
namespace {

using standin::BlackScreenOptions;
using standin::BlackScreenResult;

BlackScreenOptions two_slots(standin::Fault fault) {
    BlackScreenOptions o;
    o.setup = standin::Setup::RelayTwoSlots;
    o.fault = fault;
    o.softcam.idle_tick_us = 4'000'000;  // shorter than OSCam's 13 s: the test stays short
    o.warmup_ms = 6000;
    o.fault_ms = 14000;
    o.after_ms = 10000;
    return o;
}

/// Both slots logged in, on distinct upstreams, none of them `bad`.
void expect_distinct(const std::vector<std::string>& homes, const std::string& bad,
                     const char* when) {
    ASSERT_EQ(homes.size(), 2u) << when;
    EXPECT_NE(homes[0], "-") << when;
    EXPECT_NE(homes[1], "-") << when;
    EXPECT_NE(homes[0], homes[1]) << when;
    EXPECT_NE(homes[0], bad) << when;
    EXPECT_NE(homes[1], bad) << when;
}

unsigned lost(const BlackScreenResult& r, uint64_t client_timeout_us) {
    unsigned n = 0;
    for (const sim::SoftcamRequest& q : r.requests)
        if (q.sent_us >= r.fault_at_us && q.sent_us + client_timeout_us < r.end_us && !q.answered())
            ++n;
    return n;
}

TEST(SlotsLoopback, TwoSlotsLoseNoRequestWhenTheServingUpstreamIsKilled) {
    const BlackScreenOptions o = two_slots(standin::Fault::Kill);
    const BlackScreenResult r = standin::run_black_screen(o, {});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.victim, "A");
    EXPECT_EQ(lost(r, o.softcam.client_timeout_us), 0u);
    expect_distinct(r.homes_during, r.victim, "during the kill");  // slot 1 moved to C
    expect_distinct(r.homes_end, "", "after A is back");
}

TEST(SlotsLoopback, TwoSlotsCutTheHungUpstreamAndLoseNoRequest) {
    const BlackScreenOptions o = two_slots(standin::Fault::Hang);
    const BlackScreenResult r = standin::run_black_screen(o, {});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(lost(r, o.softcam.client_timeout_us), 0u);
    expect_distinct(r.homes_during, r.victim, "during the hang");  // cut, re-homed on C
    expect_distinct(r.homes_end, "", "after the hang");
    // Late (answered by the fallback reader) only until the hung session was cut: generous
    // bound, far below the 14 s the hang lasts.
    for (const sim::SoftcamRequest& q : r.requests) {
        if (q.sent_us > r.fault_at_us + 8'000'000 && q.sent_us + 5'000'000 < r.end_us) {
            EXPECT_LE(q.delay_us(), o.softcam.fallback_timeout_us) << q.id;
        }
    }
}

}  // namespace
}  // namespace stbf::test
