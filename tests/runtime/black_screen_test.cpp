// The black-screen scenario (bench/black_screen.h) in virtual time: outcomes of the OSCam-like
// softcam through kill, hang and flap of the upstream serving it, asserted per setup (lost
// requests, late requests, where the readers are logged in). Timing ratios are the
// benchmark's; here only what must hold in every run.
#include "black_screen.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace stbf::bench {
namespace {

constexpr uint64_t kSec = 1'000'000;
constexpr unsigned kPhases = 4;

BlackScreenOptions options() {
    BlackScreenOptions o;
    o.warmup_ms = 30000;
    o.fault_ms = 60000;
    o.after_ms = 40000;
    return o;
}

/// Both readers logged in, on two different upstreams, none of them `bad`.
void expect_distinct(const std::string& homes, const std::string& bad, const char* when) {
    const size_t comma = homes.find(',');
    ASSERT_NE(comma, std::string::npos) << when << ": " << homes;
    const std::string first = homes.substr(0, comma), second = homes.substr(comma + 1);
    EXPECT_NE(first, "-") << when << ": " << homes;
    EXPECT_NE(second, "-") << when << ": " << homes;
    EXPECT_NE(first, second) << when << ": " << homes;
    EXPECT_NE(first, bad) << when << ": " << homes;
    EXPECT_NE(second, bad) << when << ": " << homes;
}

TEST(BlackScreen, TheSoftcamsOwnTwoReadersLoseNothingOnAKillButAreLateForTheWholeHang) {
    const Row kill = run_sim_row(Setup::DirectTwo, Fault::Kill, options(), kPhases);
    ASSERT_TRUE(kill.ok) << kill.error;
    EXPECT_GT(kill.s.requests, 300u);
    EXPECT_EQ(kill.s.lost, 0u);
    EXPECT_EQ(kill.s.late, 0u);
    const Row hang = run_sim_row(Setup::DirectTwo, Fault::Hang, options(), kPhases);
    ASSERT_TRUE(hang.ok) << hang.error;
    EXPECT_EQ(hang.s.lost, 0u);
    EXPECT_GT(hang.s.late, kPhases * 55);  // every request of the 60 s hang
    EXPECT_GT(hang.late_until_us, 55 * kSec);
    EXPECT_EQ(hang.during, "A,B");  // it never drops the hung reader
}

TEST(BlackScreen, OneReaderOnItsOwnIsBlackUntilTheUpstreamIsBack) {
    const Row kill = run_sim_row(Setup::DirectOne, Fault::Kill, options(), 1);
    ASSERT_TRUE(kill.ok) << kill.error;
    EXPECT_GT(kill.s.longest_gap_us, 60 * kSec);
    EXPECT_GT(kill.s.lost, 55u);
}

TEST(BlackScreen, OneSlotThroughStbfailoverIsBlackOnlyUntilTheSoftcamsTick) {
    for (Fault f : {Fault::Kill, Fault::Hang}) {
        const Row r = run_sim_row(Setup::RelayOneSlot, f, options(), kPhases);
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_GT(r.s.lost, 0u) << fault_name(f);  // one cold path: the tick costs requests
        // Tick (13 s) + the hang window, the softcam's client timeout and one request period.
        EXPECT_LT(r.s.longest_gap_us, 22 * kSec) << fault_name(f);
        EXPECT_NE(r.during, r.victim) << fault_name(f);
        EXPECT_NE(r.during, "-") << fault_name(f);
    }
}

TEST(BlackScreen, TwoSlotsLoseNothingWhenTheServingUpstreamIsKilled) {
    const Row r = run_sim_row(Setup::RelayTwoSlots, Fault::Kill, options(), kPhases);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.s.lost, 0u);
    EXPECT_EQ(r.s.late, 0u);
    expect_distinct(r.during, r.victim, "during the kill");  // re-homed on the third server
    expect_distinct(r.end, "", "after the upstream is back");
}

TEST(BlackScreen, TwoSlotsAreLateOnAHangOnlyUntilTheHungSlotIsCut) {
    const BlackScreenOptions o = options();
    const Row r = run_sim_row(Setup::RelayTwoSlots, Fault::Hang, o, kPhases);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.s.lost, 0u);
    // Late only for requests due within the hang window plus one request period.
    EXPECT_LE(r.late_until_us, o.hang_timeout_ms * 1000ull + o.softcam.ecm_every_us);
    EXPECT_LE(r.s.late, kPhases * 4);
    expect_distinct(r.during, r.victim, "during the hang");
    expect_distinct(r.end, "", "after the upstream is back");
}

TEST(BlackScreen, TwoSlotsLoseNothingWhileTheServingUpstreamFlaps) {
    const Row r = run_sim_row(Setup::RelayTwoSlots, Fault::Flap, options(), kPhases);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.s.lost, 0u);
    EXPECT_EQ(r.s.late, 0u);
    expect_distinct(r.end, "", "after the flapping");
}

}  // namespace
}  // namespace stbf::bench
