// Scripted upstream servers: behaviours, time-scripted changes and counters.
#include <gtest/gtest.h>

#include <vector>

#include "stbf/sim.h"
#include "stbf/sim/servers.h"

namespace stbf::sim {
namespace {

constexpr uint64_t kMs = 1000;
constexpr uint64_t kLatency = 10 * kMs;  // one way, client -> server

using K = ClientEventKind;

struct SimServers : ::testing::Test {
    World w{1, 0};

    Server& server(ServerBehaviour b) {
        Server& s = w.add_server("10.0.0.1", 12000, std::move(b));
        s.set_latency_us(kLatency);
        return s;
    }
    Client& client(ClientScript script = {}) {
        return w.add_client("10.0.0.1", 12000, std::move(script));
    }
};

// The checksum itself is the core's (tests/runtime/greeting_test.cpp); the sim derives the
// 12 head bytes from a seed.
TEST(SimGreetings, CccamGreetingIsValidAndSeeded) {
    for (uint64_t seed = 1; seed <= 50; ++seed) {
        const std::vector<uint8_t> g = cccam_greeting(seed);
        ASSERT_EQ(g.size(), 16u);
        EXPECT_TRUE(cccam_greeting_valid(g.data())) << seed;
    }
    EXPECT_NE(cccam_greeting(1), cccam_greeting(2));
    EXPECT_EQ(cccam_greeting(7), cccam_greeting(7));
}

TEST(SimGreetings, NewcamdGreetingIs14SeededBytes) {
    EXPECT_EQ(newcamd_greeting(1).size(), 14u);
    EXPECT_EQ(newcamd_greeting(3), newcamd_greeting(3));
    EXPECT_NE(newcamd_greeting(3), newcamd_greeting(4));
    const auto bad = ServerBehaviour::bad_greeting().greeting;
    ASSERT_EQ(bad.size(), 16u);
    EXPECT_FALSE(cccam_greeting_valid(bad.data()));
}

TEST_F(SimServers, ALineServerAnswersTheLoginThenEchoesEveryFrame) {
    Server& s = server(ServerBehaviour::line(1, 0));
    ClientScript script;
    // The login in two pieces, then a frame split across two sends.
    script.sends.push_back({100 * kMs, std::vector<uint8_t>(40, 'L')});
    script.sends.push_back({200 * kMs, std::vector<uint8_t>(6, 'L')});
    script.sends.push_back({300 * kMs, {'E', 0, 0, 0}});
    script.sends.push_back({400 * kMs, {0, 0, 0, 9, 'K', 0, 0, 0, 0, 0, 0, 1}});
    Client& c = client(script);
    w.run_until(1000 * kMs);
    std::vector<uint8_t> want = cccam_greeting(1);
    want.insert(want.end(), 20, 0x4c);  // the login answer, once the 46 bytes are in
    const std::vector<uint8_t> frames = {'E', 0, 0, 0, 0, 0, 0, 9, 'K', 0, 0, 0, 0, 0, 0, 1};
    want.insert(want.end(), frames.begin(), frames.end());
    EXPECT_EQ(c.received(), want);
    // Greeting, login answer, then both frames at once: the first waited for its last bytes.
    EXPECT_EQ(c.times_of(K::Received).size(), 3u);
    EXPECT_EQ(s.messages_answered(), 2u);
}

TEST_F(SimServers, AcceptGreetAndAnswerEachMessageAfterADelay) {
    Server& s = server(ServerBehaviour::cccam().with_reply(20, 30 * kMs));
    ClientScript script;
    script.sends.push_back({100 * kMs, {1, 2, 3, 4}});
    Client& c = client(script);
    w.run_until(1000 * kMs);
    EXPECT_EQ(c.timeline(),
              "0 connecting\n"
              "20000 connected\n"    // one RTT
              "40000 received 16\n"  // accepted at 30 ms, greeting 10 ms later
              "120000 sent 4\n"
              "170000 received 20\n");  // arrives 130 ms, answered 30 ms later, back at 170
    ASSERT_GE(c.received().size(), 16u);
    EXPECT_TRUE(cccam_greeting_valid(c.received().data()));
    EXPECT_EQ(s.connections_accepted(), 1u);
    EXPECT_EQ(s.active_connections(), 1u);
    EXPECT_EQ(s.bytes_in(), 4u);
    EXPECT_EQ(s.bytes_out(), 36u);
    EXPECT_EQ(s.messages_answered(), 1u);
}

TEST_F(SimServers, MessageSizeSplitsTheStreamAndEchoReturnsIt) {
    ServerBehaviour b = ServerBehaviour::silent().with_message_size(4);
    b.answer = true;
    b.echo = true;
    Server& s = server(b);
    ClientScript script;
    script.sends.push_back({0, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}});
    Client& c = client(script);
    w.run_until(1000 * kMs);
    EXPECT_EQ(s.messages_answered(), 2u);  // the last 2 bytes are an incomplete message
    EXPECT_EQ(c.received(), (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST_F(SimServers, RefuseMeansNothingListens) {
    Server& s = server(ServerBehaviour::refuse());
    Client& c = client();
    w.run_until(1000 * kMs);
    EXPECT_EQ(c.timeline(), "0 connecting\n20000 refused\n");
    EXPECT_EQ(s.state(), ServerState::Down);
    EXPECT_EQ(s.connections_accepted(), 0u);
}

TEST_F(SimServers, ResetOrCloseRightAfterAccept) {
    server(ServerBehaviour::reset_on_accept());
    Client& c = client();
    w.run_until(1000 * kMs);
    EXPECT_EQ(c.timeline(), "0 connecting\n20000 connected\n40000 reset\n");

    World w2(1, 0);
    w2.add_server("10.0.0.1", 12000, ServerBehaviour::close_on_accept()).set_latency_us(kLatency);
    Client& c2 = w2.add_client("10.0.0.1", 12000, {});
    w2.run_until(1000 * kMs);
    EXPECT_EQ(c2.timeline(), "0 connecting\n20000 connected\n40000 closed\n");
}

TEST_F(SimServers, BadGreetingArrivesLikeAGoodOne) {
    server(ServerBehaviour::bad_greeting());
    Client& c = client();
    w.run_until(1000 * kMs);
    ASSERT_EQ(c.received().size(), 16u);
    EXPECT_FALSE(cccam_greeting_valid(c.received().data()));
}

TEST_F(SimServers, SlowGreetingComesLate) {
    server(ServerBehaviour::slow_greeting(3000 * kMs));
    Client& c = client();
    w.run_until(10'000 * kMs);
    EXPECT_EQ(c.times_of(K::Received), (std::vector<stbf_time_us>{3040 * kMs}));
}

TEST_F(SimServers, HungServerAcceptsInTheKernelButNeverAnswers) {
    Server& s = server(ServerBehaviour::hang());
    ClientScript script;
    script.greeting_size = 16;
    script.greeting_timeout_us = 2000 * kMs;
    Client& c = client(script);
    w.run_until(60'000 * kMs);
    EXPECT_EQ(c.timeline(), "0 connecting\n20000 connected\n2020000 greeting-timeout\n");
    EXPECT_EQ(s.state(), ServerState::Stopped);
    EXPECT_EQ(s.connections_accepted(), 0u);
    EXPECT_EQ(s.bytes_out(), 0u);
}

TEST_F(SimServers, KillEndsConnectionsWithFinAndRefusesNewOnes) {
    Server& s = server(ServerBehaviour::cccam());
    ClientScript script;
    script.reconnect_after_close_us = 1000 * kMs;
    script.reconnect_after_failure_us = kNoReconnect;
    Client& c = client(script);
    w.at(5000 * kMs, [&] { s.kill(); });
    w.run_until(60'000 * kMs);
    EXPECT_EQ(c.times_of(K::Closed), (std::vector<stbf_time_us>{5010 * kMs}));
    EXPECT_EQ(c.times_of(K::Refused), (std::vector<stbf_time_us>{6030 * kMs}));
    EXPECT_EQ(s.state(), ServerState::Down);
    EXPECT_EQ(s.active_connections(), 0u);
}

TEST_F(SimServers, KillWithRstResets) {
    Server& s = server(ServerBehaviour::cccam());
    Client& c = client();
    w.at(5000 * kMs, [&] { s.kill(CloseHow::Rst); });
    w.run_until(6000 * kMs);
    EXPECT_EQ(c.times_of(K::Reset), (std::vector<stbf_time_us>{5010 * kMs}));
    EXPECT_EQ(c.count(K::Closed), 0u);
}

TEST_F(SimServers, StoppedServerKeepsConnectionsAndAnswersAfterResume) {
    Server& s = server(ServerBehaviour::cccam().with_reply(8, 0));
    ClientScript script;
    script.sends.push_back({2000 * kMs, {9, 9, 9, 9}});
    script.expect_reply_within_us = 1000 * kMs;
    Client& c = client(script);
    w.at(1000 * kMs, [&] { s.stop(); });
    // A second client connects while the process is frozen: the kernel accepts it.
    ClientScript late;
    late.start_at_us = 3000 * kMs;
    Client& c2 = client(late);
    w.at(10'000 * kMs, [&] { s.resume(); });
    w.run_until(20'000 * kMs);

    EXPECT_EQ(c.times_of(K::NoReply), (std::vector<stbf_time_us>{3020 * kMs}));
    // The request sent at 2.02 s reached the server at 2.03 s; it answers on resume.
    EXPECT_EQ(c.times_of(K::Received), (std::vector<stbf_time_us>{40 * kMs, 10'010 * kMs}));
    EXPECT_EQ(c.count(K::Closed), 0u);
    EXPECT_EQ(c2.times_of(K::Connected), (std::vector<stbf_time_us>{3020 * kMs}));
    EXPECT_EQ(c2.times_of(K::Received), (std::vector<stbf_time_us>{10'010 * kMs}));  // greeting
    EXPECT_EQ(s.connections_accepted(), 2u);
    EXPECT_EQ(s.state(), ServerState::Up);
}

TEST_F(SimServers, RestartRefusesWhileDownThenAcceptsAgain) {
    Server& s = server(ServerBehaviour::cccam());
    ClientScript script;
    script.start_at_us = 500 * kMs;
    script.reconnect_after_close_us = 100 * kMs;
    script.reconnect_after_failure_us = 1000 * kMs;
    script.max_connects = 5;
    Client& c = client(script);
    w.at(1000 * kMs, [&] { s.restart(2500 * kMs); });
    w.run_until(10'000 * kMs);
    // Down from 1 s to 3.5 s: closed at 1.01 s, retries at 1.11, 2.13 and 3.15 s are refused
    // (one RTT later), the one at 4.17 s connects.
    EXPECT_EQ(c.times_of(K::Connected), (std::vector<stbf_time_us>{520 * kMs, 4190 * kMs}));
    EXPECT_EQ(c.times_of(K::Refused),
              (std::vector<stbf_time_us>{1130 * kMs, 2150 * kMs, 3170 * kMs}));
    EXPECT_EQ(s.connections_accepted(), 2u);
}

TEST_F(SimServers, FlapAlternatesUpAndDown) {
    Server& s = server(ServerBehaviour::cccam());
    std::vector<ServerState> seen;
    w.at(0, [&] { s.flap(1000 * kMs, 2000 * kMs, 2); });
    for (stbf_time_us t : {500, 1500, 2500, 3500, 4500, 5500, 6500, 9500}) {
        w.at(t * kMs, [&] { seen.push_back(s.state()); });
    }
    w.run_until(10'000 * kMs);
    using S = ServerState;
    EXPECT_EQ(seen,
              (std::vector<S>{S::Up, S::Down, S::Down, S::Up, S::Down, S::Down, S::Up, S::Up}));
}

TEST_F(SimServers, IdleClientIsClosed) {
    server(ServerBehaviour::cccam().with_idle_close(3000 * kMs));
    ClientScript script;
    script.sends.push_back({2000 * kMs, {1, 2, 3, 4}});  // resets the idle timer once
    Client& c = client(script);
    w.run_until(20'000 * kMs);
    // Last client byte reached the server at 2.03 s; idle 3 s later it closes; FIN 10 ms after.
    EXPECT_EQ(c.times_of(K::Closed), (std::vector<stbf_time_us>{5040 * kMs}));
}

TEST_F(SimServers, BehaviourCanChangeForNewConnections) {
    Server& s = server(ServerBehaviour::cccam());
    ClientScript script;
    script.reconnect_after_close_us = 0;
    script.max_connects = 2;
    Client& c = client(script);
    w.at(1000 * kMs, [&] {
        s.set_behaviour(ServerBehaviour::newcamd());
        s.kill();
        s.start();
    });
    w.run_until(5000 * kMs);
    EXPECT_EQ(c.connects(), 2u);
    EXPECT_EQ(c.received(), newcamd_greeting());
}

}  // namespace
}  // namespace stbf::sim
