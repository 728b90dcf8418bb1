// Limits on local clients of a real daemon on loopback: idle connections to the metrics port
// or the control socket do not lock out a scrape or the CLI, and a flood of refused clients is
// folded in the log instead of writing one line each.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "daemon_harness.h"

namespace stbf::test {
namespace {

std::string config_with(const std::string& socket, uint16_t listen, uint16_t upstream,
                        const std::string& extra, int max_sessions = 32) {
    std::string c = test_config(socket, listen, {upstream});
    c.replace(c.find("\"max_sessions\": 32"), 18, "\"max_sessions\": " + std::to_string(max_sessions));
    return "{" + extra + "," + c.substr(1);
}

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// Before: eight idle connections to the metrics port made every scrape a reset.
TEST(LocalLimits, IdleConnectionsDoNotLockOutAScrape) {
    TempDir dir;
    Upstream up;
    ASSERT_TRUE(up.start(1));
    const uint16_t metrics = free_port();
    DaemonProcess d(dir);
    ASSERT_TRUE(d.start(config_with(d.socket_path(), free_port(), up.port(),
                                    "\"metrics_listen\": \"127.0.0.1:" + std::to_string(metrics) + "\"")))
        << d.log();
    std::vector<int> idle;
    for (int i = 0; i < 24; ++i) {  // more than every cap, from two local peers
        const int fd = connect_to("127.0.0.1", metrics, i % 2 ? "127.0.0.2" : "127.0.0.1");
        ASSERT_GE(fd, 0);
        idle.push_back(fd);
    }
    ::usleep(200 * 1000);
    for (int i = 0; i < 5; ++i) {
        const std::string r =
            http_exchange("127.0.0.1", metrics, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        ASSERT_EQ(r.compare(0, 15, "HTTP/1.1 200 OK"), 0) << "scrape " << i << ": '" << r << "'";
        EXPECT_NE(r.find("stbf_local_evicted_total{port=\"metrics\"}"), std::string::npos);
        EXPECT_NE(r.find("stbf_process_open_sockets "), std::string::npos);
    }
    for (int fd : idle) ::close(fd);
}

TEST(LocalLimits, IdleControlClientsDoNotLockOutTheCli) {
    TempDir dir;
    Upstream up;
    ASSERT_TRUE(up.start(1));
    DaemonProcess d(dir);
    ASSERT_TRUE(d.start(config_with(d.socket_path(), free_port(), up.port(), "\"cache_dir\": \"/tmp\"")))
        << d.log();
    std::vector<int> idle;
    for (int i = 0; i < 24; ++i) {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", d.socket_path().c_str());
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        idle.push_back(fd);
    }
    ::usleep(200 * 1000);
    for (int i = 0; i < 3; ++i) {
        std::string out, err;
        ASSERT_EQ(d.run_cli({"status", "--socket", d.socket_path()}, &out, &err), 0) << err;
        EXPECT_NE(out.find("line"), std::string::npos) << out;
    }
    for (int fd : idle) ::close(fd);
}

// Before: 2,500 refused clients wrote 2,437 warning lines.
TEST(LocalLimits, AFloodOfRefusedClientsIsFoldedInTheLog) {
    TempDir dir;
    Upstream up;
    ASSERT_TRUE(up.start(1));
    const uint16_t listen = free_port();
    DaemonProcess d(dir);
    ASSERT_TRUE(d.start(config_with(d.socket_path(), listen, up.port(), "\"cache_dir\": \"/tmp\"", 1)))
        << d.log();
    Client held;
    ASSERT_EQ(served_by(listen, &held, 20, 100), 1) << d.log();
    const size_t before = count(d.log(), "refused a client");
    for (int i = 0; i < 300; ++i) {
        const int fd = connect_loopback(listen);
        if (fd >= 0) {
            char c;
            ::recv(fd, &c, 1, 0);  // the daemon closes it at once
            ::close(fd);
        }
    }
    // The first lines of the window pass, the rest are counted; the window ends within 10 s.
    std::string log;
    for (int i = 0; i < 150 && (log = d.log()).find("repeated") == std::string::npos; ++i)
        ::usleep(100 * 1000);
    const size_t lines = count(log, "refused a client") - before;
    EXPECT_LE(lines, 7u) << log;
    EXPECT_GE(lines, 2u) << log;
    EXPECT_NE(log.find("times in "), std::string::npos) << log;
    EXPECT_EQ(count(log, "refused a client") - before, lines);
}

}  // namespace
}  // namespace stbf::test
