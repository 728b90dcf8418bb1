// Failover scenarios of the real Engine + Runtime on the deterministic sim port, with exact
// virtual-time timelines. Network model (sim/network.h): with one-way latency L a connect
// completes after 2L and the server's greeting, sent on accept at 3L, reaches us at 4L.
// Loopback (softcam <-> runtime) has no latency.
#include <gtest/gtest.h>

#include <cmath>

#include <algorithm>

#include "sim_rig.h"

namespace stbf::test {
namespace {

using sim::ClientEventKind;

constexpr TimeUs kLatency = 5 * kMs;
constexpr TimeUs kGreetingPath = 4 * kLatency;  // accept -> greeting from a fresh upstream

struct Upstreams {
    sim::Server& a;
    sim::Server& b;
};

// Group "line" on 127.0.0.1:20000 over servers A (10.0.0.1) and B (10.0.0.2), ordered, and the
// sim upstreams acting there (by default two healthy CCcam servers with distinct greetings).
Upstreams two_servers(Rig& rig, sim::ServerBehaviour a = sim::ServerBehaviour::cccam(1),
                      sim::ServerBehaviour b = sim::ServerBehaviour::cccam(2)) {
    rig.add_server("line", 20000, "A", "10.0.0.1", 12000);
    rig.add_server("line", 20000, "B", "10.0.0.2", 12000);
    rig.world.set_host_latency_us("10.0.0.1", kLatency);
    rig.world.set_host_latency_us("10.0.0.2", kLatency);
    return {rig.world.add_server("10.0.0.1", 12000, std::move(a)),
            rig.world.add_server("10.0.0.2", 12000, std::move(b))};
}

TEST(RuntimeScenario, KilledUpstreamNextConnectionServedByTheOtherWithNoExtraDelay) {
    Rig rig;
    sim::Server& a = two_servers(rig).a;
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 5 * kSec);
    rig.run_until(9 * kSec);
    ASSERT_EQ(rig.active(), "A");
    ASSERT_EQ(client.times_of(ClientEventKind::Received).front(), 5 * kSec + kGreetingPath);

    rig.world.at(10 * kSec, [&] { a.kill(); });
    rig.run_until(12 * kSec);

    // A's FIN reaches the runtime after L; the client sees the close at once.
    ASSERT_EQ(client.times_of(ClientEventKind::Closed),
              std::vector<TimeUs>{10 * kSec + kLatency});
    // The client's own reconnect (100 ms) is served by B on the first try: one upstream path,
    // nothing spent on A.
    const TimeUs reconnect = 10 * kSec + kLatency + 100 * kMs;
    const std::vector<TimeUs> received = client.times_of(ClientEventKind::Received);
    ASSERT_EQ(received.size(), 2u);
    EXPECT_EQ(received[1], reconnect + kGreetingPath);
    EXPECT_EQ(rig.active(), "B");
    EXPECT_EQ(client.received(), sim::cccam_greeting(2));
    EXPECT_EQ(rig.engine->group_status(0).failovers, 1u);
    // The engine says so itself (the host logs it); the runtime keeps no mirror to find out.
    Notice n{};
    int failovers = 0;
    while (rig.engine->pop_notice(&n)) {
        if (n.kind != NoticeKind::Failover) continue;
        ++failovers;
        EXPECT_EQ(n.from, rig.slot_of("A"));
        EXPECT_EQ(n.to, rig.slot_of("B"));
    }
    EXPECT_EQ(failovers, 1);
}

TEST(RuntimeScenario, HungUpstreamSessionCutWithinTheHangWindowAndReconnectGoesElsewhere) {
    Rig rig;
    sim::Server& a = two_servers(rig).a;
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 5 * kSec);  // keepalives at 20 s, 35 s, ...
    rig.world.at(10 * kSec, [&] { a.stop(); });             // SIGSTOP: the kernel still accepts
    rig.run_until(30 * kSec);

    const std::vector<TimeUs> sent = client.times_of(ClientEventKind::Sent);
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.front(), 20 * kSec);  // the first keepalive nobody answers
    const TimeUs hang_window = rig.config->groups[0].session.hang_timeout_ms * kMs;
    EXPECT_EQ(client.times_of(ClientEventKind::Closed),
              std::vector<TimeUs>{20 * kSec + hang_window});
    const std::vector<TimeUs> received = client.times_of(ClientEventKind::Received);
    ASSERT_GE(received.size(), 2u);
    EXPECT_EQ(received[1], 20 * kSec + hang_window + 100 * kMs + kGreetingPath);
    EXPECT_EQ(rig.active(), "B");
    EXPECT_EQ(rig.status_of("A").sessions_hung, 1u);
    EXPECT_EQ(client.count(ClientEventKind::GreetingTimeout), 0u);
}

TEST(RuntimeScenario, RefusedConnectIsRetriedOnTheNextServerBeforeTheClientSeesAnything) {
    Rig rig;
    two_servers(rig, sim::ServerBehaviour::refuse(), sim::ServerBehaviour::cccam(2));
    rig.start();
    // The client comes before any health check has looked at A: the engine still tries A.
    sim::Client& client = rig.add_softcam(20000, 0);
    rig.run_until(1 * kSec);

    EXPECT_EQ(client.count(ClientEventKind::Closed), 0u);
    EXPECT_EQ(client.count(ClientEventKind::Reset), 0u);
    // A refuses after one round trip (2L); B then greets after its own 4L.
    EXPECT_EQ(client.times_of(ClientEventKind::Received),
              std::vector<TimeUs>{2 * kLatency + kGreetingPath});
    EXPECT_EQ(client.received(), sim::cccam_greeting(2));
    EXPECT_EQ(rig.status_of("A").connects_failed, 1u);
    EXPECT_EQ(rig.active(), "B");
}

TEST(RuntimeScenario, BadGreetingNeverReachesTheClient) {
    Rig rig;
    two_servers(rig, sim::ServerBehaviour::bad_greeting(), sim::ServerBehaviour::cccam(2));
    rig.group_named("line").session.race = false;
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
    two_servers(rig, sim::ServerBehaviour::slow_greeting(5 * kSec),
                sim::ServerBehaviour::cccam(2));
    rig.group_named("line").session.race = false;
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 0);
    rig.run_until(3 * kSec);

    const TimeUs attempt_timeout = rig.config->groups[0].session.connect_timeout_ms * kMs;
    EXPECT_EQ(client.times_of(ClientEventKind::Received),
              std::vector<TimeUs>{attempt_timeout + kGreetingPath});
    EXPECT_LT(attempt_timeout + kGreetingPath, 2 * kSec);
    EXPECT_EQ(client.count(ClientEventKind::GreetingTimeout), 0u);
    EXPECT_EQ(rig.status_of("A").last_failure, Reason::GreetingTimeout);
}

TEST(RuntimeScenario, SlowServerIsRacedByTheNextAfterTheStagger) {
    Rig rig;
    sim::Server& a = two_servers(rig).a;
    rig.start();
    rig.run_until(4 * kSec);  // first health checks done while A is fast
    a.set_behaviour(sim::ServerBehaviour::slow_greeting(1 * kSec));
    sim::Client& client = rig.add_softcam(20000, 5 * kSec);
    rig.run_until(8 * kSec);

    const TimeUs stagger = rig.config->groups[0].session.race_stagger_ms * kMs;
    EXPECT_EQ(client.times_of(ClientEventKind::Received),
              std::vector<TimeUs>{5 * kSec + stagger + kGreetingPath});
    EXPECT_EQ(client.received(), sim::cccam_greeting(2));
    EXPECT_EQ(rig.active(), "B");
}

TEST(RuntimeScenario, RecoveredServerComesBackThroughSlowStartWithoutFlapping) {
    Rig rig;
    sim::Server& a = two_servers(rig).a;
    rig.start();
    rig.add_softcam(20000, 1 * kSec);  // a long session: moves to B when A dies, stays there
    rig.world.at(10 * kSec, [&] { a.kill(); });
    rig.world.at(60 * kSec, [&] { a.start(); });

    // A second softcam opens a short connection every 5 s; note where each one lands.
    sim::ClientScript script;
    script.start_at_us = sim::kNoTime;
    sim::Client& probe_client = rig.world.add_client("127.0.0.1", 20000, script);
    struct Sample {
        TimeUs at;
        std::string server;
        ServerState a_state;
        TimeUs a_ramp_until;
    };
    std::vector<Sample> samples;
    for (TimeUs t = 15 * kSec; t < 400 * kSec; t += 5 * kSec) {
        rig.world.at(t, [&] { probe_client.connect(); });
        rig.world.at(t + 1 * kSec, [&, t] {
            const ServerStatus st = rig.status_of("A");
            samples.push_back({t, rig.active(), st.state, st.slowstart_until});
            probe_client.close();
        });
    }
    rig.run_until(400 * kSec);

    ASSERT_FALSE(samples.empty());
    size_t first_on_a = samples.size();
    for (size_t i = 0; i < samples.size(); ++i) {
        const Sample& s = samples[i];
        // While A is not up, or still ramping after its recovery, new connections stay on B.
        if (s.at < 60 * kSec || s.a_state != ServerState::Up || s.a_ramp_until > s.at) {
            EXPECT_EQ(s.server, "B") << "t=" << s.at;
        }
        if (s.server == "A" && first_on_a == samples.size()) first_on_a = i;
    }
    ASSERT_LT(first_on_a, samples.size()) << "A never took new connections again";
    // No flap: once back, A keeps every new connection and never leaves Up.
    for (size_t i = first_on_a; i < samples.size(); ++i) {
        EXPECT_EQ(samples[i].server, "A") << "t=" << samples[i].at;
        EXPECT_EQ(samples[i].a_state, ServerState::Up) << "t=" << samples[i].at;
    }
    // After the kill A was Down, then went Rising -> Up exactly once.
    std::vector<ServerState> states;
    for (const Sample& s : samples)
        if (states.empty() || states.back() != s.a_state) states.push_back(s.a_state);
    EXPECT_EQ(states, (std::vector<ServerState>{ServerState::Down, ServerState::Rising,
                                                ServerState::Up}));
}

TEST(RuntimeScenario, AllDownIsPanicThenTheFirstServerBackIsUsed) {
    Rig rig;
    auto [a, b] = two_servers(rig);
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 1 * kSec, 15 * kSec, 100 * kMs, 1000);
    rig.world.at(10 * kSec, [&] {
        a.kill();
        b.kill();
    });
    rig.world.at(40 * kSec, [&] { b.start(); });
    bool panic_during_outage = false;
    rig.world.at(30 * kSec, [&] { panic_during_outage = rig.engine->group_status(0).panic; });
    rig.run_until(80 * kSec);

    EXPECT_TRUE(panic_during_outage);
    // Every connection during the outage was closed by us (no server), none hung the client.
    EXPECT_EQ(client.count(ClientEventKind::GreetingTimeout), 0u);
    TimeUs first_served_after = 0;
    for (const sim::ClientEvent& e : client.events_of(ClientEventKind::Received))
        if (e.at_us >= 40 * kSec && first_served_after == 0) first_served_after = e.at_us;
    ASSERT_NE(first_served_after, 0u) << client.timeline();
    // In panic each connection tries one Down server, in turn, so within two of the client's
    // retries (100 ms + the failed round trip each) one lands on B.
    EXPECT_LE(first_served_after,
              40 * kSec + 2 * (100 * kMs + 2 * kLatency) + kGreetingPath + 4 * kLatency)
        << client.timeline();
    const std::vector<uint8_t> greeting_b = sim::cccam_greeting(2);
    ASSERT_GE(client.received().size(), greeting_b.size());
    EXPECT_TRUE(std::equal(greeting_b.begin(), greeting_b.end(), client.received().begin()));
    EXPECT_FALSE(rig.engine->group_status(0).panic);
    EXPECT_TRUE(client.connected());
}

TEST(RuntimeScenario, BackPressureBoundsWhatIsBufferedAndLosesNothing) {
    Rig rig;
    sim::Server& a = two_servers(rig).a;
    rig.group_named("line").session.hang_timeout_ms = 0;  // watch the buffers, not the hang cut
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 1 * kSec, 0);
    rig.run_until(2 * kSec);
    ASSERT_TRUE(client.connected());

    a.stop();  // A reads nothing: its receive buffer, then ours, then the client's fill up
    std::vector<uint8_t> flood(1'000'000);
    for (size_t i = 0; i < flood.size(); ++i) flood[i] = static_cast<uint8_t>(i * 7);
    client.send(flood);
    rig.run_until(5 * kSec);
    const uint64_t buffered = rig.runtime->counters().bytes_up - a.bytes_in();
    EXPECT_LE(buffered, static_cast<uint64_t>(STBF_RELAY_BUFFER) + 2 * 65536)
        << "relay read more than its buffer and the upstream socket can hold";
    EXPECT_LT(rig.runtime->counters().bytes_up, flood.size());

    a.resume();
    rig.run_until(10 * kSec);
    EXPECT_EQ(a.bytes_in(), flood.size());
    EXPECT_EQ(rig.runtime->counters().bytes_up, flood.size());
    EXPECT_TRUE(client.connected());
}

TEST(RuntimeScenario, BulkEchoArrivesInOrderThroughPartialWrites) {
    // 400 KB each way through 16 KiB buffers and the sim's small socket buffers: every send
    // is partial somewhere, the relay resumes on WRITABLE, and not one byte moves or is lost.
    Rig rig;
    sim::ServerBehaviour echo = sim::ServerBehaviour::cccam(1);
    echo.echo = true;
    sim::Server& a = two_servers(rig, echo).a;
    rig.group_named("line").session.hang_timeout_ms = 0;
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 1 * kSec, 0);
    rig.run_until(2 * kSec);
    ASSERT_TRUE(client.connected());
    std::vector<uint8_t> data(400'000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 + i / 977);
    std::vector<uint8_t> expected = sim::cccam_greeting(1);
    expected.insert(expected.end(), data.begin(), data.end());
    client.send(data);
    rig.run_until(20 * kSec);
    EXPECT_EQ(a.bytes_in(), data.size());
    ASSERT_EQ(client.received().size(), expected.size());
    EXPECT_TRUE(client.received() == expected) << "bytes reordered or corrupted";
    EXPECT_EQ(rig.runtime->counters().spliced, 0u);  // the sim port offers no splice
}

TEST(RuntimeScenario, ClientFinAfterItsLastBytesStillDeliversThemUpstream) {
    // The sim port has no tcp_shutdown: the session ends at the client's FIN, after passing on
    // what the client said before it.
    Rig rig;
    sim::Server& a = two_servers(rig).a;
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 1 * kSec, 0, kNoReconnectForTests());
    rig.run_until(2 * kSec);
    ASSERT_TRUE(client.connected());
    const uint64_t before = a.bytes_in();
    rig.world.at(3 * kSec, [&] {
        client.send(std::vector<uint8_t>(3000, 0x42));
        client.close();
    });
    rig.run_until(5 * kSec);
    EXPECT_EQ(a.bytes_in() - before, 3000u);
    EXPECT_EQ(rig.runtime->open_sessions(), 0);
    EXPECT_EQ(a.active_connections(), 0u);
}

TEST(RuntimeScenario, ReloadKeepsLiveSessionsAddsAndRemovesGroups) {
    Rig rig;
    two_servers(rig);
    sim::Server& c = rig.world.add_server("10.0.0.3", 12000, sim::ServerBehaviour::cccam(3));
    rig.start();
    sim::Client& first = rig.add_softcam(20000, 1 * kSec, 5 * kSec);
    rig.run_until(3 * kSec);
    ASSERT_TRUE(first.connected());

    // Same group plus a new one: the live session does not notice.
    rig.add_server("extra", 20001, "C", "10.0.0.3", 12000);
    ASSERT_EQ(rig.runtime->reload(*rig.config), Status::Ok);
    EXPECT_EQ(rig.runtime->listener_count(), 2);
    sim::Client& second = rig.add_softcam(20001, 4 * kSec, 5 * kSec);
    rig.run_until(20 * kSec);
    EXPECT_TRUE(first.connected());
    EXPECT_EQ(first.count(ClientEventKind::Closed), 0u);
    EXPECT_TRUE(second.connected());
    EXPECT_GT(c.bytes_in(), 0u);

    // A bad config is refused and changes nothing.
    Config bad = *rig.config;
    bad.groups[1].servers[0] = 60;  // no such server
    EXPECT_NE(rig.runtime->reload(bad), Status::Ok);
    EXPECT_EQ(rig.runtime->listener_count(), 2);

    // Remove "line": its listener closes, its live session drains (still relayed).
    Config only_extra = *rig.config;
    only_extra.groups[0] = rig.config->groups[1];
    only_extra.group_count = 1;
    ASSERT_EQ(rig.runtime->reload(only_extra), Status::Ok);
    EXPECT_EQ(rig.runtime->listener_count(), 1);
    const size_t replies_before = first.events_of(ClientEventKind::Received).size();
    rig.run_until(40 * kSec);
    EXPECT_TRUE(first.connected());
    EXPECT_GT(first.events_of(ClientEventKind::Received).size(), replies_before);
    EXPECT_TRUE(second.connected());
    EXPECT_EQ(rig.runtime->open_sessions(), 2);
    EXPECT_EQ(rig.runtime->open_sessions(0), 1);  // "extra" is group 0 now

    // A new client on the removed group's port finds nobody listening.
    sim::ClientScript script;
    script.start_at_us = 41 * kSec;
    sim::Client& late = rig.world.add_client("127.0.0.1", 20000, script);
    rig.run_until(42 * kSec);
    EXPECT_EQ(late.count(ClientEventKind::Refused), 1u);
}

TEST(RuntimeScenario, ProbesArePoliteOverAnHour) {
    Rig rig;
    auto [a, b] = two_servers(rig);
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 10 * kSec);
    rig.run_until(3600 * kSec + 10 * kSec);

    ASSERT_TRUE(client.connected());
    EXPECT_EQ(client.connects(), 1u);
    // A carries the live session: watched passively, never probed once it does. Its first
    // check (within the first 2 s) and the session's own connection are all it saw.
    EXPECT_EQ(a.connections_accepted(), 2u);
    EXPECT_EQ(rig.status_of("A").probes_ok, 1u);
    // B is idle: checked about once a minute (60 s +/- 10 % jitter) -> about 60 in an hour.
    const ServerStatus sb = rig.status_of("B");
    EXPECT_GE(sb.probes_ok, 55u);
    EXPECT_LE(sb.probes_ok, 67u);
    EXPECT_EQ(b.connections_accepted(), sb.probes_ok);
    EXPECT_EQ(sb.probes_failed, 0u);
    // Each check connects and closes right after the greeting: nothing stays open on B.
    EXPECT_EQ(b.active_connections(), 0u);
}

TEST(RuntimeScenario, ClientsBeyondMaxSessionsAreClosedAtOnceOthersKeepTheirSessions) {
    Rig rig;
    two_servers(rig);
    rig.group_named("line").session.max_sessions = 2;
    rig.start();
    sim::Client& c1 = rig.add_softcam(20000, 1 * kSec, 5 * kSec, kNoReconnectForTests(), 1);
    sim::Client& c2 = rig.add_softcam(20000, 2 * kSec, 5 * kSec, kNoReconnectForTests(), 1);
    sim::Client& c3 = rig.add_softcam(20000, 3 * kSec, 5 * kSec, kNoReconnectForTests(), 1);
    rig.run_until(10 * kSec);

    EXPECT_TRUE(c1.connected());
    EXPECT_TRUE(c2.connected());
    EXPECT_EQ(c3.times_of(ClientEventKind::Closed), std::vector<TimeUs>{3 * kSec});
    EXPECT_TRUE(c3.received().empty());
    EXPECT_EQ(rig.runtime->counters().refused, 1u);
    EXPECT_EQ(rig.engine->group_status(0).sessions_refused, 1u);
}

TEST(RuntimeScenario, SilentSessionIsClosedAfterTheIdleTimeout) {
    Rig rig;
    two_servers(rig);
    rig.group_named("line").session.idle_timeout_s = 2 * 3600;
    rig.start();
    sim::Client& quiet = rig.add_softcam(20000, 1 * kSec, 0, kNoReconnectForTests(), 1);
    rig.run_until(3 * 3600 * kSec);

    // The greeting was the last byte either way.
    EXPECT_EQ(quiet.times_of(ClientEventKind::Closed),
              std::vector<TimeUs>{1 * kSec + kGreetingPath + 2 * 3600 * kSec});
    EXPECT_TRUE(rig.world.logged("idle"));
}

// Opens `count` short connections from one client, one every `every` starting at `first`, each
// closed by the client `hold` after it connected. Returns the client.
sim::Client& short_connections(Rig& rig, uint16_t listen_port, TimeUs first, TimeUs every,
                               TimeUs hold, int count) {
    sim::ClientScript script;
    script.start_at_us = sim::kNoTime;
    sim::Client& c = rig.world.add_client("127.0.0.1", listen_port, script);
    for (int i = 0; i < count; ++i) {
        const TimeUs t = first + static_cast<TimeUs>(i) * every;
        rig.world.at(t, [&c] { c.connect(); });
        rig.world.at(t + hold, [&c] { c.close(); });
    }
    return c;
}

TEST(RuntimeScenario, WeightedRandomSpreadsConnectionsByWeightWithinBinomialNoise) {
    Rig rig;
    const char* labels[3] = {"A", "B", "C"};
    const char* hosts[3] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
    const uint16_t weights[3] = {100, 200, 700};
    for (int i = 0; i < 3; ++i) {
        const uint8_t idx = rig.add_server("line", 20000, labels[i], hosts[i], 12000);
        rig.config->servers[idx].weight = weights[i];
        rig.world.set_host_latency_us(hosts[i], kLatency);
        rig.world.add_server(hosts[i], 12000, sim::ServerBehaviour::cccam(static_cast<uint8_t>(i)));
    }
    rig.group_named("line").mode = Mode::Random;
    rig.start();
    // 4,000 independent draws: four standard deviations of a share are at most 2.9 points
    // (p = 0.7), tight enough to tell 10/20/70 from any other split by 5 points or more.
    const int n = 4000;
    sim::Client& c = short_connections(rig, 20000, 5 * kSec, 200 * kMs, 100 * kMs, n);
    rig.run_until(5 * kSec + n * 200 * kMs + kSec);

    // Every connection was served (greeting through the relay), by the server the draw chose.
    EXPECT_EQ(c.count(ClientEventKind::Received), static_cast<size_t>(n));
    uint32_t total = 0;
    for (int i = 0; i < 3; ++i) total += rig.status_of(labels[i]).connects_ok;
    ASSERT_EQ(total, static_cast<uint32_t>(n));
    for (int i = 0; i < 3; ++i) {
        const double share = rig.status_of(labels[i]).connects_ok / static_cast<double>(n);
        const double p = weights[i] / 1000.0;
        EXPECT_NEAR(share, p, 4 * std::sqrt(p * (1 - p) / n)) << labels[i];
    }
}

TEST(RuntimeScenario, ScoredModePrefersTheFasterServerButReexploresTheSlowOne) {
    Rig rig;
    two_servers(rig);                                     // B near: 5 ms one way
    rig.world.set_host_latency_us("10.0.0.1", 40 * kMs);  // A far: 40 ms one way
    GroupConfig& g = rig.group_named("line");
    g.mode = Mode::Scored;
    g.score.reexplore_ms = 120000;
    rig.start();
    // One short connection every 5 s for 20 minutes.
    const int n = 240;
    short_connections(rig, 20000, 10 * kSec, 5 * kSec, 1 * kSec, n);
    rig.run_until(10 * kSec + n * 5 * kSec + kSec);

    const ServerStatus a = rig.status_of("A");
    const ServerStatus b = rig.status_of("B");
    ASSERT_EQ(a.connects_ok + b.connects_ok, static_cast<uint32_t>(n));
    // Measured: A greets after 4 x 40 ms, B after 4 x 5 ms.
    EXPECT_GT(a.ewma_connect_us, 5 * b.ewma_connect_us);
    // B takes nearly everything ...
    EXPECT_GT(b.connects_ok, static_cast<uint32_t>(n * 9 / 10));
    // ... but A is tried again about every reexplore period (20 min / 2 min), so a recovered
    // or improved A could win again.
    EXPECT_GE(a.connects_ok, 5u);
    EXPECT_LE(a.connects_ok, 12u);
}

}  // namespace
}  // namespace stbf::test
