// Failover scenarios of the real Engine + Runtime on the deterministic sim port, with exact
// virtual-time timelines. Network model (sim/network.h): with one-way latency L a connect
// completes after 2L and the server's greeting, sent on accept at 3L, reaches us at 4L.
// Loopback (softcam <-> runtime) has no latency.
#include <gtest/gtest.h>

#include "sim_rig.h"

namespace stbf::test {
namespace {

using sim::ClientEventKind;

constexpr TimeUs kLatency = 5 * kMs;
constexpr TimeUs kGreetingPath = 4 * kLatency;  // accept -> greeting from a fresh upstream

// Group "line" on 127.0.0.1:20000 over servers A (10.0.0.1) and B (10.0.0.2), ordered.
void two_servers(Rig& rig) {
    rig.add_server("line", 20000, "A", "10.0.0.1", 12000);
    rig.add_server("line", 20000, "B", "10.0.0.2", 12000);
    rig.world.set_host_latency_us("10.0.0.1", kLatency);
    rig.world.set_host_latency_us("10.0.0.2", kLatency);
}

TEST(RuntimeScenario, KilledUpstreamNextConnectionServedByTheOtherWithNoExtraDelay) {
    Rig rig;
    two_servers(rig);
    sim::Server& a = rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 5 * kSec);
    rig.run_until(9 * kSec);
    ASSERT_EQ(rig.active(), "A");
    ASSERT_EQ(times_of(client, ClientEventKind::Received).front(), 5 * kSec + kGreetingPath);

    rig.world.at(10 * kSec, [&] { a.kill(); });
    rig.run_until(12 * kSec);

    // A's FIN reaches the runtime after L; the client sees the close at once.
    ASSERT_EQ(times_of(client, ClientEventKind::Closed),
              std::vector<TimeUs>{10 * kSec + kLatency});
    // The client's own reconnect (100 ms) is served by B on the first try: one upstream path,
    // nothing spent on A.
    const TimeUs reconnect = 10 * kSec + kLatency + 100 * kMs;
    const std::vector<TimeUs> received = times_of(client, ClientEventKind::Received);
    ASSERT_EQ(received.size(), 2u);
    EXPECT_EQ(received[1], reconnect + kGreetingPath);
    EXPECT_EQ(rig.active(), "B");
    EXPECT_EQ(client.received(), sim::cccam_greeting(2));
    EXPECT_EQ(rig.engine->group_status(0).failovers, 1u);
}

TEST(RuntimeScenario, HungUpstreamSessionCutWithinTheHangWindowAndReconnectGoesElsewhere) {
    Rig rig;
    two_servers(rig);
    sim::Server& a = rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 5 * kSec);  // keepalives at 20 s, 35 s, ...
    rig.world.at(10 * kSec, [&] { a.stop(); });             // SIGSTOP: the kernel still accepts
    rig.run_until(30 * kSec);

    const std::vector<TimeUs> sent = times_of(client, ClientEventKind::Sent);
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.front(), 20 * kSec);  // the first keepalive nobody answers
    const TimeUs hang_window = rig.config->groups[0].session.hang_timeout_ms * kMs;
    EXPECT_EQ(times_of(client, ClientEventKind::Closed),
              std::vector<TimeUs>{20 * kSec + hang_window});
    const std::vector<TimeUs> received = times_of(client, ClientEventKind::Received);
    ASSERT_GE(received.size(), 2u);
    EXPECT_EQ(received[1], 20 * kSec + hang_window + 100 * kMs + kGreetingPath);
    EXPECT_EQ(rig.active(), "B");
    EXPECT_EQ(rig.status_of("A").sessions_hung, 1u);
    EXPECT_EQ(client.count(ClientEventKind::GreetingTimeout), 0u);
}

TEST(RuntimeScenario, RefusedConnectIsRetriedOnTheNextServerBeforeTheClientSeesAnything) {
    Rig rig;
    two_servers(rig);
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::refuse());
    rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
    rig.start();
    // The client comes before any health check has looked at A: the engine still tries A.
    sim::Client& client = rig.add_softcam(20000, 0);
    rig.run_until(1 * kSec);

    EXPECT_EQ(client.count(ClientEventKind::Closed), 0u);
    EXPECT_EQ(client.count(ClientEventKind::Reset), 0u);
    // A refuses after one round trip (2L); B then greets after its own 4L.
    EXPECT_EQ(times_of(client, ClientEventKind::Received),
              std::vector<TimeUs>{2 * kLatency + kGreetingPath});
    EXPECT_EQ(client.received(), sim::cccam_greeting(2));
    EXPECT_EQ(rig.status_of("A").connects_failed, 1u);
    EXPECT_EQ(rig.active(), "B");
}

TEST(RuntimeScenario, BadGreetingNeverReachesTheClient) {
    Rig rig;
    two_servers(rig);
    rig.group_named("line").session.race = false;
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::bad_greeting());
    rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 0);
    rig.run_until(1 * kSec);

    // Exactly B's 16 bytes, in one piece: A's bytes were judged and dropped.
    const std::vector<sim::ClientEvent> got = client.events_of(ClientEventKind::Received);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].bytes, 16u);
    EXPECT_EQ(got[0].at_us, kGreetingPath + kGreetingPath);
    EXPECT_EQ(client.received(), sim::cccam_greeting(2));
    EXPECT_EQ(rig.status_of("A").last_failure, Reason::GreetingBad);
}

TEST(RuntimeScenario, SlowGreetingTimesOutAndTheSameClientIsServedBeforeItsOwnTwoSeconds) {
    Rig rig;
    two_servers(rig);
    rig.group_named("line").session.race = false;
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::slow_greeting(5 * kSec));
    rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 0);
    rig.run_until(3 * kSec);

    const TimeUs attempt_timeout = rig.config->groups[0].session.connect_timeout_ms * kMs;
    EXPECT_EQ(times_of(client, ClientEventKind::Received),
              std::vector<TimeUs>{attempt_timeout + kGreetingPath});
    EXPECT_LT(attempt_timeout + kGreetingPath, 2 * kSec);
    EXPECT_EQ(client.count(ClientEventKind::GreetingTimeout), 0u);
    EXPECT_EQ(rig.status_of("A").last_failure, Reason::GreetingTimeout);
}

TEST(RuntimeScenario, SlowServerIsRacedByTheNextAfterTheStagger) {
    Rig rig;
    two_servers(rig);
    sim::Server& a = rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
    rig.start();
    rig.run_until(4 * kSec);  // first health checks done while A is fast
    a.set_behaviour(sim::ServerBehaviour::slow_greeting(1 * kSec));
    sim::Client& client = rig.add_softcam(20000, 5 * kSec);
    rig.run_until(8 * kSec);

    const TimeUs stagger = rig.config->groups[0].session.race_stagger_ms * kMs;
    EXPECT_EQ(times_of(client, ClientEventKind::Received),
              std::vector<TimeUs>{5 * kSec + stagger + kGreetingPath});
    EXPECT_EQ(client.received(), sim::cccam_greeting(2));
    EXPECT_EQ(rig.active(), "B");
}

}  // namespace
}  // namespace stbf::test
