// The syslog client (syslog_client.h) against a datagram socket standing in for the box's
// syslog daemon, as busybox syslogd listens on /dev/log.
#include "stbf/syslog_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace stbf {
namespace {

// A syslog daemon's socket in a private directory.
class FakeSyslogd {
  public:
    FakeSyslogd() {
        char dir[] = "/tmp/stbf-syslog-XXXXXX";
        if (::mkdtemp(dir) != nullptr) dir_ = dir;
        path_ = dir_ + "/log";
        listen();
    }
    ~FakeSyslogd() {
        stop();
        ::rmdir(dir_.c_str());
    }
    const std::string& path() const { return path_; }

    void listen() {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
        ::unlink(path_.c_str());
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        timeval limit{2, 0};  // a message that never comes fails the test, never hangs it
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    }
    // The daemon going away, leaving its socket file behind (as a restart does for a moment).
    void stop() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    std::string receive() {
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        return n < 0 ? std::string("(nothing)") : std::string(buf, static_cast<size_t>(n));
    }
    void shrink_queue() {
        int size = 1;  // the kernel's minimum
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }

  private:
    std::string dir_, path_;
    int fd_ = -1;
};

std::string expected(int pri, const std::string& text) {
    return "<" + std::to_string(pri) + ">stbfailover[" + std::to_string(::getpid()) + "]: " + text;
}

TEST(SyslogClient, SendsOneDatagramWithPriorityIdentAndPid) {
    FakeSyslogd daemon;
    SyslogClient client("stbfailover", SyslogClient::kFacilityDaemon, daemon.path().c_str());
    const std::string text = "server cs1 down: refused";
    EXPECT_TRUE(client.send(3, text.data(), text.size()));
    EXPECT_EQ(daemon.receive(), expected(24 + 3, text));  // daemon.err
    EXPECT_TRUE(client.send(7, "x", 1));
    EXPECT_EQ(daemon.receive(), expected(24 + 7, "x"));
    EXPECT_EQ(client.dropped(), 0u);
}

TEST(SyslogClient, FindsARestartedDaemonAgain) {
    FakeSyslogd daemon;
    SyslogClient client("stbfailover", SyslogClient::kFacilityDaemon, daemon.path().c_str());
    ASSERT_TRUE(client.send(5, "before", 6));
    EXPECT_EQ(daemon.receive(), expected(29, "before"));
    daemon.stop();
    daemon.listen();  // a new socket at the same path
    EXPECT_TRUE(client.send(5, "after", 5));
    EXPECT_EQ(daemon.receive(), expected(29, "after"));
}

TEST(SyslogClient, WithoutADaemonTheLineIsDroppedAndCounted) {
    FakeSyslogd daemon;
    daemon.stop();
    SyslogClient client("stbfailover", SyslogClient::kFacilityDaemon, daemon.path().c_str());
    EXPECT_FALSE(client.send(3, "lost", 4));
    EXPECT_EQ(client.dropped(), 1u);
    daemon.listen();  // syslogd started after the daemon: the next line gets there
    EXPECT_TRUE(client.send(3, "found", 5));
    EXPECT_EQ(daemon.receive(), expected(27, "found"));
}

TEST(SyslogClient, AFullQueueDropsInsteadOfBlocking) {
    FakeSyslogd daemon;
    daemon.shrink_queue();
    SyslogClient client("stbfailover", SyslogClient::kFacilityDaemon, daemon.path().c_str());
    const std::string text(512, 'x');
    int sent = 0;
    for (int i = 0; i < 10000 && client.dropped() == 0; ++i)
        sent += client.send(6, text.data(), text.size());
    EXPECT_GT(client.dropped(), 0u) << "10000 lines never filled the queue";
    EXPECT_LT(sent, 10000);
    EXPECT_EQ(daemon.receive(), expected(30, text));  // what was queued is intact
}

}  // namespace
}  // namespace stbf
