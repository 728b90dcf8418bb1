// Control socket: the request dispatch, the unix socket server over the POSIX port (through
// RequestServer), the client, and the stale/live socket file rules.
#include "control.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "daemon_harness.h"
#include "stbf/posix_port.h"

namespace stbf::daemon {
namespace {

struct CountingHandlers {
    int status_calls = 0, json_calls = 0, reload_calls = 0;
    ControlHandlers handlers{[this](bool json) {
                                 (json ? json_calls : status_calls)++;
                                 return std::string(json ? "{\"version\":1}" : "TABLE\n");
                             },
                             [this] {
                                 reload_calls++;
                                 return std::string("ok generation 2");
                             }};
};

TEST(ControlAnswer, DispatchesTheThreeRequests) {
    CountingHandlers h;
    EXPECT_EQ(control_answer("status", h.handlers), "TABLE\n");
    EXPECT_EQ(control_answer("status json", h.handlers), "{\"version\":1}\n");
    EXPECT_EQ(control_answer("reload\r", h.handlers), "ok generation 2\n");
    EXPECT_EQ(h.status_calls, 1);
    EXPECT_EQ(h.json_calls, 1);
    EXPECT_EQ(h.reload_calls, 1);
}

TEST(ControlAnswer, UnknownRequestIsNamedWithoutControlBytes) {
    CountingHandlers h;
    std::string a = control_answer(std::string("sta\x1btus"), h.handlers);
    EXPECT_EQ(a, "error: unknown request 'sta?tus' (try status, status json, status events, reload)\n");
    EXPECT_EQ(h.status_calls + h.json_calls + h.reload_calls, 0);
}

class ControlServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        port_ = PosixPort::create({});
        ASSERT_TRUE(port_);
        path_ = dir_.file("ctl.sock");
        std::string error;
        int fd = open_control_socket(path_, &error);
        ASSERT_GE(fd, 0) << error;
        stbf_sock s = STBF_SOCK_INVALID;
        ASSERT_EQ(port_->adopt_fd(fd, &s), STBF_PORT_OK);
        server_.start(port_->table(), s);
    }

    // Serves until `done` or 5 s.
    void serve_until(const std::atomic<bool>& done) {
        const stbf_port* t = port_->table();
        for (int i = 0; i < 500 && !done; ++i) {
            stbf_event ev[8];
            size_t n = t->poll(t->ctx, t->now(t->ctx) + 10000, ev, 8);
            for (size_t k = 0; k < n; ++k)
                if (server_.owns(ev[k].sock)) server_.on_event(ev[k], t->now(t->ctx));
            server_.answer_pending();
        }
    }

    // Runs control_request on a thread while serving; returns the answer.
    std::string ask(const std::string& request, bool* ok) {
        std::atomic<bool> done{false};
        std::string answer, error;
        std::thread client([&] {
            *ok = control_request(path_, request, &answer, &error, 3000);
            done = true;
        });
        serve_until(done);
        client.join();
        return *ok ? answer : error;
    }

    test::TempDir dir_;
    std::unique_ptr<PosixPort> port_;
    std::string path_;
    CountingHandlers h_;
    ControlServer server_{h_.handlers};
};

TEST_F(ControlServerTest, AnswersStatusAndReloadOverTheSocket) {
    bool ok = false;
    EXPECT_EQ(ask("status json", &ok), "{\"version\":1}\n");
    EXPECT_TRUE(ok);
    EXPECT_EQ(ask("reload", &ok), "ok generation 2\n");
    EXPECT_EQ(h_.reload_calls, 1);
    EXPECT_EQ(server_.connections(), 0u) << "answered connections are closed";
}

TEST_F(ControlServerTest, OverlongLineGetsAnErrorNotAHandlerCall) {
    bool ok = false;
    std::string answer = ask(std::string(300, 'x'), &ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(answer, "error: request line too long or unterminated\n");
    EXPECT_EQ(h_.status_calls + h_.json_calls + h_.reload_calls, 0);
}

TEST_F(ControlServerTest, SilentClientsAreClosedAtTheirDeadlineAndBounded) {
    std::vector<int> clients;
    // (Fewer than the listen backlog of 16, so every connect returns before it is accepted.)
    for (size_t i = 0; i < RequestServer::kMaxPerPeer + 6; ++i) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        clients.push_back(fd);
    }
    for (int i = 0; i < 20; ++i) {  // accept what is pending
        const stbf_port* t = port_->table();
        stbf_event ev[8];
        size_t n = t->poll(t->ctx, t->now(t->ctx) + 5000, ev, 8);
        for (size_t k = 0; k < n; ++k)
            if (server_.owns(ev[k].sock)) server_.on_event(ev[k], t->now(t->ctx));
    }
    // One local user holds at most kMaxPerPeer places (the rest are refused or take the place
    // of its own older idle connections), so it cannot lock the others out.
    EXPECT_EQ(server_.connections(), RequestServer::kMaxPerPeer);
    EXPECT_EQ(server_.evicted(), clients.size() - RequestServer::kMaxPerPeer);
    ASSERT_NE(server_.next_deadline(), kNever);
    server_.on_timeout(server_.next_deadline());
    EXPECT_EQ(server_.connections(), 0u);
    for (int fd : clients) {
        char c;
        EXPECT_EQ(::recv(fd, &c, 1, 0), 0) << "closed without an answer";
        ::close(fd);
    }
}

TEST_F(ControlServerTest, ASecondDaemonOnTheSameSocketIsRefused) {
    std::string error;
    EXPECT_EQ(open_control_socket(path_, &error), -1);
    EXPECT_NE(error.find("already running"), std::string::npos) << error;
}

TEST(ControlSocket, StaleSocketFileIsReplaced) {
    test::TempDir dir;
    std::string path = dir.file("ctl.sock"), error;
    int first = open_control_socket(path, &error);
    ASSERT_GE(first, 0) << error;
    ::close(first);  // a daemon that died: the file stays, nobody answers
    int second = open_control_socket(path, &error);
    EXPECT_GE(second, 0) << error;
    ::close(second);
}

TEST(ControlSocket, PathThatIsNotASocketIsLeftAlone) {
    test::TempDir dir;
    std::string path = dir.file("config.json"), error;
    std::ofstream(path) << "{}";
    EXPECT_EQ(open_control_socket(path, &error), -1);
    EXPECT_NE(error.find("not a socket"), std::string::npos) << error;
    std::ifstream still(path);
    std::string content;
    still >> content;
    EXPECT_EQ(content, "{}");
}

TEST(ControlSocket, ClientWithoutDaemonFailsClearly) {
    test::TempDir dir;
    std::string answer, error;
    EXPECT_FALSE(control_request(dir.file("none.sock"), "status", &answer, &error, 500));
    EXPECT_NE(error.find("cannot reach the daemon"), std::string::npos) << error;
}

}  // namespace
}  // namespace stbf::daemon
