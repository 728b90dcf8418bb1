// The virtual network, seen through the port table as the code under test sees it.
#include <gtest/gtest.h>
#include <string.h>

#include <string>
#include <vector>

#include "sim_test_support.h"
#include "stbf/sim.h"
#include "stbf/sim/network.h"

namespace stbf::sim {
namespace {

using testing::connect_and_wait;
using testing::read_all;
using testing::wait_for;

constexpr uint64_t kMs = 1000;

struct SimNetwork : ::testing::Test {
    World w{1, 0};
    const stbf_port* p = w.port();

    stbf_sock listen_on(const char* host, uint16_t port) {
        stbf_addr a = addr(host, port);
        stbf_sock l = STBF_SOCK_INVALID;
        EXPECT_EQ(p->tcp_listen(p->ctx, &a, &l), STBF_PORT_OK);
        EXPECT_EQ(p->watch(p->ctx, l, STBF_READABLE, 0), STBF_PORT_OK);
        return l;
    }
    // A connected pair through the port: client socket and accepted socket.
    void pair(stbf_sock l, const char* host, uint16_t port, stbf_sock* client, stbf_sock* server) {
        ASSERT_EQ(connect_and_wait(w, addr(host, port), client, w.now() + 10'000 * kMs),
                  STBF_PORT_OK);
        ASSERT_EQ(wait_for(w, l, STBF_READABLE, w.now() + 10'000 * kMs), STBF_READABLE);
        ASSERT_EQ(p->tcp_accept(p->ctx, l, server, nullptr), STBF_PORT_OK);
        p->watch(p->ctx, *client, STBF_READABLE, 0);
        p->watch(p->ctx, *server, STBF_READABLE, 0);
    }
    struct Connected {
        stbf_sock listener = STBF_SOCK_INVALID, client = STBF_SOCK_INVALID,
                  accepted = STBF_SOCK_INVALID;
    };
    // A listener on 127.0.0.1:20000 and one connection to it, both ends watched READABLE.
    Connected loopback_pair() {
        Connected pr;
        pr.listener = listen_on("127.0.0.1", 20000);
        pair(pr.listener, "127.0.0.1", 20000, &pr.client, &pr.accepted);
        return pr;
    }
    stbf_port_status send_text(stbf_sock s, const char* text, size_t* sent = nullptr) {
        size_t n = 0;
        const stbf_port_status st =
            p->tcp_send(p->ctx, s, reinterpret_cast<const uint8_t*>(text), strlen(text), &n);
        if (sent) *sent = n;
        return st;
    }
};

// Parsing and comparing literals is the core's (tests/core/address_test.cpp); here only what
// the sim adds: the aborting addr() for scripts, printing, loopback and wildcard.
TEST(SimAddress, ParsesAndPrintsBothFamilies) {
    stbf_addr a = addr("10.0.0.1", 12000);
    EXPECT_EQ(a.family, 4);
    EXPECT_EQ(a.addr[0], 10);
    EXPECT_EQ(a.addr[3], 1);
    EXPECT_EQ(to_string(a), "10.0.0.1:12000");
    EXPECT_FALSE(is_loopback(a));
    EXPECT_TRUE(is_loopback(addr("127.3.2.1")));
    a = addr("::1", 20000);
    EXPECT_EQ(a.family, 6);
    EXPECT_TRUE(is_loopback(a));
    EXPECT_EQ(to_string(a), "[::1]:20000");
    EXPECT_EQ(to_string(addr("2001:db8::1")), "2001:db8::1");
    EXPECT_TRUE(is_wildcard(addr("0.0.0.0")));
    EXPECT_TRUE(is_wildcard(addr("::")));
    EXPECT_FALSE(is_wildcard(addr("::1")));
}

TEST(SimAddressDeathTest, AddrAbortsOnATypoNamingIt) {
    EXPECT_DEATH(addr("10.0.0.256"), "10.0.0.256");
    EXPECT_DEATH(addr("server.example"), "server.example");
}

TEST_F(SimNetwork, ConnectCompletesAfterOneRoundTripAndGreetingFollows) {
    auto& server = w.add_server("10.0.0.1", 12000, ServerBehaviour::cccam());
    server.set_latency_us(20 * kMs);
    stbf_sock s = STBF_SOCK_INVALID;
    stbf_addr to = addr("10.0.0.1", 12000);
    ASSERT_EQ(p->tcp_connect(p->ctx, &to, &s), STBF_PORT_IN_PROGRESS);
    EXPECT_EQ(p->tcp_connect_result(p->ctx, s), STBF_PORT_IN_PROGRESS);
    p->watch(p->ctx, s, STBF_WRITABLE, 0);
    EXPECT_EQ(wait_for(w, s, STBF_WRITABLE, 10'000 * kMs), STBF_WRITABLE);
    EXPECT_EQ(w.now(), 40 * kMs);  // SYN 20 ms out, SYN-ACK 20 ms back
    EXPECT_EQ(p->tcp_connect_result(p->ctx, s), STBF_PORT_OK);

    // The server accepts when the ACK arrives (60 ms) and greets at once: 80 ms here.
    p->watch(p->ctx, s, STBF_READABLE, 0);
    EXPECT_EQ(wait_for(w, s, STBF_READABLE, 10'000 * kMs), STBF_READABLE);
    EXPECT_EQ(w.now(), 80 * kMs);
    std::vector<uint8_t> got;
    EXPECT_EQ(read_all(w, s, got), STBF_PORT_OK);
    ASSERT_EQ(got.size(), 16u);
    EXPECT_TRUE(cccam_greeting_valid(got.data()));
    EXPECT_EQ(server.connections_accepted(), 1u);
    p->tcp_close(p->ctx, s);
}

TEST_F(SimNetwork, NothingListeningIsRefusedAfterOneRoundTrip) {
    w.set_host_latency_us("10.0.0.2", 30 * kMs);
    stbf_sock s = STBF_SOCK_INVALID;
    EXPECT_EQ(connect_and_wait(w, addr("10.0.0.2", 12000), &s, 10'000 * kMs), STBF_PORT_REFUSED);
    EXPECT_EQ(w.now(), 60 * kMs);
    // The failed socket reports both bits until it is closed.
    EXPECT_EQ(w.network().readiness(s), STBF_READABLE | STBF_WRITABLE);
    p->tcp_close(p->ctx, s);
    EXPECT_EQ(w.network().open_port_sockets(), 0u);
}

TEST_F(SimNetwork, BlackholeNeverAnswersUntilTheSynTimeout) {
    w.set_path("10.0.0.3", Path::Blackhole);
    stbf_sock s = STBF_SOCK_INVALID;
    EXPECT_EQ(connect_and_wait(w, addr("10.0.0.3", 12000), &s, 5'000 * kMs), STBF_PORT_IN_PROGRESS);
    EXPECT_EQ(w.now(), 5'000 * kMs);  // the caller's own timeout is what ends the wait
    p->watch(p->ctx, s, STBF_WRITABLE, 0);
    EXPECT_EQ(wait_for(w, s, STBF_WRITABLE, 200'000 * kMs), STBF_WRITABLE);
    EXPECT_EQ(w.now(), 127'000 * kMs);
    EXPECT_EQ(p->tcp_connect_result(p->ctx, s), STBF_PORT_TIMEOUT);
    p->tcp_close(p->ctx, s);
}

TEST_F(SimNetwork, UnreachableAfterOneRoundTripOrAtOnceWithoutRoute) {
    w.set_host_latency_us("10.0.0.4", 10 * kMs);
    w.set_path("10.0.0.4", Path::Unreachable);
    stbf_sock s = STBF_SOCK_INVALID;
    EXPECT_EQ(connect_and_wait(w, addr("10.0.0.4", 1), &s, 10'000 * kMs), STBF_PORT_UNREACHABLE);
    EXPECT_EQ(w.now(), 20 * kMs);
    p->tcp_close(p->ctx, s);

    w.set_path("10.0.0.5", Path::NoRoute);
    stbf_addr to = addr("10.0.0.5", 1);
    s = STBF_SOCK_INVALID;
    EXPECT_EQ(p->tcp_connect(p->ctx, &to, &s), STBF_PORT_UNREACHABLE);
    EXPECT_EQ(s, STBF_SOCK_INVALID);
    EXPECT_EQ(w.network().open_port_sockets(), 0u);
}

TEST_F(SimNetwork, FinDeliversDataThenClosed) {
    const Connected pr = loopback_pair();
    const stbf_sock l = pr.listener, c = pr.client, a = pr.accepted;
    ASSERT_EQ(send_text(c, "hello"), STBF_PORT_OK);
    p->tcp_close(p->ctx, c);
    EXPECT_EQ(wait_for(w, a, STBF_READABLE, w.now() + 1000 * kMs), STBF_READABLE);
    std::vector<uint8_t> got;
    EXPECT_EQ(read_all(w, a, got), STBF_PORT_CLOSED);
    EXPECT_EQ(std::string(got.begin(), got.end()), "hello");
    // End of stream stays readable (level-triggered) and keeps answering CLOSED.
    EXPECT_EQ(wait_for(w, a, STBF_READABLE, w.now()), STBF_READABLE);
    uint8_t buf[8];
    size_t n = 99;
    EXPECT_EQ(p->tcp_recv(p->ctx, a, buf, sizeof buf, &n), STBF_PORT_CLOSED);
    EXPECT_EQ(n, 0u);
    // Writing to the closed peer is accepted, then answered by RST.
    EXPECT_EQ(send_text(a, "late"), STBF_PORT_OK);
    w.advance(1 * kMs);
    EXPECT_EQ(p->tcp_recv(p->ctx, a, buf, sizeof buf, &n), STBF_PORT_RESET);
    size_t sent = 0;
    EXPECT_EQ(send_text(a, "x", &sent), STBF_PORT_RESET);
    EXPECT_EQ(sent, 0u);
    p->tcp_close(p->ctx, a);
    p->tcp_close(p->ctx, l);
    EXPECT_EQ(w.network().open_sockets(), 0u);
}

TEST_F(SimNetwork, CloseWithUnreadDataResetsThePeer) {
    const Connected pr = loopback_pair();
    const stbf_sock l = pr.listener, c = pr.client, a = pr.accepted;
    ASSERT_EQ(send_text(c, "unread"), STBF_PORT_OK);
    w.advance(1 * kMs);
    p->tcp_close(p->ctx, a);  // "unread" is still in a's receive buffer
    EXPECT_EQ(wait_for(w, c, STBF_READABLE, w.now() + 1000 * kMs), STBF_READABLE);
    uint8_t buf[8];
    size_t n = 0;
    EXPECT_EQ(p->tcp_recv(p->ctx, c, buf, sizeof buf, &n), STBF_PORT_RESET);
    p->tcp_close(p->ctx, c);
    p->tcp_close(p->ctx, l);
}

TEST_F(SimNetwork, ResetServerIsSeenAsReset) {
    w.add_server("10.0.0.1", 12000, ServerBehaviour::reset_on_accept());
    stbf_sock s = STBF_SOCK_INVALID;
    ASSERT_EQ(connect_and_wait(w, addr("10.0.0.1", 12000), &s, 1000 * kMs), STBF_PORT_OK);
    p->watch(p->ctx, s, STBF_READABLE, 0);
    EXPECT_EQ(wait_for(w, s, STBF_READABLE, 1000 * kMs), STBF_READABLE);
    std::vector<uint8_t> got;
    EXPECT_EQ(read_all(w, s, got), STBF_PORT_RESET);
    EXPECT_TRUE(got.empty());
    p->tcp_close(p->ctx, s);
}

TEST_F(SimNetwork, BoundedBuffersGiveBackPressure) {
    w.network().set_buffer_sizes(100, 100);
    const Connected pr = loopback_pair();
    const stbf_sock l = pr.listener, c = pr.client, a = pr.accepted;
    std::vector<uint8_t> big(1000, 0x42);
    size_t total = 0;
    for (int i = 0; i < 10; ++i) {
        size_t sent = 0;
        const stbf_port_status st = p->tcp_send(p->ctx, c, big.data(), big.size(), &sent);
        if (st == STBF_PORT_WOULD_BLOCK) {
            EXPECT_EQ(sent, 0u);
            break;
        }
        ASSERT_EQ(st, STBF_PORT_OK);
        total += sent;
    }
    EXPECT_EQ(total, 200u);  // the peer's receive buffer plus our send buffer
    p->watch(p->ctx, c, STBF_WRITABLE, 0);
    EXPECT_EQ(wait_for(w, c, STBF_WRITABLE, w.now() + 1000 * kMs), 0u);  // stays full

    uint8_t buf[50];
    size_t got = 0;
    ASSERT_EQ(p->tcp_recv(p->ctx, a, buf, sizeof buf, &got), STBF_PORT_OK);
    EXPECT_EQ(got, 50u);  // reading opened the window: 50 bytes leave the send buffer
    EXPECT_EQ(wait_for(w, c, STBF_WRITABLE, w.now() + 1000 * kMs), STBF_WRITABLE);
    size_t sent = 0;
    EXPECT_EQ(p->tcp_send(p->ctx, c, big.data(), big.size(), &sent), STBF_PORT_OK);
    EXPECT_EQ(sent, 50u);

    std::vector<uint8_t> rest;
    for (int i = 0; i < 20 && rest.size() < 200; ++i) {
        read_all(w, a, rest);
        w.advance(1 * kMs);
    }
    EXPECT_EQ(rest.size(), 200u);  // nothing lost: 250 sent = 50 + 200 read
    p->tcp_close(p->ctx, a);
    p->tcp_close(p->ctx, c);
    p->tcp_close(p->ctx, l);
}

TEST_F(SimNetwork, ReadinessIsLevelTriggered) {
    const Connected pr = loopback_pair();
    const stbf_sock c = pr.client, a = pr.accepted;
    send_text(c, "ping");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(wait_for(w, a, STBF_READABLE, w.now() + 1000 * kMs), STBF_READABLE) << i;
    }
    std::vector<uint8_t> got;
    read_all(w, a, got);
    EXPECT_EQ(got.size(), 4u);
    EXPECT_EQ(wait_for(w, a, STBF_READABLE, w.now() + 1000 * kMs), 0u);
    // Interest 0 stops reporting even when ready.
    send_text(c, "pong");
    p->watch(p->ctx, a, 0, 0);
    EXPECT_EQ(wait_for(w, a, STBF_READABLE, w.now() + 1000 * kMs), 0u);
    EXPECT_EQ(w.network().readiness(a) & STBF_READABLE, STBF_READABLE);
}

TEST_F(SimNetwork, ListenRules) {
    const stbf_sock l = listen_on("127.0.0.1", 20000);
    stbf_addr same = addr("127.0.0.1", 20000);
    stbf_addr wildcard = addr("0.0.0.0", 20000);
    stbf_addr foreign = addr("10.9.9.9", 20000);
    stbf_addr any_port = addr("127.0.0.1", 0);
    stbf_sock s = STBF_SOCK_INVALID;
    EXPECT_EQ(p->tcp_listen(p->ctx, &same, &s), STBF_PORT_ADDR_IN_USE);
    EXPECT_EQ(p->tcp_listen(p->ctx, &wildcard, &s), STBF_PORT_ADDR_IN_USE);
    EXPECT_EQ(p->tcp_listen(p->ctx, &foreign, &s), STBF_PORT_ERROR);
    ASSERT_EQ(p->tcp_listen(p->ctx, &any_port, &s), STBF_PORT_OK);
    stbf_addr bound{};
    ASSERT_EQ(p->local_addr(p->ctx, s, &bound), STBF_PORT_OK);
    EXPECT_NE(bound.port, 0);
    EXPECT_TRUE(same_host(bound, any_port));
    stbf_addr bad{};
    bad.family = 5;
    EXPECT_EQ(p->tcp_listen(p->ctx, &bad, &s), STBF_PORT_INVALID);
    p->tcp_close(p->ctx, l);
    p->tcp_close(p->ctx, s);
}

TEST_F(SimNetwork, WildcardListenerOnlyReceivesConnectsToTheBox) {
    const stbf_sock l = listen_on("0.0.0.0", 20000);
    stbf_sock c = STBF_SOCK_INVALID;
    EXPECT_EQ(connect_and_wait(w, addr("127.0.0.1", 20000), &c, 1000 * kMs), STBF_PORT_OK);
    p->tcp_close(p->ctx, c);
    EXPECT_EQ(connect_and_wait(w, addr("192.168.1.10", 20000), &c, 1000 * kMs), STBF_PORT_OK);
    p->tcp_close(p->ctx, c);
    EXPECT_EQ(connect_and_wait(w, addr("10.0.0.1", 20000), &c, 1000 * kMs), STBF_PORT_REFUSED);
    p->tcp_close(p->ctx, c);
    p->tcp_close(p->ctx, l);
}

TEST_F(SimNetwork, Ipv6Works) {
    const stbf_sock l = listen_on("::1", 20000);
    stbf_sock c = STBF_SOCK_INVALID, a = STBF_SOCK_INVALID;
    pair(l, "::1", 20000, &c, &a);
    stbf_addr local{};
    ASSERT_EQ(p->local_addr(p->ctx, c, &local), STBF_PORT_OK);
    EXPECT_EQ(local.family, 6);
    EXPECT_TRUE(is_loopback(local));
    auto& v6 = w.add_server("2001:db8::1", 12000, ServerBehaviour::newcamd());
    stbf_sock s = STBF_SOCK_INVALID;
    EXPECT_EQ(connect_and_wait(w, addr("2001:db8::1", 12000), &s, 1000 * kMs), STBF_PORT_OK);
    p->watch(p->ctx, s, STBF_READABLE, 0);
    wait_for(w, s, STBF_READABLE, 1000 * kMs);
    std::vector<uint8_t> got;
    read_all(w, s, got);
    EXPECT_EQ(got.size(), 14u);
    EXPECT_EQ(v6.connections_accepted(), 1u);
}

TEST_F(SimNetwork, FullBacklogDropsSynsWhichAreRetried) {
    w.network().set_backlog(1);
    const stbf_sock l = listen_on("127.0.0.1", 20000);
    stbf_sock first = STBF_SOCK_INVALID, second = STBF_SOCK_INVALID;
    ASSERT_EQ(connect_and_wait(w, addr("127.0.0.1", 20000), &first, 1000 * kMs), STBF_PORT_OK);
    p->watch(p->ctx, l, 0, 0);  // a pending accept would be reported by every poll
    // Nobody accepts: the second SYN is dropped and retried after 1 s, then 2 s later...
    EXPECT_EQ(connect_and_wait(w, addr("127.0.0.1", 20000), &second, 2000 * kMs),
              STBF_PORT_IN_PROGRESS);
    stbf_sock accepted = STBF_SOCK_INVALID;
    ASSERT_EQ(p->tcp_accept(p->ctx, l, &accepted, nullptr), STBF_PORT_OK);  // room again at 2 s
    p->watch(p->ctx, second, STBF_WRITABLE, 0);
    EXPECT_EQ(wait_for(w, second, STBF_WRITABLE, 10'000 * kMs), STBF_WRITABLE);
    EXPECT_EQ(w.now(), 3000 * kMs);  // the retry at 1 s + 2 s found room
    EXPECT_EQ(p->tcp_connect_result(p->ctx, second), STBF_PORT_OK);
}

TEST_F(SimNetwork, ClosingAListenerResetsUnacceptedConnections) {
    const stbf_sock l = listen_on("127.0.0.1", 20000);
    stbf_sock c = STBF_SOCK_INVALID;
    ASSERT_EQ(connect_and_wait(w, addr("127.0.0.1", 20000), &c, 1000 * kMs), STBF_PORT_OK);
    w.advance(1 * kMs);
    p->tcp_close(p->ctx, l);
    p->watch(p->ctx, c, STBF_READABLE, 0);
    EXPECT_EQ(wait_for(w, c, STBF_READABLE, w.now() + 1000 * kMs), STBF_READABLE);
    std::vector<uint8_t> got;
    EXPECT_EQ(read_all(w, c, got), STBF_PORT_RESET);
}

TEST_F(SimNetwork, HandlesAreLowestFreeAndForeignHandlesAreInvalid) {
    auto& server = w.add_server("10.0.0.1", 12000, ServerBehaviour::cccam());
    (void)server;
    stbf_sock a = STBF_SOCK_INVALID, b = STBF_SOCK_INVALID;
    const stbf_sock l = listen_on("127.0.0.1", 20000);
    stbf_addr to = addr("10.0.0.1", 12000);
    ASSERT_EQ(p->tcp_connect(p->ctx, &to, &a), STBF_PORT_IN_PROGRESS);
    ASSERT_EQ(p->tcp_connect(p->ctx, &to, &b), STBF_PORT_IN_PROGRESS);
    p->tcp_close(p->ctx, a);
    stbf_sock again = STBF_SOCK_INVALID;
    ASSERT_EQ(p->tcp_connect(p->ctx, &to, &again), STBF_PORT_IN_PROGRESS);
    EXPECT_EQ(again, a);
    // Socket 0 is the scripted server's listener: not the code under test's to touch.
    ASSERT_FALSE(w.network().owned_by(0, nullptr));
    stbf_sock out = STBF_SOCK_INVALID;
    EXPECT_EQ(p->tcp_accept(p->ctx, 0, &out, nullptr), STBF_PORT_INVALID);
    EXPECT_EQ(p->watch(p->ctx, 0, STBF_READABLE, 0), STBF_PORT_INVALID);
    EXPECT_EQ(p->watch(p->ctx, 999, STBF_READABLE, 0), STBF_PORT_INVALID);
    const size_t open_before = w.network().open_sockets();
    p->tcp_close(p->ctx, 0);  // ignored: not the caller's socket
    EXPECT_EQ(w.network().open_sockets(), open_before);
    p->tcp_close(p->ctx, STBF_SOCK_INVALID);  // no-op
    p->tcp_close(p->ctx, l);
    p->tcp_close(p->ctx, b);
    p->tcp_close(p->ctx, again);
    EXPECT_EQ(w.network().open_port_sockets(), 0u);
}

TEST_F(SimNetwork, ClosedConnectionsAreForgotten) {
    auto& server = w.add_server("10.0.0.1", 12000, ServerBehaviour::cccam());
    server.set_latency_us(5 * kMs);
    for (int i = 0; i < 20; ++i) {
        stbf_sock s = STBF_SOCK_INVALID;
        ASSERT_EQ(connect_and_wait(w, addr("10.0.0.1", 12000), &s, w.now() + 1000 * kMs),
                  STBF_PORT_OK);
        if (i % 2 == 0) w.advance(50 * kMs);  // greeting unread half of the time: close sends RST
        p->tcp_close(p->ctx, s);
    }
    w.advance(1000 * kMs);
    EXPECT_EQ(server.active_connections(), 0u);  // the server saw every close
    EXPECT_EQ(w.network().tracked_connections(), 0u);
    EXPECT_EQ(w.network().open_sockets(), 1u);  // only the server's listener
}

// Seeded random operations in every socket state (connecting, open, half-closed, reset, with
// servers dying and flapping underneath): nothing crashes (ASan/UBSan builds), the port's
// statuses stay within the contract, and once everything is closed the network forgets it all.
TEST_F(SimNetwork, RandomOperationsKeepTheModelConsistent) {
    Random rng(2024);
    w.network().set_buffer_sizes(300, 200);
    Server* servers[3] = {
        &w.add_server("10.0.0.1", 12000, ServerBehaviour::cccam().with_reply(700, 3 * kMs)),
        &w.add_server("10.0.0.2", 12000, ServerBehaviour::reset_on_accept()),
        &w.add_server("10.0.0.3", 12000, ServerBehaviour::hang()),
    };
    servers[0]->set_latency_us(2 * kMs);
    servers[1]->set_latency_us(1 * kMs);
    const stbf_sock l = listen_on("127.0.0.1", 20000);
    ClientScript script;
    script.keepalive_every_us = 7 * kMs;
    script.reconnect_after_close_us = 5 * kMs;
    script.reconnect_after_failure_us = 5 * kMs;
    script.max_connects = 40;
    w.add_client("127.0.0.1", 20000, script);
    w.add_client("10.0.0.1", 12000, script);

    std::vector<stbf_sock> mine;
    uint8_t buf[512] = {};
    for (int step = 0; step < 3000; ++step) {
        const uint64_t r = rng.next();
        const size_t pick = mine.empty() ? 0 : static_cast<size_t>(r >> 16) % mine.size();
        switch (r % 9) {
            case 0: {
                stbf_addr to =
                    addr(r & 0x100 ? "10.0.0.1" : (r & 0x200 ? "10.0.0.2" : "10.0.0.3"), 12000);
                stbf_sock s = STBF_SOCK_INVALID;
                if (p->tcp_connect(p->ctx, &to, &s) == STBF_PORT_IN_PROGRESS) mine.push_back(s);
                break;
            }
            case 1: {
                stbf_sock s = STBF_SOCK_INVALID;
                if (p->tcp_accept(p->ctx, l, &s, nullptr) == STBF_PORT_OK) mine.push_back(s);
                break;
            }
            case 2:
            case 3:
                if (!mine.empty()) {
                    size_t sent = 0;
                    const stbf_port_status st =
                        p->tcp_send(p->ctx, mine[pick], buf, 1 + r % 400, &sent);
                    EXPECT_TRUE(st == STBF_PORT_OK || st == STBF_PORT_WOULD_BLOCK ||
                                st == STBF_PORT_RESET)
                        << st;
                }
                break;
            case 4:
            case 5:
                if (!mine.empty()) {
                    size_t got = 0;
                    const stbf_port_status st =
                        p->tcp_recv(p->ctx, mine[pick], buf, sizeof buf, &got);
                    EXPECT_TRUE(st == STBF_PORT_OK || st == STBF_PORT_WOULD_BLOCK ||
                                st == STBF_PORT_RESET || st == STBF_PORT_CLOSED)
                        << st;
                    EXPECT_EQ(got > 0, st == STBF_PORT_OK);
                }
                break;
            case 6:
                if (!mine.empty()) {
                    p->tcp_close(p->ctx, mine[pick]);
                    mine.erase(mine.begin() + static_cast<ptrdiff_t>(pick));
                }
                break;
            case 7: {
                Server& s = *servers[(r >> 8) % 3];
                if (s.state() == ServerState::Down) {
                    s.start();
                } else {
                    s.kill(r & 0x10 ? CloseHow::Rst : CloseHow::Fin);
                }
                break;
            }
            case 8:
                w.advance(r % (3 * kMs));
                break;
        }
    }
    for (stbf_sock s : mine) p->tcp_close(p->ctx, s);
    for (Server* s : servers) s->kill();
    p->tcp_close(p->ctx, l);
    w.advance(10'000 * kMs);  // clients run out of connects; everything in flight lands
    EXPECT_EQ(w.network().open_port_sockets(), 0u);
    EXPECT_EQ(w.network().open_sockets(), 0u);
    EXPECT_EQ(w.network().tracked_connections(), 0u);
}

TEST_F(SimNetwork, BadArgumentsAreInvalid) {
    const Connected pr = loopback_pair();
    const stbf_sock l = pr.listener, c = pr.client;
    uint8_t buf[4] = {1, 2, 3, 4};
    size_t n = 0;
    EXPECT_EQ(p->tcp_send(p->ctx, c, buf, 0, &n), STBF_PORT_INVALID);
    EXPECT_EQ(p->tcp_recv(p->ctx, c, buf, 0, &n), STBF_PORT_INVALID);
    EXPECT_EQ(p->tcp_send(p->ctx, l, buf, 4, &n), STBF_PORT_INVALID);
    EXPECT_EQ(p->tcp_connect_result(p->ctx, l), STBF_PORT_INVALID);
    EXPECT_EQ(p->watch(p->ctx, c, 0x80, 0), STBF_PORT_INVALID);
    stbf_addr zero_port = addr("10.0.0.1", 0);
    stbf_sock s = STBF_SOCK_INVALID;
    EXPECT_EQ(p->tcp_connect(p->ctx, &zero_port, &s), STBF_PORT_INVALID);
    EXPECT_EQ(p->tcp_accept(p->ctx, l, &s, nullptr), STBF_PORT_WOULD_BLOCK);
}

}  // namespace
}  // namespace stbf::sim
