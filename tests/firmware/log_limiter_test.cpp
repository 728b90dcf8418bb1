// LogLimiter: a flood of one kind of line becomes a few lines and one fold line per window.
#include "log_limiter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stbf::daemon {
namespace {

constexpr TimeUs kSec = 1000000;

struct Captured {
    std::vector<std::string> lines;
    LogLimiter::Sink sink() {
        return [this](stbf_log_level, const std::string& l) { lines.push_back(l); };
    }
};

TEST(LogLimiter, ShapeCountsDigitRunsAsOne) {
    EXPECT_EQ(LogLimiter::shape("refused 127.0.0.1:40312"), "refused #.#.#.#:#");
    EXPECT_EQ(LogLimiter::shape("no digits"), "no digits");
}

// As a box owner saw it: 2,500 refused clients wrote 2,437 warning lines.
TEST(LogLimiter, AFloodIsFoldedIntoOneLinePerWindow) {
    Captured c;
    LogLimiter limiter(c.sink(), 10 * kSec, 5);
    for (int i = 0; i < 2500; ++i)
        limiter.log(STBF_LOG_WARNING,
                    "group line refused a client from 127.0.0.1:" + std::to_string(40000 + i),
                    kSec + static_cast<TimeUs>(i) * 1000);  // 2.5 s of flood
    EXPECT_EQ(c.lines.size(), 5u);
    EXPECT_EQ(limiter.suppressed_total(), 2495u);
    EXPECT_EQ(limiter.next_deadline(), 11 * kSec);
    limiter.flush(10 * kSec);
    EXPECT_EQ(c.lines.size(), 5u) << "the window has not ended yet";
    limiter.flush(11 * kSec);
    ASSERT_EQ(c.lines.size(), 6u);
    EXPECT_EQ(c.lines[5], "group line refused a client from 127.0.0.1:42499 (repeated 2495 times in 3 s)");
    EXPECT_EQ(limiter.next_deadline(), kNever);
    // The next window starts afresh.
    limiter.log(STBF_LOG_WARNING, "group line refused a client from 127.0.0.1:1", 12 * kSec);
    EXPECT_EQ(c.lines.size(), 7u);
}

TEST(LogLimiter, OtherKindsPassWhileOneIsFolded) {
    Captured c;
    LogLimiter limiter(c.sink(), 10 * kSec, 2);
    for (int i = 0; i < 50; ++i) limiter.log(STBF_LOG_WARNING, "accept failed: 24", kSec);
    limiter.log(STBF_LOG_NOTICE, "server s1 of group line: up -> down (refused)", kSec);
    ASSERT_EQ(c.lines.size(), 3u);
    EXPECT_EQ(c.lines[2], "server s1 of group line: up -> down (refused)");
    // A line of the flooding kind after its window ended: the fold comes first, then the line.
    limiter.log(STBF_LOG_WARNING, "accept failed: 24", 12 * kSec);
    ASSERT_EQ(c.lines.size(), 5u);
    EXPECT_EQ(c.lines[3], "accept failed: 24 (repeated 48 times in 1 s)");
    EXPECT_EQ(c.lines[4], "accept failed: 24");
}

TEST(LogLimiter, TableOfKindsIsBoundedAndLosesNoCount) {
    Captured c;
    LogLimiter limiter(c.sink(), 10 * kSec, 1);
    limiter.log(STBF_LOG_INFO, "first kind", 0);
    limiter.log(STBF_LOG_INFO, "first kind", 0);  // counted
    for (size_t i = 0; i < LogLimiter::kKinds; ++i)
        limiter.log(STBF_LOG_INFO, "kind " + std::string(i + 1, 'x'), 1);
    // "first kind" was evicted; its count was written first.
    bool folded = false;
    for (const std::string& l : c.lines) folded = folded || l == "first kind (repeated 1 times in 1 s)";
    EXPECT_TRUE(folded);
}

}  // namespace
}  // namespace stbf::daemon
