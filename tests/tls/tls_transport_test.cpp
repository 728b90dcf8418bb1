// TlsTransport in the real relay runtime over the POSIX port: a softcam-like client connects to
// the group's local port, the runtime connects upstream through TLS, checks the CCcam greeting
// through TLS and relays bytes both ways. A refused certificate fails the attempt, the client
// never sees a byte, and the reason is kept. Loopback only; every loop is bounded.
#include "tls/tls_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "stbf/engine.h"
#include "stbf/runtime.h"
#include "tls_test_env.h"

namespace stbf::tls {
namespace {

using test::TestPki;

const Transport* select_tls(void* user, const ServerConfig&) {
    return static_cast<TlsTransport*>(user)->table();
}

class TlsRelayTest : public test::PortFixture {
protected:
    void TearDown() override {
        if (client_ >= 0) ::close(client_);
        if (runtime_) runtime_->shutdown();
    }

    // Starts a CCcam-like TLS upstream with `cert` and a runtime whose one server uses TLS with
    // `options`.
    void start(const std::string& cert, const TlsOptions& options, const char* mode = "cccam") {
        std::string error;
        ASSERT_TRUE(server_.start(mode, cert, ".", &error)) << error;
        TlsFailure failure = TlsFailure::None;
        transport_ = TlsTransport::create(*port_, options, &failure, &error);
        ASSERT_TRUE(transport_) << error;

        config_.reset(new Config);
        config_->seed = 1;
        ServerConfig& s = config_->servers[config_->server_count++];
        s.label.assign("tls-line");
        s.host.assign("127.0.0.1");
        s.port = server_.port();
        s.protocol = Protocol::Cccam;
        s.probe = ProbeKind::Cccam;
        GroupConfig& g = config_->groups[config_->group_count++];
        g.name.assign("tls");
        g.listen_port = 0;
        g.session.hang_timeout_ms = 500;
        g.servers[g.server_count++] = 0;

        engine_.reset(new DefaultEngine);
        runtime_.reset(new DefaultRuntime(*engine_, port_));
        runtime_->set_transport_selector(select_tls, transport_.get());
        ASSERT_EQ(runtime_->init(*config_, runtime_->now()), Status::Ok);
    }

    void connect_client() {
        stbf_addr local{};
        ASSERT_TRUE(runtime_->listener_address(0, &local));
        client_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(local.port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::connect(client_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    }

    // Runs the runtime in 10 ms steps until the client has `want` bytes or closed; at most 5 s.
    std::string client_read(size_t want, bool* closed) {
        std::string got;
        *closed = false;
        for (int round = 0; round < 500 && got.size() < want && !*closed; ++round) {
            runtime_->step(10 * 1000);
            char buf[256];
            ssize_t n = ::recv(client_, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) got.append(buf, static_cast<size_t>(n));
            else if (n == 0) *closed = true;
        }
        return got;
    }

    test::TestServer server_;
    std::unique_ptr<TlsTransport> transport_;
    std::unique_ptr<Config> config_;
    std::unique_ptr<DefaultEngine> engine_;
    std::unique_ptr<DefaultRuntime> runtime_;
    int client_ = -1;
};

bool valid_cccam_greeting(const std::string& g) {
    if (g.size() < 16) return false;
    for (int i = 0; i < 4; ++i) {
        auto b = [&](int k) { return static_cast<uint8_t>(g[static_cast<size_t>(k)]); };
        if (b(12 + i) != static_cast<uint8_t>(b(i) + b(4 + i) + b(8 + i))) return false;
    }
    return true;
}

TEST_F(TlsRelayTest, ClientGetsTheGreetingAndAnEchoThroughTls) {
    start("good", test::ca_options());
    connect_client();
    bool closed = false;
    std::string greeting = client_read(16, &closed);
    ASSERT_FALSE(closed);
    ASSERT_EQ(greeting.size(), 16u);
    EXPECT_TRUE(valid_cccam_greeting(greeting));
    const std::string login(46, 'L');  // any bytes: the relay moves them opaquely
    ASSERT_EQ(::send(client_, login.data(), login.size(), 0), static_cast<ssize_t>(login.size()));
    EXPECT_EQ(client_read(login.size(), &closed), login);
    // The session's connection stays; a health check of the server may still be on its own TLS
    // connection (under qemu a handshake takes seconds): let it finish, at most 5 s.
    for (int round = 0; round < 500 && transport_->open_connections() > 1; ++round)
        runtime_->step(10 * 1000);
    EXPECT_EQ(transport_->open_connections(), 1u);
    EXPECT_EQ(transport_->last_failure(), TlsFailure::None);
    EXPECT_GE(runtime_->counters().bytes_down, login.size());
}

TEST_F(TlsRelayTest, RefusedCertificateNeverReachesTheClientAndKeepsTheReason) {
    TlsOptions o = test::ca_options();
    o.ca_file.clear();
    o.pin_sha256 = TestPki::get().read("other.pin.b64");
    start("good", o);
    connect_client();
    bool closed = false;
    std::string got = client_read(16, &closed);
    EXPECT_TRUE(got.empty());
    EXPECT_TRUE(closed);  // the only server failed: the client is closed and will reconnect
    EXPECT_EQ(transport_->last_failure(), TlsFailure::PinMismatch);
    EXPECT_NE(transport_->last_failure_message().find("pin"), std::string::npos);
}

TEST_F(TlsRelayTest, HungServerBehindTlsIsCutSoTheClientReconnects) {
    start("good", test::ca_options(), "cccam-mute");
    connect_client();
    bool closed = false;
    ASSERT_EQ(client_read(16, &closed).size(), 16u);
    const std::string keepalive(4, 'K');
    ASSERT_EQ(::send(client_, keepalive.data(), keepalive.size(), 0), 4);
    // Unanswered bytes up: the engine's hang detection cuts the session (bounded wait: 5 s).
    std::string got = client_read(1, &closed);
    EXPECT_TRUE(got.empty());
    EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace stbf::tls
