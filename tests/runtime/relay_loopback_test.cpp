// The relay on real sockets: the runtime on the POSIX port between a client and an echo
// upstream on loopback, with the zero-copy path (tcp_splice) and the portable copy path. Checks
// byte order in bulk, back-pressure when the upstream stops reading, partial writes towards a
// slow client, and the end of a session the client half-closes. Every loop is bounded in
// rounds and wall time; only 127.0.0.1 is used.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "stbf/engine.h"
#include "stbf/posix_port.h"
#include "stbf/runtime.h"

namespace stbf::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kWallLimit = std::chrono::seconds(60);  // generous: the machine may be busy

uint8_t pattern(size_t i) {
    return static_cast<uint8_t>((i * 131 + i / 251) & 0xff);
}

// Echo upstream on 127.0.0.1 (blocking sockets, one thread per connection). While `paused` it
// reads nothing, so its receive buffer and then the relay's fill up.
class EchoUpstream {
  public:
    EchoUpstream() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(::listen(listener_, 64), 0);
        socklen_t len = sizeof a;
        getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~EchoUpstream() {
        stop_ = true;
        acceptor_.join();
        for (std::thread& t : workers_) t.join();
        ::close(listener_);
    }
    uint16_t port() const { return port_; }
    size_t bytes_in() const { return bytes_in_; }
    bool saw_eof() const { return eofs_ > 0; }
    std::atomic<bool> paused{false};

  private:
    void accept_loop() {
        while (!stop_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            std::lock_guard<std::mutex> lock(mutex_);
            workers_.emplace_back([this, fd] { echo(fd); });
        }
    }
    void echo(int fd) {
        std::vector<uint8_t> buf(65536);
        while (!stop_) {
            if (paused) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                continue;
            }
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
            if (n <= 0) {
                if (n == 0) eofs_++;
                break;
            }
            bytes_in_ += static_cast<size_t>(n);
            for (ssize_t off = 0; off < n && !stop_;) {
                ssize_t w =
                    ::send(fd, buf.data() + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
                if (w <= 0) break;
                off += w;
            }
        }
        ::close(fd);
    }

    int listener_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<size_t> bytes_in_{0};  // word-sized: MIPS32 has no lock-free 64-bit atomics
    std::atomic<int> eofs_{0};
    std::mutex mutex_;
    std::thread acceptor_;
    std::vector<std::thread> workers_;
};

class RelayLoopback : public ::testing::TestWithParam<bool> {
  protected:
    void SetUp() override {
        PosixPortOptions o;
        o.splice = GetParam();
        o.log_level = STBF_LOG_WARNING;
        port_ = PosixPort::create(o);
        ASSERT_NE(port_, nullptr);
        engine_ = std::make_unique<DefaultEngine>();
        runtime_ = std::make_unique<DefaultRuntime>(*engine_, port_->table());
        config_ = std::make_unique<Config>();
        config_->seed = 5;
        ServerConfig& s = config_->servers[config_->server_count++];
        s.label.assign("echo");
        s.host.assign("127.0.0.1");
        s.port = upstream_.port();
        s.protocol = Protocol::Tcp;  // no greeting: the relay starts once connected
        s.probe = ProbeKind::Tcp;
        GroupConfig& g = config_->groups[config_->group_count++];
        g.name.assign("line");
        g.listen_port = 0;
        g.slots = 1;
        g.session.hang_timeout_ms = 0;  // the back-pressure test stalls the upstream on purpose
        g.servers[g.server_count++] = 0;
        ASSERT_EQ(runtime_->init(*config_, runtime_->now()), Status::Ok);
        stbf_addr where{};
        ASSERT_TRUE(runtime_->listener_address(0, &where));
        client_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(where.port);
        ::connect(client_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        // Relay until the session is live (its upstream connected).
        ASSERT_TRUE(run_until([&] { return engine_->group_status(0).active != kNoServer; }));
    }
    void TearDown() override {
        if (client_ >= 0) ::close(client_);
        if (runtime_) runtime_->shutdown();
    }

    template <class Pred>
    bool run_until(Pred done, int max_rounds = 2'000'000) {
        const auto limit = Clock::now() + kWallLimit;
        for (int i = 0; i < max_rounds && Clock::now() < limit; ++i) {
            if (done()) return true;
            EXPECT_EQ(runtime_->step(200), Status::Ok);
        }
        return done();
    }

    // Sends what the socket takes of data[from..]; returns the new offset.
    size_t send_some(const std::vector<uint8_t>& data, size_t from) {
        if (from >= data.size()) return from;
        ssize_t n =
            ::send(client_, data.data() + from, data.size() - from, MSG_NOSIGNAL | MSG_DONTWAIT);
        return n > 0 ? from + static_cast<size_t>(n) : from;
    }
    // Reads up to `cap` bytes into `got`.
    void read_some(std::vector<uint8_t>* got, size_t cap = 1 << 20) {
        uint8_t buf[65536];
        const size_t want = cap < sizeof buf ? cap : sizeof buf;
        ssize_t n = ::recv(client_, buf, want, MSG_DONTWAIT);
        if (n > 0) got->insert(got->end(), buf, buf + n);
    }
    static size_t first_mismatch(const std::vector<uint8_t>& got) {
        for (size_t i = 0; i < got.size(); ++i)
            if (got[i] != pattern(i)) return i;
        return got.size();
    }

    EchoUpstream upstream_;
    std::unique_ptr<PosixPort> port_;
    std::unique_ptr<DefaultEngine> engine_;
    std::unique_ptr<DefaultRuntime> runtime_;
    std::unique_ptr<Config> config_;
    int client_ = -1;
};

TEST_P(RelayLoopback, BulkBothWaysArrivesCompleteAndInOrder) {
    std::vector<uint8_t> data(8u << 20);
    for (size_t i = 0; i < data.size(); ++i) data[i] = pattern(i);
    std::vector<uint8_t> got;
    got.reserve(data.size());
    size_t sent = 0;
    ASSERT_TRUE(run_until([&] {
        sent = send_some(data, sent);
        read_some(&got);
        return got.size() >= data.size();
    })) << "echoed "
        << got.size() << " of " << data.size();
    EXPECT_EQ(got.size(), data.size());
    EXPECT_EQ(first_mismatch(got), got.size()) << "bytes out of order or corrupted";
    EXPECT_EQ(runtime_->counters().bytes_up, data.size());
    EXPECT_EQ(runtime_->counters().bytes_down, data.size());
    if (GetParam())
        EXPECT_GT(runtime_->counters().spliced, 0u) << "bulk never took the zero-copy path";
    else
        EXPECT_EQ(runtime_->counters().spliced, 0u);
}

TEST_P(RelayLoopback, StalledUpstreamStopsTheRelayReadingAndLosesNothing) {
    upstream_.paused = true;
    std::vector<uint8_t> data(16u << 20);  // more than loopback buffers hold on the way
    for (size_t i = 0; i < data.size(); ++i) data[i] = pattern(i);
    size_t sent = 0;
    // Flood until the client cannot send any more for a while: everything on the way is full.
    auto quiet_since = Clock::now();
    ASSERT_TRUE(run_until([&] {
        const size_t before = sent;
        sent = send_some(data, sent);
        if (sent != before) quiet_since = Clock::now();
        return sent == data.size() || Clock::now() - quiet_since > std::chrono::milliseconds(300);
    }));
    ASSERT_LT(sent, data.size()) << "nothing pushed back: the relay buffers without bound";
    const uint64_t read_by_relay = runtime_->counters().bytes_up;
    for (int i = 0; i < 200; ++i) ASSERT_EQ(runtime_->step(1000), Status::Ok);
    EXPECT_EQ(runtime_->counters().bytes_up, read_by_relay)
        << "the relay kept reading although its upstream took nothing";
    EXPECT_TRUE(engine_->group_status(0).active != kNoServer);

    // The upstream resumes; the client reads in small bites (partial writes towards it).
    upstream_.paused = false;
    std::vector<uint8_t> got;
    ASSERT_TRUE(run_until([&] {
        sent = send_some(data, sent);
        read_some(&got, 9000);
        return got.size() >= data.size();
    })) << "echoed "
        << got.size() << " of " << data.size();
    EXPECT_EQ(first_mismatch(got), got.size());
    EXPECT_EQ(upstream_.bytes_in(), data.size());
}

TEST_P(RelayLoopback, ClientHalfCloseIsPassedOnAndTheAnswerStillArrives) {
    std::vector<uint8_t> data(300000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = pattern(i);
    size_t sent = 0;
    std::vector<uint8_t> got;
    ASSERT_TRUE(run_until([&] {
        sent = send_some(data, sent);
        read_some(&got);
        return sent == data.size();
    }));
    ::shutdown(client_, SHUT_WR);  // FIN: the client has said everything
    ASSERT_TRUE(run_until([&] {
        read_some(&got);
        return runtime_->open_sessions() == 0 && upstream_.saw_eof();
    }));
    // What the relay delivered before closing may still sit in the client's socket.
    for (int i = 0; i < 10000 && got.size() < data.size(); ++i) {
        read_some(&got);
        if (got.size() < data.size()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    EXPECT_EQ(upstream_.bytes_in(), data.size()) << "bytes before the FIN were lost";
    // The upstream answered everything after the client's FIN: the whole echo arrived.
    EXPECT_EQ(got.size(), data.size());
    EXPECT_EQ(first_mismatch(got), got.size());
}

TEST_P(RelayLoopback, HalfClosedSessionToASilentUpstreamDoesNotLinger) {
    // An upstream that never answers the FIN (hung) must not keep the session's place.
    upstream_.paused = true;
    const uint8_t hello[] = {1, 2, 3, 4};
    ASSERT_EQ(::send(client_, hello, sizeof hello, MSG_NOSIGNAL), 4);
    ASSERT_TRUE(run_until([&] { return runtime_->counters().bytes_up == 4; }));
    ::shutdown(client_, SHUT_WR);
    const auto t0 = Clock::now();
    ASSERT_TRUE(run_until([&] { return runtime_->open_sessions() == 0; }));
    EXPECT_LT(Clock::now() - t0, std::chrono::seconds(30));
    // The upstream may have echoed the 4 bytes just before it stalled; nothing else arrives.
    std::vector<uint8_t> got;
    read_some(&got);
    EXPECT_TRUE(got.empty() || got == std::vector<uint8_t>(hello, hello + 4));
}

INSTANTIATE_TEST_SUITE_P(Paths, RelayLoopback, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& p) {
                             return p.param ? std::string("Splice") : std::string("Copy");
                         });

}  // namespace
}  // namespace stbf::test
