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

}  // namespace
}  // namespace stbf::test
