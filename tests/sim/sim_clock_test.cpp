#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stbf/sim/clock.h"

namespace stbf::sim {
namespace {

TEST(SimClock, RunsCallbacksInTimeOrderThenSchedulingOrder) {
    Clock c(1000);
    std::vector<std::string> order;
    c.at(3000, [&] { order.push_back("c@3000"); });
    c.at(2000, [&] { order.push_back("a@2000"); });
    c.at(2000, [&] { order.push_back("b@2000"); });
    EXPECT_EQ(c.next_time(), 2000u);
    EXPECT_TRUE(c.run_until(5000));
    EXPECT_EQ(order, (std::vector<std::string>{"a@2000", "b@2000", "c@3000"}));
    EXPECT_EQ(c.now(), 5000u);
    EXPECT_EQ(c.pending(), 0u);
    EXPECT_EQ(c.next_time(), kNoTime);
}

TEST(SimClock, CallbackSeesItsOwnTimeAndMaySchedule) {
    Clock c;
    std::vector<stbf_time_us> seen;
    c.at(10, [&] {
        seen.push_back(c.now());
        c.after(5, [&] { seen.push_back(c.now()); });
    });
    c.run_until(100);
    EXPECT_EQ(seen, (std::vector<stbf_time_us>{10, 15}));
}

TEST(SimClock, PastTimeMeansNowAfterWhatIsAlreadyDue) {
    Clock c(500);
    std::vector<int> order;
    c.at(500, [&] { order.push_back(1); });
    c.at(100, [&] { order.push_back(2); });
    EXPECT_EQ(c.next_time(), 500u);
    c.run_until(500);
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    EXPECT_EQ(c.now(), 500u);
}

TEST(SimClock, CancelForgetsACallback) {
    Clock c;
    int runs = 0;
    const Clock::EventId id = c.at(10, [&] { ++runs; });
    EXPECT_NE(id, 0u);
    EXPECT_TRUE(c.cancel(id));
    EXPECT_FALSE(c.cancel(id));
    EXPECT_FALSE(c.cancel(0));
    c.run_until(100);
    EXPECT_EQ(runs, 0);
}

TEST(SimClock, NeverMovesBackwards) {
    Clock c(1000);
    c.run_until(10);
    EXPECT_EQ(c.now(), 1000u);
    c.jump_to(5);
    EXPECT_EQ(c.now(), 1000u);
}

TEST(SimClock, RunNextStopsAtLimit) {
    Clock c;
    int runs = 0;
    c.at(50, [&] { ++runs; });
    EXPECT_FALSE(c.run_next(49));
    EXPECT_EQ(c.now(), 0u);
    EXPECT_TRUE(c.run_next(50));
    EXPECT_EQ(c.now(), 50u);
    EXPECT_EQ(runs, 1);
}

TEST(SimClock, SaturatesNearTheEndOfTime) {
    const stbf_time_us start = kNoTime - 1000;
    Clock c(start);
    EXPECT_EQ(saturating_add(start, 999), kNoTime - 1);
    EXPECT_EQ(saturating_add(start, 1000), kNoTime);
    EXPECT_EQ(saturating_add(start, 5000), kNoTime);
    int runs = 0;
    EXPECT_NE(c.after(999, [&] { ++runs; }), 0u);
    EXPECT_EQ(c.after(5000, [&] { ++runs; }), 0u);  // would be "never": refused
    c.run_until(kNoTime);                           // runs what exists, does not end the clock
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(c.now(), kNoTime - 1);
}

TEST(SimClock, RunUntilStopsAScriptThatReschedulesItselfForever) {
    Clock c;
    std::function<void()> again = [&] { c.after(0, again); };
    c.after(0, again);
    EXPECT_FALSE(c.run_until(10, 1000));
    EXPECT_EQ(c.now(), 0u);
}

}  // namespace
}  // namespace stbf::sim
