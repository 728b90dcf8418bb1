// Port contract tests (port.h), written once and run against every port through its harness
// (port_harness.h). Waiting is done by pumping the port's poll, bounded in rounds.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "port_harness.h"

namespace stbf::test {
namespace {

constexpr int kMaxRounds = 400;         // pumps per wait: 400 x 5 ms = 2 s at most on real time
constexpr stbf_time_us kPumpUs = 5000;  // one pump waits at most this long

class PortContract : public ::testing::Test {
  protected:
    void SetUp() override {
        harness_ = make_port_harness();
        port_ = &harness_->port();
    }
    void TearDown() override {
        for (stbf_sock s : opened_) port_->tcp_close(port_->ctx, s);
    }

    // One poll round; its events replace the previous round's.
    void pump(stbf_time_us wait_us = kPumpUs) {
        stbf_event buf[32];
        size_t n = port_->poll(port_->ctx, port_->now(port_->ctx) + wait_us, buf, 32);
        ASSERT_LE(n, 32u);
        events_.assign(buf, buf + n);
    }

    template <class Pred>
    bool eventually(Pred pred) {
        for (int i = 0; i < kMaxRounds; ++i) {
            if (pred()) return true;
            pump();
        }
        return pred();
    }

    bool saw(stbf_sock s, unsigned bit) const {
        for (const stbf_event& e : events_)
            if (e.kind == STBF_EVENT_SOCKET && e.sock == s && (e.ready & bit) != 0) return true;
        return false;
    }
    // Tag of the latest event for socket `s` in this round; `none` if there was none.
    uint32_t tag_of(stbf_sock s, uint32_t none = 0xdeadbeefu) const {
        uint32_t tag = none;
        for (const stbf_event& e : events_)
            if (e.kind == STBF_EVENT_SOCKET && e.sock == s) tag = e.tag;
        return tag;
    }
    bool saw_resolved(uint32_t request) const {
        for (const stbf_event& e : events_)
            if (e.kind == STBF_EVENT_RESOLVED && e.request == request) return true;
        return false;
    }

    stbf_sock remember(stbf_sock s) {
        opened_.push_back(s);
        return s;
    }
    void close_sock(stbf_sock s) {
        port_->tcp_close(port_->ctx, s);
        for (size_t i = 0; i < opened_.size(); ++i)
            if (opened_[i] == s) opened_.erase(opened_.begin() + static_cast<long>(i));
    }

    stbf_sock listen_any() {
        stbf_addr local = harness_->listen_addr();
        stbf_sock s = STBF_SOCK_INVALID;
        EXPECT_EQ(port_->tcp_listen(port_->ctx, &local, &s), STBF_PORT_OK);
        return remember(s);
    }

    // Connects the port to `to`; returns the final outcome (immediate or via WRITABLE).
    stbf_port_status connect_and_wait(const stbf_addr& to, stbf_sock* out) {
        *out = STBF_SOCK_INVALID;
        stbf_port_status st = port_->tcp_connect(port_->ctx, &to, out);
        if (st != STBF_PORT_IN_PROGRESS) {
            if (st == STBF_PORT_OK) remember(*out);
            return st;
        }
        remember(*out);
        EXPECT_EQ(port_->watch(port_->ctx, *out, STBF_WRITABLE, 0), STBF_PORT_OK);
        stbf_sock s = *out;
        EXPECT_TRUE(eventually([&] { return saw(s, STBF_WRITABLE); }));
        return port_->tcp_connect_result(port_->ctx, s);
    }

    // A connected pair: port socket `*mine` to a peer connection (returned).
    PeerId connected_to_peer(stbf_sock* mine) {
        stbf_addr where = harness_->peer_listen();
        EXPECT_EQ(connect_and_wait(where, mine), STBF_PORT_OK);
        PeerId peer = -1;
        EXPECT_TRUE(eventually([&] { return (peer = harness_->peer_accept()) >= 0; }));
        return peer;
    }

    // Receives exactly `want` bytes on the port side (bounded wait).
    std::vector<uint8_t> recv_exactly(stbf_sock s, size_t want) {
        std::vector<uint8_t> got;
        EXPECT_EQ(port_->watch(port_->ctx, s, STBF_READABLE, 0), STBF_PORT_OK);
        eventually([&] {
            uint8_t buf[256];
            size_t n = 0;
            while (got.size() < want &&
                   port_->tcp_recv(port_->ctx, s, buf, sizeof(buf), &n) == STBF_PORT_OK)
                got.insert(got.end(), buf, buf + n);
            return got.size() >= want;
        });
        return got;
    }

    // Port-side recv until something other than WOULD_BLOCK happens (bounded wait).
    stbf_port_status recv_outcome(stbf_sock s) {
        stbf_port_status st = STBF_PORT_WOULD_BLOCK;
        EXPECT_EQ(port_->watch(port_->ctx, s, STBF_READABLE, 0), STBF_PORT_OK);
        eventually([&] {
            uint8_t buf[64];
            size_t n = 0;
            st = port_->tcp_recv(port_->ctx, s, buf, sizeof(buf), &n);
            return st != STBF_PORT_WOULD_BLOCK;
        });
        return st;
    }

    // Resolves `host` and waits for the completion event; returns the take result.
    stbf_port_status resolve(const char* host, uint16_t port, std::vector<stbf_addr>* out) {
        uint32_t req = 0;
        EXPECT_EQ(port_->resolve_start(port_->ctx, host, port, 0, &req), STBF_PORT_OK);
        EXPECT_NE(req, 0u);
        EXPECT_TRUE(eventually([&] { return saw_resolved(req); })) << host;
        stbf_addr addrs[16];
        size_t count = 99;
        stbf_port_status st = port_->resolve_take(port_->ctx, req, addrs, 16, &count);
        EXPECT_LE(count, 16u);
        out->assign(addrs, addrs + (count <= 16 ? count : 0));
        return st;
    }

    std::unique_ptr<PortHarness> harness_;
    const stbf_port* port_ = nullptr;
    std::vector<stbf_event> events_;
    std::vector<stbf_sock> opened_;
};

TEST_F(PortContract, TableIsCompleteAndCurrentVersion) {
    EXPECT_EQ(port_->api_version, STBF_PORT_API_VERSION);
    EXPECT_TRUE(port_->now && port_->random && port_->log && port_->tcp_listen &&
                port_->tcp_accept && port_->tcp_connect && port_->tcp_connect_result &&
                port_->tcp_send && port_->tcp_recv && port_->tcp_close && port_->local_addr &&
                port_->watch && port_->poll && port_->resolve_start && port_->resolve_take &&
                port_->resolve_cancel);
}

TEST_F(PortContract, ListenOnPortZeroPicksAPortAndAcceptsAPeer) {
    stbf_sock l = listen_any();
    stbf_addr where{};
    ASSERT_EQ(port_->local_addr(port_->ctx, l, &where), STBF_PORT_OK);
    EXPECT_NE(where.port, 0);
    stbf_sock none = STBF_SOCK_INVALID;
    EXPECT_EQ(port_->tcp_accept(port_->ctx, l, &none, nullptr), STBF_PORT_WOULD_BLOCK);

    ASSERT_GE(harness_->peer_connect(where), 0);
    ASSERT_EQ(port_->watch(port_->ctx, l, STBF_READABLE, 0), STBF_PORT_OK);
    ASSERT_TRUE(eventually([&] { return saw(l, STBF_READABLE); }));
    stbf_sock c = STBF_SOCK_INVALID;
    stbf_addr peer{};
    ASSERT_EQ(port_->tcp_accept(port_->ctx, l, &c, &peer), STBF_PORT_OK);
    remember(c);
    EXPECT_GE(c, 0);
    EXPECT_NE(c, l);
    EXPECT_EQ(peer.family, 4);
    EXPECT_NE(peer.port, 0);
    EXPECT_EQ(port_->tcp_accept(port_->ctx, l, &none, nullptr), STBF_PORT_WOULD_BLOCK);
}

TEST_F(PortContract, ListenOnATakenAddressIsAddrInUse) {
    stbf_sock l = listen_any();
    stbf_addr where{};
    ASSERT_EQ(port_->local_addr(port_->ctx, l, &where), STBF_PORT_OK);
    stbf_sock second = STBF_SOCK_INVALID;
    EXPECT_EQ(port_->tcp_listen(port_->ctx, &where, &second), STBF_PORT_ADDR_IN_USE);
    EXPECT_EQ(second, STBF_SOCK_INVALID);
}

TEST_F(PortContract, ConnectToAListeningPeerSucceeds) {
    stbf_sock s = STBF_SOCK_INVALID;
    PeerId peer = connected_to_peer(&s);
    EXPECT_GE(s, 0);
    EXPECT_GE(peer, 0);
    EXPECT_EQ(port_->tcp_connect_result(port_->ctx, s), STBF_PORT_OK);
    stbf_addr local{};
    ASSERT_EQ(port_->local_addr(port_->ctx, s, &local), STBF_PORT_OK);
    EXPECT_NE(local.port, 0);
}

TEST_F(PortContract, ConnectWhereNothingListensIsRefused) {
    stbf_sock s = STBF_SOCK_INVALID;
    EXPECT_EQ(connect_and_wait(harness_->refused_addr(), &s), STBF_PORT_REFUSED);
}

TEST_F(PortContract, BytesTravelBothWaysUnchanged) {
    stbf_sock s = STBF_SOCK_INVALID;
    PeerId peer = connected_to_peer(&s);
    const uint8_t up[] = {0x00, 0x01, 0xfe, 0xff, 'h', 'i'};
    size_t sent = 0;
    ASSERT_EQ(port_->tcp_send(port_->ctx, s, up, sizeof(up), &sent), STBF_PORT_OK);
    EXPECT_EQ(sent, sizeof(up));
    std::vector<uint8_t> at_peer;
    ASSERT_TRUE(eventually([&] {
        uint8_t buf[64];
        long n = harness_->peer_recv(peer, buf, sizeof(buf));
        if (n > 0) at_peer.insert(at_peer.end(), buf, buf + n);
        return at_peer.size() >= sizeof(up);
    }));
    EXPECT_EQ(at_peer, std::vector<uint8_t>(up, up + sizeof(up)));

    const uint8_t down[] = {'c', 'c', 'c', 'a', 'm', 0x00, 0x80};
    ASSERT_EQ(harness_->peer_send(peer, down, sizeof(down)), static_cast<long>(sizeof(down)));
    EXPECT_EQ(recv_exactly(s, sizeof(down)), std::vector<uint8_t>(down, down + sizeof(down)));
}

TEST_F(PortContract, RecvWithNothingPendingWouldBlock) {
    stbf_sock s = STBF_SOCK_INVALID;
    connected_to_peer(&s);
    uint8_t buf[16];
    size_t got = 7;
    EXPECT_EQ(port_->tcp_recv(port_->ctx, s, buf, sizeof(buf), &got), STBF_PORT_WOULD_BLOCK);
    EXPECT_EQ(got, 0u);
}

TEST_F(PortContract, PeerCloseDeliversPendingBytesThenClosed) {
    stbf_sock s = STBF_SOCK_INVALID;
    PeerId peer = connected_to_peer(&s);
    const uint8_t bye[] = {'b', 'y', 'e'};
    ASSERT_EQ(harness_->peer_send(peer, bye, sizeof(bye)), 3);
    harness_->peer_close(peer);
    EXPECT_EQ(recv_exactly(s, 3), std::vector<uint8_t>(bye, bye + 3));
    EXPECT_EQ(recv_outcome(s), STBF_PORT_CLOSED);
}

TEST_F(PortContract, PeerResetIsResetAndSendingAfterwardsRaisesNoSignal) {
    stbf_sock s = STBF_SOCK_INVALID;
    PeerId peer = connected_to_peer(&s);
    harness_->peer_reset(peer);
    EXPECT_EQ(recv_outcome(s), STBF_PORT_RESET);
    const uint8_t x[] = {1, 2, 3};
    size_t sent = 9;
    // A process without MSG_NOSIGNAL would die of SIGPIPE here.
    EXPECT_EQ(port_->tcp_send(port_->ctx, s, x, sizeof(x), &sent), STBF_PORT_RESET);
    EXPECT_EQ(sent, 0u);
}

TEST_F(PortContract, PortCloseIsSeenByThePeer) {
    stbf_sock s = STBF_SOCK_INVALID;
    PeerId peer = connected_to_peer(&s);
    close_sock(s);
    long outcome = kPeerNothing;
    ASSERT_TRUE(eventually([&] {
        uint8_t buf[8];
        outcome = harness_->peer_recv(peer, buf, sizeof(buf));
        return outcome != kPeerNothing;
    }));
    EXPECT_EQ(outcome, kPeerEof);
}

TEST_F(PortContract, SlowReaderGivesBackPressureThenWritableAgain) {
    stbf_sock s = STBF_SOCK_INVALID;
    PeerId peer = connected_to_peer(&s);
    std::vector<uint8_t> chunk(16384);
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 7 + 3);
    size_t total = 0;
    stbf_port_status st = STBF_PORT_OK;
    for (int i = 0; i < 4096 && st == STBF_PORT_OK; ++i) {  // at most 64 MiB
        size_t sent = 0;
        st = port_->tcp_send(port_->ctx, s, chunk.data(), chunk.size(), &sent);
        if (st == STBF_PORT_OK) {
            EXPECT_GT(sent, 0u);
            total += sent;
        }
    }
    ASSERT_EQ(st, STBF_PORT_WOULD_BLOCK) << "no back-pressure after " << total << " bytes";
    ASSERT_EQ(port_->watch(port_->ctx, s, STBF_WRITABLE, 0), STBF_PORT_OK);

    size_t at_peer = 0;
    bool pattern_ok = true;
    ASSERT_TRUE(eventually([&] {
        uint8_t buf[65536];
        for (int i = 0; i < 64; ++i) {
            long n = harness_->peer_recv(peer, buf, sizeof(buf));
            if (n <= 0) break;
            for (long k = 0; k < n; ++k) {
                size_t pos = (at_peer + static_cast<size_t>(k)) % chunk.size();
                if (buf[k] != chunk[pos]) pattern_ok = false;
            }
            at_peer += static_cast<size_t>(n);
        }
        return at_peer == total;
    })) << at_peer
        << " of " << total;
    EXPECT_TRUE(pattern_ok);
    EXPECT_TRUE(eventually([&] { return saw(s, STBF_WRITABLE); }));
    size_t sent = 0;
    EXPECT_EQ(port_->tcp_send(port_->ctx, s, chunk.data(), 100, &sent), STBF_PORT_OK);
    EXPECT_EQ(sent, 100u);
}

TEST_F(PortContract, WatchIsLevelTriggeredAndZeroStopsReporting) {
    stbf_sock s = STBF_SOCK_INVALID;
    PeerId peer = connected_to_peer(&s);
    const uint8_t x[] = {42};
    ASSERT_EQ(harness_->peer_send(peer, x, 1), 1);
    ASSERT_EQ(port_->watch(port_->ctx, s, STBF_READABLE, 0), STBF_PORT_OK);
    ASSERT_TRUE(eventually([&] { return saw(s, STBF_READABLE); }));
    pump();  // not serviced: reported again
    EXPECT_TRUE(saw(s, STBF_READABLE));

    ASSERT_EQ(port_->watch(port_->ctx, s, 0, 0), STBF_PORT_OK);
    for (int i = 0; i < 5; ++i) {
        pump(1000);
        EXPECT_FALSE(saw(s, STBF_READABLE));
    }
    ASSERT_EQ(port_->watch(port_->ctx, s, STBF_READABLE, 0), STBF_PORT_OK);
    EXPECT_TRUE(eventually([&] { return saw(s, STBF_READABLE); }));

    uint8_t buf[4];
    size_t got = 0;
    ASSERT_EQ(port_->tcp_recv(port_->ctx, s, buf, sizeof(buf), &got), STBF_PORT_OK);
    EXPECT_EQ(got, 1u);
    EXPECT_EQ(buf[0], 42);
    pump(1000);  // serviced: no longer readable
    EXPECT_FALSE(saw(s, STBF_READABLE));
}

TEST_F(PortContract, UnknownHandlesAreInvalid) {
    stbf_sock l = listen_any();
    close_sock(l);
    uint8_t buf[4];
    size_t n = 0;
    stbf_addr a{};
    EXPECT_EQ(port_->tcp_recv(port_->ctx, l, buf, sizeof(buf), &n), STBF_PORT_INVALID);
    EXPECT_EQ(port_->tcp_send(port_->ctx, l, buf, sizeof(buf), &n), STBF_PORT_INVALID);
    EXPECT_EQ(port_->watch(port_->ctx, l, STBF_READABLE, 0), STBF_PORT_INVALID);
    EXPECT_EQ(port_->local_addr(port_->ctx, l, &a), STBF_PORT_INVALID);
    EXPECT_EQ(port_->watch(port_->ctx, 1 << 20, STBF_READABLE, 0), STBF_PORT_INVALID);
    port_->tcp_close(port_->ctx, STBF_SOCK_INVALID);  // a no-op, must not crash
}

TEST_F(PortContract, ClosedHandlesAreReused) {
    stbf_sock lowest = STBF_SOCK_INVALID, highest = STBF_SOCK_INVALID;
    for (int i = 0; i < 200; ++i) {
        stbf_sock l = listen_any();
        ASSERT_GE(l, 0);
        if (lowest == STBF_SOCK_INVALID || l < lowest) lowest = l;
        if (l > highest) highest = l;
        close_sock(l);
    }
    // 200 sockets opened one at a time reuse a handful of handles, not 200 new ones.
    EXPECT_LE(highest - lowest, 8);
}

TEST_F(PortContract, NumericNamesResolveWithoutLookup) {
    std::vector<stbf_addr> out;
    ASSERT_EQ(resolve("127.0.0.1", 15000, &out), STBF_PORT_OK);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].family, 4);
    EXPECT_EQ(out[0].port, 15000);
    const uint8_t lo4[] = {127, 0, 0, 1};
    EXPECT_EQ(std::memcmp(out[0].addr, lo4, 4), 0);

    ASSERT_EQ(resolve("::1", 15001, &out), STBF_PORT_OK);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].family, 6);
    EXPECT_EQ(out[0].port, 15001);
    uint8_t lo6[16] = {};
    lo6[15] = 1;
    EXPECT_EQ(std::memcmp(out[0].addr, lo6, 16), 0);
}

TEST_F(PortContract, LocalhostResolvesToLoopback) {
    std::vector<stbf_addr> out;
    ASSERT_EQ(resolve("localhost", 80, &out), STBF_PORT_OK);
    ASSERT_FALSE(out.empty());
    for (const stbf_addr& a : out) {
        EXPECT_EQ(a.port, 80);
        if (a.family == 4)
            EXPECT_EQ(a.addr[0], 127);
        else
            EXPECT_EQ(a.family, 6);
    }
}

TEST_F(PortContract, SocketEventsCarryTheTagOfTheLatestWatch) {
    // Version 2: the caller finds an event's owner by tag alone.
    stbf_sock a = STBF_SOCK_INVALID, b = STBF_SOCK_INVALID;
    PeerId pa = connected_to_peer(&a);
    // Not WRITABLE any more: an always-ready socket would keep a simulator's clock standing.
    ASSERT_EQ(port_->watch(port_->ctx, a, 0, 0), STBF_PORT_OK);
    PeerId pb = connected_to_peer(&b);
    const uint8_t x[] = {1};
    ASSERT_EQ(harness_->peer_send(pa, x, 1), 1);
    ASSERT_EQ(harness_->peer_send(pb, x, 1), 1);
    ASSERT_EQ(port_->watch(port_->ctx, a, STBF_READABLE, 0x80000001u), STBF_PORT_OK);
    ASSERT_EQ(port_->watch(port_->ctx, b, STBF_READABLE, 7u), STBF_PORT_OK);
    ASSERT_TRUE(eventually([&] { return saw(a, STBF_READABLE) && saw(b, STBF_READABLE); }));
    EXPECT_EQ(tag_of(a), 0x80000001u);
    EXPECT_EQ(tag_of(b), 7u);
    // Same interest, new tag (an attempt's socket becoming a session's): the new tag wins.
    ASSERT_EQ(port_->watch(port_->ctx, a, STBF_READABLE, 0x12345678u), STBF_PORT_OK);
    pump();  // a fresh round: the last one still holds the old tag
    ASSERT_TRUE(eventually([&] { return saw(a, STBF_READABLE); }));
    EXPECT_EQ(tag_of(a), 0x12345678u);
    EXPECT_EQ(tag_of(b), 7u);
}

TEST_F(PortContract, ResolutionEventsCarryTheirTag) {
    uint32_t first = 0, second = 0;
    ASSERT_EQ(port_->resolve_start(port_->ctx, "127.0.0.1", 1, 0x80000005u, &first), STBF_PORT_OK);
    ASSERT_EQ(port_->resolve_start(port_->ctx, "localhost", 2, 11u, &second), STBF_PORT_OK);
    uint32_t tag_first = 0, tag_second = 0;
    ASSERT_TRUE(eventually([&] {
        for (const stbf_event& e : events_) {
            if (e.kind != STBF_EVENT_RESOLVED) continue;
            EXPECT_EQ(e.sock, STBF_SOCK_INVALID);
            if (e.request == first) tag_first = e.tag;
            if (e.request == second) tag_second = e.tag;
        }
        return tag_first != 0 && tag_second != 0;
    }));
    EXPECT_EQ(tag_first, 0x80000005u);
    EXPECT_EQ(tag_second, 11u);
    stbf_addr out[8];
    size_t n = 0;
    EXPECT_EQ(port_->resolve_take(port_->ctx, first, out, 8, &n), STBF_PORT_OK);
    EXPECT_EQ(port_->resolve_take(port_->ctx, second, out, 8, &n), STBF_PORT_OK);
}

TEST_F(PortContract, SpliceWhereOfferedMovesBytesInOrderAndReportsEnd) {
    if (port_->tcp_splice == nullptr) GTEST_SKIP() << "port offers no tcp_splice (optional)";
    stbf_sock a = STBF_SOCK_INVALID, b = STBF_SOCK_INVALID;
    PeerId pa = connected_to_peer(&a);
    ASSERT_EQ(port_->watch(port_->ctx, a, 0, 0), STBF_PORT_OK);
    PeerId pb = connected_to_peer(&b);
    ASSERT_EQ(port_->watch(port_->ctx, b, 0, 0), STBF_PORT_OK);
    std::vector<uint8_t> data(3000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 13 + 1);
    ASSERT_EQ(harness_->peer_send(pa, data.data(), data.size()), static_cast<long>(data.size()));
    ASSERT_EQ(port_->watch(port_->ctx, a, STBF_READABLE, 0), STBF_PORT_OK);
    std::vector<uint8_t> got;
    size_t taken = 0, given = 0;
    stbf_splice_result r = {};
    ASSERT_TRUE(eventually([&] {
        EXPECT_EQ(port_->tcp_splice(port_->ctx, a, b, 65536, &r), STBF_PORT_OK);
        taken += r.taken;
        given += r.given;
        uint8_t buf[4096];
        long n = 0;
        while ((n = harness_->peer_recv(pb, buf, sizeof buf)) > 0)
            got.insert(got.end(), buf, buf + n);
        return got.size() >= data.size();
    }));
    EXPECT_EQ(got, data);
    EXPECT_EQ(taken, data.size());
    EXPECT_EQ(given, data.size());
    EXPECT_EQ(r.held, 0u);
    // Nothing left: a call moves nothing and says the source would block.
    ASSERT_EQ(port_->tcp_splice(port_->ctx, a, b, 65536, &r), STBF_PORT_OK);
    EXPECT_EQ(r.taken + r.given, 0u);
    EXPECT_EQ(r.from_status, STBF_PORT_WOULD_BLOCK);
    // The source's end of stream is reported as CLOSED.
    harness_->peer_close(pa);
    ASSERT_TRUE(eventually([&] {
        EXPECT_EQ(port_->tcp_splice(port_->ctx, a, b, 65536, &r), STBF_PORT_OK);
        return r.from_status == STBF_PORT_CLOSED;
    }));
    EXPECT_EQ(port_->tcp_splice(port_->ctx, a, a, 65536, &r), STBF_PORT_INVALID);
}

TEST_F(PortContract, UnknownNameIsNotFound) {
    std::vector<stbf_addr> out;
    EXPECT_EQ(resolve("nothing.invalid", 80, &out), STBF_PORT_NOT_FOUND);
    EXPECT_TRUE(out.empty());
}

TEST_F(PortContract, CancelledResolutionIsNeverReported) {
    uint32_t cancelled = 0, kept = 0;
    ASSERT_EQ(port_->resolve_start(port_->ctx, "127.0.0.1", 1, 0, &cancelled), STBF_PORT_OK);
    port_->resolve_cancel(port_->ctx, cancelled);
    ASSERT_EQ(port_->resolve_start(port_->ctx, "127.0.0.2", 2, 0, &kept), STBF_PORT_OK);
    EXPECT_NE(cancelled, kept);
    bool saw_cancelled = false;
    ASSERT_TRUE(eventually([&] {
        saw_cancelled = saw_cancelled || saw_resolved(cancelled);
        return saw_resolved(kept);
    }));
    for (int i = 0; i < 3; ++i) {  // a late completion would show up in the next rounds
        pump(1000);
        saw_cancelled = saw_cancelled || saw_resolved(cancelled) || saw_resolved(kept);
    }
    EXPECT_FALSE(saw_cancelled) << "cancelled or already reported request reported again";
    stbf_addr a[2];
    size_t n = 0;
    EXPECT_EQ(port_->resolve_take(port_->ctx, kept, a, 2, &n), STBF_PORT_OK);
    EXPECT_EQ(n, 1u);
}

TEST_F(PortContract, ClockNeverGoesBackAndPollWaitsForTheDeadline) {
    stbf_time_us prev = port_->now(port_->ctx);
    for (int i = 0; i < 10000; ++i) {
        stbf_time_us t = port_->now(port_->ctx);
        ASSERT_GE(t, prev);
        prev = t;
    }
    const stbf_time_us deadline = port_->now(port_->ctx) + 20000;
    stbf_event ev[4];
    int rounds = 0;
    // A port may return early with 0; it must not return events it does not have.
    while (port_->now(port_->ctx) < deadline && rounds < 1000) {
        EXPECT_EQ(port_->poll(port_->ctx, deadline, ev, 4), 0u);
        ++rounds;
    }
    EXPECT_GE(port_->now(port_->ctx), deadline);
    EXPECT_EQ(port_->poll(port_->ctx, 0, ev, 4), 0u);  // past deadline: just a check
}

TEST_F(PortContract, RandomBytesDiffer) {
    uint8_t a[32] = {}, b[32] = {};
    port_->random(port_->ctx, a, sizeof(a));
    port_->random(port_->ctx, b, sizeof(b));
    EXPECT_NE(std::memcmp(a, b, sizeof(a)), 0);
    uint8_t zero[32] = {};
    EXPECT_NE(std::memcmp(a, zero, sizeof(a)), 0);
}

}  // namespace
}  // namespace stbf::test
