// A blackholed server (packets silently dropped, the way a dead route or a firewall looks from a
// box): inside a network namespace this test creates, an iptables DROP rule swallows every
// packet to one upstream. The live session on it must be cut within the hang window and new
// connections must land on the other server. The daemon, the upstreams and the client all run
// in the namespace; nothing touches the host's network. Skipped, with the reason, where
// namespaces or iptables are not available (not root, no `ip`, no netfilter).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "daemon_harness.h"

namespace stbf::test {
namespace {

bool run_quiet(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// Creates a namespace, moves the calling thread into it, and undoes both on destruction.
class NetNamespace {
  public:
    bool enter(std::string* why) {
        name_ = "stbf-test-" + std::to_string(::getpid());
        if (::geteuid() != 0) return fail(why, "needs root to create a network namespace");
        if (!run_quiet("ip netns add " + name_))
            return fail(why, "`ip netns add` is unavailable or not permitted here");
        created_ = true;
        home_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int ns = ::open(("/var/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
        if (home_ < 0 || ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
            if (ns >= 0) ::close(ns);
            return fail(why, "cannot enter the new network namespace");
        }
        ::close(ns);
        inside_ = true;
        if (!run_quiet("ip link set lo up")) return fail(why, "cannot bring up lo in it");
        if (!run_quiet("iptables -L INPUT -n"))
            return fail(why, "iptables (nf_tables) is not usable in a network namespace here");
        return true;
    }
    ~NetNamespace() {
        if (inside_) ::setns(home_, CLONE_NEWNET);
        if (home_ >= 0) ::close(home_);
        if (created_) run_quiet("ip netns del " + name_);
    }

  private:
    static bool fail(std::string* why, const char* reason) {
        *why = reason;
        return false;
    }
    std::string name_;
    int home_ = -1;
    bool created_ = false;
    bool inside_ = false;
};

TEST(DaemonNetns, BlackholedServerIsCutAndAvoided) {
    NetNamespace ns;
    std::string why;
    if (!ns.enter(&why)) GTEST_SKIP() << "network-namespace test skipped: " << why;
    {
        TempDir dir;
        auto a = std::make_unique<Upstream>();
        auto b = std::make_unique<Upstream>();
        ASSERT_TRUE(a->start(1));
        ASSERT_TRUE(b->start(2));
        const uint16_t listen = free_port();
        auto daemon = std::make_unique<DaemonProcess>(dir);
        ASSERT_TRUE(
            daemon->start(test_config(daemon->socket_path(), listen, {a->port(), b->port()}, 1000)))
            << daemon->log();
        Client c;
        ASSERT_EQ(served_by(listen, &c), 1);
        ASSERT_TRUE(c.echo("keepalive"));

        ASSERT_TRUE(run_quiet("iptables -A INPUT -p tcp --dport " + std::to_string(a->port()) +
                              " -j DROP"));
        EXPECT_FALSE(c.echo("keepalive", 300));
        EXPECT_TRUE(c.closed_within(1000 + 2000)) << "blackholed session not cut\n"
                                                  << daemon->log();
        Client again;
        EXPECT_EQ(served_by(listen, &again), 2) << daemon->log();
        EXPECT_TRUE(again.echo("ecm request"));
        std::string st = daemon->status_json();
        EXPECT_NE(json_string(st, "groups.0.servers.0.state"), "up") << st;
        // Children die here, inside the namespace, before it is removed.
    }
}

}  // namespace
}  // namespace stbf::test
