// The demo's failover scenario on real loopback sockets (runtime + POSIX port + stand-ins).
// Asserts where the client was served, never how fast: timing belongs to bench_failover.
#include "failover_scenario.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "stbf/greeting.h"

namespace stbf::standin {
namespace {

TEST(FailoverScenario, KillThenHangMovesTheClientToAnotherUpstreamEachTime) {
    std::vector<std::string> lines;
    const ScenarioResult r =
        run_failover_scenario(ScenarioOptions(), [&](const std::string& l) { lines.push_back(l); });
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.first, "A");  // ordered group: A first
    EXPECT_EQ(r.after_kill, "B");
    EXPECT_EQ(r.after_hang, "C");
    // The session on the hung upstream was cut by the relay, not given up by the client: it
    // ended after an unanswered keepalive and before the client's next greeting wait.
    EXPECT_GE(r.unanswered_to_close_ms, 0);
    EXPECT_GE(r.close_to_served_ms, 0);
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines.front().find("group \"demo\""), std::string::npos);
}

// The `stbfailover demo` scenario: two slots, the upstream of slot 1 killed, then the one
// serving it next hung. Outcomes only (where the slots went, nothing lost), no timing.
TEST(SlotsDemo, AKillAndAHangNeverLeaveTheSoftcamWithoutALoggedInReader) {
    std::vector<std::string> lines;
    const SlotsDemoResult r =
        run_slots_demo(SlotsDemoOptions(), [&](const std::string& l) { lines.push_back(l); });
    ASSERT_TRUE(r.ok) << r.error;
    ASSERT_EQ(r.homes_start.size(), 2u);
    EXPECT_EQ(r.homes_start[0], "A");  // ordered: slot 1 on the first server, slot 2 on the next
    EXPECT_EQ(r.homes_start[1], "B");
    EXPECT_EQ(r.killed, "A");
    EXPECT_EQ(r.homes_after_kill[0], "C");  // re-homed on the third, not on slot 2's server
    EXPECT_EQ(r.homes_after_kill[1], "B");
    EXPECT_EQ(r.hung, "C");
    EXPECT_EQ(r.homes_after_hang[0], "A");  // A is back by then
    EXPECT_EQ(r.homes_after_hang[1], "B");  // a live session is never moved
    EXPECT_EQ(r.lost, 0u);
    EXPECT_GE(r.min_logged_in, 1u);
    EXPECT_GT(r.requests, 10u);
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines.front().find("slot 2 on 127.0.0.1:"), std::string::npos);
}

TEST(StandinUpstream, GreetsWithAValidCccamGreetingDistinctPerUpstream) {
    Upstream a("A", 1), b("B", 2);
    for (const Upstream* u : {&a, &b}) EXPECT_TRUE(cccam_greeting_valid(u->greeting().data()));
    EXPECT_NE(a.greeting(), b.greeting());
}

// ---- the OSCam-like softcam on real sockets (timers shortened; outcomes only) ---------------

/// Polls `done` every 10 ms for at most `bound_ms`; true if it became true.
template <typename F>
bool wait_until(F done, double bound_ms) {
    const double until = now_ms() + bound_ms;
    while (!done()) {
        if (now_ms() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

sim::SoftcamOptions quick_softcam() {
    sim::SoftcamOptions o;
    o.ecm_every_us = 200'000;
    o.ecm_start_us = 300'000;
    o.fallback_timeout_us = 600'000;
    o.client_timeout_us = 3'000'000;
    o.idle_tick_us = 1'000'000;
    o.keepalive_every_us = 1'000'000;
    return o;
}

/// Requests due in [from_ms, to_ms] of model time.
std::vector<sim::SoftcamRequest> sent_between(const Softcam& s, double from_ms, double to_ms) {
    std::vector<sim::SoftcamRequest> out;
    for (const sim::SoftcamRequest& q : s.requests())
        if (q.sent_us >= from_ms * 1000 && q.sent_us <= to_ms * 1000) out.push_back(q);
    return out;
}

/// Line upstreams A and B and a two-reader softcam (A first), both readers logged in and
/// requests flowing.
class StandinSoftcam : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string error;
        ASSERT_TRUE(a.start(&error)) << error;
        ASSERT_TRUE(b.start(&error)) << error;
        cam = std::make_unique<Softcam>(std::vector<uint16_t>{a.port(), b.port()}, quick_softcam());
        cam->start({});
        ASSERT_TRUE(wait_until([&] { return cam->logged_in_count() == 2; }, 5000));
        ASSERT_TRUE(wait_until([&] { return cam->requests().size() >= 3; }, 5000));
    }
    Upstream a{"A", 1, Upstream::Wire::Line}, b{"B", 2, Upstream::Wire::Line};
    std::unique_ptr<Softcam> cam;
};

TEST_F(StandinSoftcam, FallsBackAtOnceWhenTheFirstUpstreamDiesAndReturnsOnItsTick) {
    Softcam& s = *cam;
    EXPECT_EQ(s.greeting(0), std::vector<uint8_t>(a.greeting().begin(), a.greeting().end()));
    std::string error;
    a.kill();
    const double killed = now_ms();
    ASSERT_TRUE(wait_until([&] { return !s.logged_in(0); }, 2000));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_TRUE(a.restart(&error)) << error;
    ASSERT_TRUE(wait_until([&] { return s.logged_in(0); }, 5000));  // on its 1 s tick
    const double back = now_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    s.stop();
    const auto while_down = sent_between(s, killed + 100, back - 100);
    ASSERT_GE(while_down.size(), 3u);
    for (const sim::SoftcamRequest& q : while_down) {
        ASSERT_TRUE(q.answered()) << q.id;
        EXPECT_EQ(q.answered_by, 1) << q.id;  // the dead reader is skipped, not waited for
        EXPECT_EQ(q.asked.size(), 1u) << q.id;
    }
    const auto after = sent_between(s, back + 100, back + 700);
    ASSERT_FALSE(after.empty());
    for (const sim::SoftcamRequest& q : after) EXPECT_EQ(q.answered_by, 0) << q.id;
}

TEST_F(StandinSoftcam, AHungFirstUpstreamCostsTheFallbackTimeoutOnEveryRequest) {
    Softcam& s = *cam;
    a.hang();
    const double hung = now_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    a.resume();
    const double resumed = now_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    s.stop();
    for (const sim::ReaderEvent& e : s.events())  // the hung reader was never dropped
        EXPECT_FALSE(e.reader == 0 && e.kind == sim::ReaderEventKind::Closed) << e.at_us;
    const auto during = sent_between(s, hung + 50, resumed - 700);
    ASSERT_GE(during.size(), 3u);
    for (const sim::SoftcamRequest& q : during) {
        ASSERT_TRUE(q.answered()) << q.id;
        EXPECT_EQ(q.answered_by, 1) << q.id;
        EXPECT_GE(q.delay_us(), 600'000u) << q.id;  // only after the fallback timeout
    }
    const auto after = sent_between(s, resumed + 100, resumed + 700);
    ASSERT_FALSE(after.empty());
    for (const sim::SoftcamRequest& q : after) EXPECT_EQ(q.answered_by, 0) << q.id;
}

}  // namespace
}  // namespace stbf::standin
