// The demo's failover scenario on real loopback sockets (runtime + POSIX port + stand-ins).
// Asserts where the client was served, never how fast: timing belongs to bench_failover.
#include "failover_scenario.h"

#include <gtest/gtest.h>

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

TEST(StandinUpstream, GreetsWithAValidCccamGreetingDistinctPerUpstream) {
    Upstream a("A", 1), b("B", 2);
    for (const Upstream* u : {&a, &b}) EXPECT_TRUE(cccam_greeting_valid(u->greeting().data()));
    EXPECT_NE(a.greeting(), b.greeting());
}

}  // namespace
}  // namespace stbf::standin
