// The daemon end to end on real loopback sockets: `stbfailover run` as a child process, upstream
// stand-ins as child processes, the test as the softcam. Every wait is bounded.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <random>

#include "daemon_harness.h"

namespace stbf::test {
namespace {

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

void pause_ms(int ms) {
    ::usleep(static_cast<useconds_t>(ms) * 1000);
}

// Polls status JSON until `pred(json)` holds, at most `rounds` x 50 ms.
template <class Pred>
bool status_until(DaemonProcess& d, Pred pred, int rounds = 100) {
    for (int i = 0; i < rounds; ++i) {
        if (pred(d.status_json())) return true;
        pause_ms(50);
    }
    return false;
}

std::string label(const Upstream& u) {
    return "s" + std::to_string(u.port());
}

class DaemonTest : public ::testing::Test {
  protected:
    // Starts upstreams with ids 1..n and the daemon over them (in that order of preference).
    void start(int n, int hang_ms = 1000) {
        std::vector<uint16_t> ports;
        for (int i = 0; i < n; ++i) {
            ups_.push_back(std::make_unique<Upstream>());
            ASSERT_TRUE(ups_.back()->start(i + 1));
            ports.push_back(ups_.back()->port());
        }
        listen_ = free_port();
        ASSERT_TRUE(daemon_.start(test_config(daemon_.socket_path(), listen_, ports, hang_ms)))
            << daemon_.log();
    }

    TempDir dir_;
    DaemonProcess daemon_{dir_};
    std::vector<std::unique_ptr<Upstream>> ups_;
    uint16_t listen_ = 0;
};

TEST_F(DaemonTest, KilledUpstreamNextConnectionIsServedByAnother) {
    start(2);
    Client c1;
    ASSERT_EQ(served_by(listen_, &c1), 1);
    ASSERT_TRUE(c1.echo("keepalive"));
    ups_[0]->kill();
    EXPECT_TRUE(c1.closed_within(2000)) << "the relay must pass the upstream's death on";
    Client c2;
    EXPECT_EQ(served_by(listen_, &c2), 2);
    EXPECT_TRUE(c2.echo("ecm request"));
    std::string st = daemon_.status_json();
    EXPECT_EQ(json_string(st, "groups.0.active_server"), label(*ups_[1])) << st;
    EXPECT_GE(json_number(st, "groups.0.failovers"), 1) << st;
    EXPECT_EQ(json_string(st, "groups.0.last_failover.from"), label(*ups_[0])) << st;
}

TEST_F(DaemonTest, FrozenUpstreamSessionIsCutWithinTheHangWindowAndReconnectLandsElsewhere) {
    start(2, 1000);
    Client c1;
    ASSERT_EQ(served_by(listen_, &c1), 1);
    ASSERT_TRUE(c1.echo("keepalive"));
    ups_[0]->freeze();  // the kernel still accepts; nothing answers
    EXPECT_FALSE(c1.echo("keepalive", 300));
    EXPECT_TRUE(c1.closed_within(1000 + 2000)) << "hung session not cut\n" << daemon_.log();
    Client c2;
    EXPECT_EQ(served_by(listen_, &c2), 2);
    EXPECT_TRUE(c2.echo("ecm request"));
    std::string st = daemon_.status_json();
    EXPECT_EQ(json_string(st, "groups.0.servers.0.last_failure"), "hung") << st;
    EXPECT_NE(json_string(st, "groups.0.servers.0.state"), "up") << st;
    ups_[0]->thaw();
}

TEST_F(DaemonTest, RefusedAtStartIsSkippedBeforeTheClientSeesAByte) {
    Upstream b;
    ASSERT_TRUE(b.start(2));
    const uint16_t nothing = free_port();
    listen_ = free_port();
    ASSERT_TRUE(daemon_.start(test_config(daemon_.socket_path(), listen_, {nothing, b.port()})))
        << daemon_.log();
    Client c;
    EXPECT_EQ(served_by(listen_, &c), 2);
    EXPECT_TRUE(c.echo("hello"));
    std::string st = daemon_.status_json();
    EXPECT_EQ(json_string(st, "groups.0.servers.0.last_failure"), "refused") << st;
}

TEST_F(DaemonTest, AllDownThenOneBackServesAgain) {
    const uint16_t pa = free_port(), pb = free_port();
    listen_ = free_port();
    ASSERT_TRUE(daemon_.start(test_config(daemon_.socket_path(), listen_, {pa, pb})))
        << daemon_.log();
    Client c;
    ASSERT_TRUE(c.connect(listen_));
    EXPECT_EQ(c.greeting(), -1) << "no upstream: the client must be closed, not greeted";
    EXPECT_TRUE(status_until(daemon_, [](const std::string& st) {
        cJSON* root = cJSON_Parse(st.c_str());
        const cJSON* panic = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "groups"), 0), "panic");
        bool yes = cJSON_IsTrue(panic);
        cJSON_Delete(root);
        return yes;
    }));

    Upstream a;
    ASSERT_TRUE(a.start(1, pa));
    Client back;
    EXPECT_EQ(served_by(listen_, &back, 50, 200), 1) << daemon_.log();
    EXPECT_TRUE(back.echo("hello again"));
}

TEST_F(DaemonTest, ReloadUnderLiveTrafficKeepsTheSession) {
    start(2);
    Client c;
    ASSERT_EQ(served_by(listen_, &c), 1);
    ASSERT_TRUE(c.echo("before reload"));
    Upstream extra;
    ASSERT_TRUE(extra.start(3));
    daemon_.write_config(test_config(daemon_.socket_path(), listen_,
                                     {ups_[0]->port(), ups_[1]->port(), extra.port()}));
    ASSERT_TRUE(daemon_.process().signal(SIGHUP));
    EXPECT_TRUE(status_until(daemon_, [](const std::string& st) {
        return json_number(st, "daemon.config_generation") == 2;
    })) << daemon_.log();
    EXPECT_TRUE(c.echo("after reload")) << "the live session must survive a reload";
    std::string st = daemon_.status_json();
    EXPECT_EQ(json_string(st, "groups.0.servers.2.label"), label(extra)) << st;
    EXPECT_EQ(json_number(st, "groups.0.live_sessions"), 1) << st;
    EXPECT_EQ(st.find("\"ok\":false"), std::string::npos) << st;
}

TEST_F(DaemonTest, ReloadRemovingTheServingUpstreamLetsItsSessionDrain) {
    start(2);
    Client c;
    ASSERT_EQ(served_by(listen_, &c), 1);
    daemon_.write_config(test_config(daemon_.socket_path(), listen_, {ups_[1]->port()}));
    ASSERT_TRUE(daemon_.process().signal(SIGHUP));
    ASSERT_TRUE(status_until(daemon_, [](const std::string& st) {
        return json_number(st, "daemon.config_generation") == 2;
    })) << daemon_.log();
    std::string st = daemon_.status_json();
    EXPECT_EQ(json_string(st, "groups.0.servers.0.label"), label(*ups_[1])) << st;
    EXPECT_EQ(json_string(st, "groups.0.servers.1.label"), label(*ups_[0])) << st;
    EXPECT_EQ(json_string(st, "groups.0.servers.1.state"), "retired") << st;
    EXPECT_EQ(json_number(st, "groups.0.servers.1.live_sessions"), 1) << st;
    EXPECT_TRUE(c.echo("draining, not cut")) << "a removed server's session drains";
    c.close();
    EXPECT_TRUE(status_until(daemon_, [](const std::string& now) {
        return json_string(now, "groups.0.servers.1.label").empty();
    })) << "the retired server must go once its session ended";
    Client fresh;
    EXPECT_EQ(served_by(listen_, &fresh), 2);
}

TEST_F(DaemonTest, BadReloadKeepsTheOldConfigAndTheSession) {
    start(2);
    Client c;
    ASSERT_EQ(served_by(listen_, &c), 1);
    daemon_.write_config("{\n  \"groups\": [ oops ]\n}\n");

    std::string out, err;
    EXPECT_EQ(
        daemon_.run_cli({"status", "--socket", daemon_.socket_path(), "--reload"}, &out, &err), 1);
    EXPECT_NE(err.find(daemon_.config_path() + ":2:"), std::string::npos) << err;

    ASSERT_TRUE(daemon_.process().signal(SIGHUP));  // the signal path rejects it the same way
    EXPECT_TRUE(status_until(daemon_, [&](const std::string& st) {
        return daemon_.log().find("SIGHUP") != std::string::npos &&
               json_number(st, "daemon.last_reload.ago_s") >= 0;
    }));
    std::string st = daemon_.status_json();
    EXPECT_EQ(json_number(st, "daemon.config_generation"), 1) << st;
    EXPECT_NE(json_string(st, "daemon.last_reload.message").find(daemon_.config_path() + ":2:"),
              std::string::npos)
        << st;
    EXPECT_NE(daemon_.log().find(daemon_.config_path() + ":2:"), std::string::npos);
    EXPECT_TRUE(c.echo("still here"));
    Client fresh;
    EXPECT_EQ(served_by(listen_, &fresh), 1);
}

TEST_F(DaemonTest, SigtermDrainsRemovesItsFilesAndExitsZero) {
    start(1);
    std::ifstream pid_in(daemon_.pidfile());
    long pid = 0;
    pid_in >> pid;
    EXPECT_EQ(pid, daemon_.process().pid());
    Client c;
    ASSERT_EQ(served_by(listen_, &c), 1);
    ASSERT_TRUE(daemon_.process().signal(SIGTERM));
    EXPECT_TRUE(c.closed_within(3000));
    int code = -2;
    ASSERT_TRUE(daemon_.process().wait_exit(5000, &code));
    EXPECT_EQ(code, 0);
    EXPECT_FALSE(exists(daemon_.pidfile()));
    EXPECT_FALSE(exists(daemon_.socket_path()));
    Client late;
    EXPECT_FALSE(late.connect(listen_)) << "listener must be closed after a drain";
}

TEST_F(DaemonTest, StatusJsonHasTheDocumentedShapeAndNoSecret) {
    Upstream a;
    ASSERT_TRUE(a.start(1));
    // Imported CCcam.cfg lines carry a password; it must never come back out.
    std::ofstream(dir_.file("CCcam.cfg"))
        << "C: 127.0.0.1 " << a.port() << " owner Sup3rSecretPw yes\n";
    ::chmod(dir_.file("CCcam.cfg").c_str(), 0644);  // the loader warns; the daemon logs it
    const uint16_t metrics = free_port();
    listen_ = free_port();
    std::string config =
        "{\"control_socket\": \"" + daemon_.socket_path() +
        "\", \"metrics_listen\": \"127.0.0.1:" + std::to_string(metrics) +
        "\", \"import\": [{\"file\": \"CCcam.cfg\", \"listen\": {\"cccam-owner\": " +
        std::to_string(listen_) + "}}]}\n";
    ASSERT_TRUE(daemon_.start(config)) << daemon_.log();
    Client c;
    ASSERT_EQ(served_by(listen_, &c), 1);

    std::string st = daemon_.status_json();
    cJSON* root = cJSON_Parse(st.c_str());
    ASSERT_NE(root, nullptr) << st;
    EXPECT_EQ(json_number(st, "version"), 1);
    EXPECT_EQ(json_number(st, "daemon.pid"), daemon_.process().pid());
    EXPECT_EQ(json_string(st, "daemon.config"), daemon_.config_path());
    const char* daemon_keys[] = {"pid", "uptime_s", "config", "config_generation", "last_reload"};
    for (const char* k : daemon_keys)
        EXPECT_TRUE(cJSON_HasObjectItem(cJSON_GetObjectItem(root, "daemon"), k)) << k;
    const cJSON* group = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "groups"), 0);
    const char* group_keys[] = {"name",          "listen",         "mode",  "active_server",
                                "live_sessions", "sessions_total", "panic", "failovers",
                                "last_failover", "servers"};
    for (const char* k : group_keys) EXPECT_TRUE(cJSON_HasObjectItem(group, k)) << k;
    const cJSON* server = cJSON_GetArrayItem(cJSON_GetObjectItem(group, "servers"), 0);
    const char* server_keys[] = {"label",
                                 "host",
                                 "port",
                                 "protocol",
                                 "user",
                                 "state",
                                 "enabled",
                                 "backup",
                                 "priority",
                                 "weight",
                                 "ewma_connect_ms",
                                 "ewma_response_ms",
                                 "live_sessions",
                                 "fail_streak",
                                 "last_failure",
                                 "probes_ok",
                                 "probes_failed",
                                 "next_check_s"};
    for (const char* k : server_keys) EXPECT_TRUE(cJSON_HasObjectItem(server, k)) << k;
    cJSON_Delete(root);
    EXPECT_EQ(json_string(st, "groups.0.listen"), "127.0.0.1:" + std::to_string(listen_));
    EXPECT_EQ(json_string(st, "groups.0.servers.0.user"), "owner");
    EXPECT_EQ(json_number(st, "groups.0.live_sessions"), 1);

    std::string text, err;
    ASSERT_EQ(daemon_.run_cli({"status", "-c", daemon_.config_path()}, &text, &err), 0) << err;
    EXPECT_NE(text.find("cccam-owner"), std::string::npos) << text;

    const int fd = connect_loopback(metrics);
    ASSERT_GE(fd, 0);
    const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(fd, req, sizeof(req) - 1, 0), static_cast<ssize_t>(sizeof(req) - 1));
    std::string http;
    char buf[4096];
    ssize_t n;
    for (int i = 0; i < 1000 && (n = ::recv(fd, buf, sizeof(buf), 0)) > 0; ++i)
        http.append(buf, static_cast<size_t>(n));
    ::close(fd);
    EXPECT_EQ(http.compare(0, 15, "HTTP/1.1 200 OK"), 0) << http;
    EXPECT_NE(http.find("stbf_group_live_sessions{group=\"cccam-owner\"} 1"), std::string::npos)
        << http;

    EXPECT_NE(daemon_.log().find("every user of the box can read it"), std::string::npos)
        << daemon_.log();
    for (const std::string& out : {st, text, http, daemon_.log()})
        EXPECT_EQ(out.find("Sup3rSecretPw"), std::string::npos) << out;
}

TEST_F(DaemonTest, ThousandCyclesWithRandomKillsLeakNoDescriptor) {
    start(3);
    {
        Client warm;
        ASSERT_GE(served_by(listen_, &warm), 1);
    }
    pause_ms(300);
    const int baseline = daemon_.fd_count();
    ASSERT_GT(baseline, 0);

    std::mt19937 rng(12345);  // fixed: a failure replays the same kills
    const auto started = std::chrono::steady_clock::now();
    int served = 0;
    for (int cycle = 0; cycle < 1000; ++cycle) {
        ASSERT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(120))
            << "stopped at cycle " << cycle;
        if (cycle % 40 == 39) {
            size_t victim = rng() % ups_.size();
            ups_[victim]->kill();
            ASSERT_TRUE(ups_[(victim + 1) % ups_.size()]->restart());  // one is always up
        }
        Client c;
        if (!c.connect(listen_)) continue;
        int id = c.greeting(3000);
        if (id >= 0) {
            ++served;
            if (rng() % 2 == 0) c.echo("ka");
        }
    }
    EXPECT_GE(served, 900) << daemon_.log().substr(0, 4000);
    bool settled = false;
    int now = 0;
    for (int i = 0; i < 100 && !settled; ++i) {  // probes in flight may hold a socket briefly
        now = daemon_.fd_count();
        settled = now <= baseline;
        if (!settled) pause_ms(50);
    }
    EXPECT_TRUE(settled) << "daemon holds " << now << " descriptors, " << baseline << " before";
}

}  // namespace
}  // namespace stbf::test
