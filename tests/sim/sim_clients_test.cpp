// Scripted clients (softcam stand-ins) against a listener of the code under test.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "sim_test_support.h"
#include "stbf/sim.h"
#include "stbf/sim/clients.h"

namespace stbf::sim {
namespace {

constexpr uint64_t kMs = 1000;
constexpr uint64_t kSec = 1000 * kMs;
using K = ClientEventKind;

// A minimal stand-in for the code under test: listens on 127.0.0.1:20000 through the port,
// accepts, records when bytes arrive, optionally greets, answers or closes.
struct TinyService {
    World& w;
    const stbf_port* p;
    stbf_sock listener = STBF_SOCK_INVALID;
    std::vector<uint8_t> greeting;
    bool answer = false;
    bool close_on_accept = false;
    std::vector<std::pair<stbf_time_us, size_t>> arrivals;
    std::map<stbf_sock, bool> open;
    unsigned closed_by_peer = 0;

    explicit TinyService(World& world) : w(world), p(world.port()) {
        stbf_addr a = addr("127.0.0.1", 20000);
        EXPECT_EQ(p->tcp_listen(p->ctx, &a, &listener), STBF_PORT_OK);
        p->watch(p->ctx, listener, STBF_READABLE, 0);
    }

    // Serve until `until` (bounded by the number of polls).
    void run(stbf_time_us until) {
        for (int i = 0; i < 100000 && w.now() < until; ++i) {
            stbf_event ev[8];
            const size_t n = p->poll(p->ctx, until, ev, 8);
            for (size_t k = 0; k < n; ++k) handle(ev[k].sock);
        }
    }

    void handle(stbf_sock s) {
        if (s == listener) {
            stbf_sock c = STBF_SOCK_INVALID;
            while (p->tcp_accept(p->ctx, listener, &c, nullptr) == STBF_PORT_OK) {
                if (close_on_accept) {
                    p->tcp_close(p->ctx, c);
                    continue;
                }
                open[c] = true;
                p->watch(p->ctx, c, STBF_READABLE, 0);
                size_t sent = 0;
                if (!greeting.empty())
                    p->tcp_send(p->ctx, c, greeting.data(), greeting.size(), &sent);
            }
            return;
        }
        std::vector<uint8_t> got;
        const stbf_port_status st = testing::read_all(w, s, got);
        if (!got.empty()) {
            arrivals.emplace_back(w.now(), got.size());
            size_t sent = 0;
            if (answer) p->tcp_send(p->ctx, s, got.data(), got.size(), &sent);
        }
        if (st != STBF_PORT_OK) {
            ++closed_by_peer;
            open.erase(s);
            p->tcp_close(p->ctx, s);
        }
    }
};

TEST(SimClients, SendsOnScheduleAndKeepsAlive) {
    World w(1, 0);
    w.set_host_latency_us("127.0.0.1", 1 * kMs);
    TinyService svc(w);
    ClientScript script;
    script.start_at_us = 1 * kSec;
    script.sends.push_back({100 * kMs, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}});
    script.keepalive_every_us = 15 * kSec;
    Client& c = w.add_client("127.0.0.1", 20000, script);
    svc.run(47 * kSec);
    const stbf_time_us up = 1 * kSec + 2 * kMs;  // one RTT after the connect
    EXPECT_EQ(c.times_of(K::Connected), (std::vector<stbf_time_us>{up}));
    EXPECT_EQ(c.times_of(K::Sent), (std::vector<stbf_time_us>{up + 100 * kMs, up + 15 * kSec,
                                                               up + 30 * kSec, up + 45 * kSec}));
    ASSERT_EQ(svc.arrivals.size(), 4u);
    EXPECT_EQ(svc.arrivals[0], (std::pair<stbf_time_us, size_t>{up + 101 * kMs, 12}));
    EXPECT_EQ(svc.arrivals[3], (std::pair<stbf_time_us, size_t>{up + 45 * kSec + 1 * kMs, 4}));
}

TEST(SimClients, ReconnectsAfterRefusedUpToTheLimit) {
    World w(1, 0);
    ClientScript script;
    script.reconnect_after_failure_us = 500 * kMs;
    script.max_connects = 3;
    Client& c = w.add_client("127.0.0.1", 20000, script);
    w.run_until(10 * kSec);
    EXPECT_EQ(c.timeline(),
              "0 connecting\n0 refused\n"
              "500000 connecting\n500000 refused\n"
              "1000000 connecting\n1000000 refused\n");
    EXPECT_EQ(c.connects(), 3u);
}

TEST(SimClients, FailedConnectsBackOffLikeTheSoftcam) {
    World w(1, 0);
    ClientScript script;
    script.reconnect_after_failure_us = 100 * kMs;  // x4 from 100 ms up to 60 s
    script.failure_backoff_factor = 4;
    script.reconnect_after_failure_max_us = 60 * kSec;
    script.max_connects = 7;
    Client& c = w.add_client("127.0.0.1", 20000, script);
    w.run_until(200 * kSec);
    EXPECT_EQ(c.times_of(K::Connecting),
              (std::vector<stbf_time_us>{0, 100 * kMs, 500 * kMs, 2100 * kMs, 8500 * kMs,
                                         34'100 * kMs, 94'100 * kMs}));
    EXPECT_EQ(c.count(K::Refused), 7u);
}

TEST(SimClients, ReconnectsAfterTheServiceCloses) {
    World w(1, 0);
    TinyService svc(w);
    svc.close_on_accept = true;
    ClientScript script;
    script.reconnect_after_close_us = 200 * kMs;
    script.max_connects = 3;
    Client& c = w.add_client("127.0.0.1", 20000, script);
    svc.run(2 * kSec);
    EXPECT_EQ(c.times_of(K::Closed), (std::vector<stbf_time_us>{0, 200 * kMs, 400 * kMs}));
    EXPECT_EQ(c.connects(), 3u);
    EXPECT_FALSE(c.connected());
}

TEST(SimClients, LogsMissingRepliesOnly) {
    World w(1, 0);
    TinyService svc(w);
    ClientScript script;
    script.sends.push_back({1 * kSec, {1, 2, 3, 4}});
    script.expect_reply_within_us = 2 * kSec;
    Client& c = w.add_client("127.0.0.1", 20000, script);
    svc.run(5 * kSec);
    EXPECT_EQ(c.times_of(K::NoReply), (std::vector<stbf_time_us>{3 * kSec}));

    World w2(1, 0);
    TinyService echo(w2);
    echo.answer = true;
    Client& c2 = w2.add_client("127.0.0.1", 20000, script);
    echo.run(5 * kSec);
    EXPECT_EQ(c2.count(K::NoReply), 0u);
    EXPECT_EQ(c2.received(), (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(SimClients, GreetingInTimeIsAccepted) {
    World w(1, 0);
    TinyService svc(w);
    svc.greeting = cccam_greeting();
    ClientScript script;
    script.greeting_size = 16;
    script.greeting_timeout_us = 2 * kSec;
    Client& c = w.add_client("127.0.0.1", 20000, script);
    svc.run(5 * kSec);
    EXPECT_EQ(c.count(K::GreetingTimeout), 0u);
    EXPECT_TRUE(c.connected());
    EXPECT_EQ(c.received(), cccam_greeting());
    EXPECT_EQ(c.total_received(), 16u);
}

TEST(SimClients, CloseByTheTestEndsWithoutReconnect) {
    World w(1, 0);
    TinyService svc(w);
    ClientScript script;
    script.reconnect_after_close_us = 0;
    Client& c = w.add_client("127.0.0.1", 20000, script);
    w.at(1 * kSec, [&] { c.close(); });
    svc.run(3 * kSec);
    EXPECT_EQ(c.timeline(), "0 connecting\n0 connected\n1000000 closed-by-client\n");
    EXPECT_EQ(svc.closed_by_peer, 1u);  // the service saw end of stream
    c.connect();                        // an explicit connect still works
    svc.run(4 * kSec);
    EXPECT_TRUE(c.connected());
    EXPECT_EQ(c.connects(), 2u);
}

TEST(SimClients, BlackholedTargetTimesOut) {
    World w(1, 0);
    w.set_path("10.9.9.9", Path::Blackhole);
    Client& c = w.add_client("10.9.9.9", 12000, {});
    w.run_until(200 * kSec);
    EXPECT_EQ(c.timeline(), "0 connecting\n127000000 connect-timeout\n");
}

TEST(SimClients, SendWhileNotConnectedIsDropped) {
    World w(1, 0);
    Client& c = w.add_client("127.0.0.1", 20000, {});
    c.send({1});
    w.run_until(1 * kSec);
    EXPECT_EQ(c.count(K::Sent), 0u);
}

}  // namespace
}  // namespace stbf::sim
