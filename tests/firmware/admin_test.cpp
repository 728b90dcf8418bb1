// Admin commands against a real daemon on loopback, as a box owner doing maintenance would:
// drain a server that carries a live session, restart the daemon, enable it again.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "daemon_harness.h"

namespace stbf::test {
namespace {

class AdminTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(a_.start(1));
        ASSERT_TRUE(b_.start(2));
        listen_ = free_port();
        const std::string c = test_config(daemon_.socket_path(), listen_, {a_.port(), b_.port()});
        config_ = "{\"cache_dir\": \"" + dir_.file("cache") + "\"," + c.substr(1);
        ASSERT_TRUE(daemon_.start(config_)) << daemon_.log();
        sa_ = "s" + std::to_string(a_.port());
        sb_ = "s" + std::to_string(b_.port());
    }
    int cli(const std::vector<std::string>& args, std::string* out = nullptr) {
        std::string o, e;
        std::vector<std::string> full = args;
        full.push_back("--socket");
        full.push_back(daemon_.socket_path());
        const int rc = daemon_.run_cli(full, &o, &e);
        if (out != nullptr) *out = o + e;
        return rc;
    }
    // Index of the server labelled `label` in groups.0.servers.
    std::string server_field(const std::string& st, const std::string& label, const std::string& f) {
        for (int i = 0; i < 2; ++i)
            if (json_string(st, "groups.0.servers." + std::to_string(i) + ".label") == label)
                return json_string(st, "groups.0.servers." + std::to_string(i) + "." + f);
        return "";
    }
    std::string state_file() {
        std::ifstream in(dir_.file("cache/admin-state.json"));
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    TempDir dir_;
    Upstream a_, b_;
    DaemonProcess daemon_{dir_};
    uint16_t listen_ = 0;
    std::string config_, sa_, sb_;
};

TEST_F(AdminTest, DrainKeepsTheLiveSessionSendsNewOnesElsewhereAndSurvivesARestart) {
    Client live;
    ASSERT_EQ(served_by(listen_, &live, 20, 100), 1) << daemon_.log();
    std::string out;
    ASSERT_EQ(cli({"server", "drain", "line", sa_}, &out), 0) << out << daemon_.log();
    EXPECT_NE(out.find("ok: server " + sa_ + " of group line: drain"), std::string::npos) << out;
    EXPECT_TRUE(live.echo("still here")) << "a drained server's live session finishes on its own";
    Client next;
    EXPECT_EQ(served_by(listen_, &next, 5, 100), 2) << "new sessions go elsewhere";

    std::string st = daemon_.status_json();
    EXPECT_EQ(server_field(st, sa_, "admin.state"), "drain") << st;
    EXPECT_EQ(server_field(st, sa_, "admin.set_by").compare(0, 7, "cli uid"), 0) << st;
    EXPECT_EQ(json_string(st, "groups.0.slots.0.server"), sb_) << "slot 1's newest session: " << st;
    EXPECT_GE(json_number(st, "groups.0.slots.0.since_s"), 0) << st;
    EXPECT_FALSE(server_field(st, sa_, "admin.since").empty()) << st;
    EXPECT_EQ(server_field(st, sb_, "admin.state"), "enabled");
    EXPECT_NE(st.find("\"events\":["), std::string::npos);
    EXPECT_NE(st.find(sa_ + " of group line: drain (by cli uid"), std::string::npos) << st;
    std::string events;
    ASSERT_EQ(cli({"status", "--events"}, &events), 0) << events;
    EXPECT_NE(events.find(sa_ + " of group line: drain (by cli uid"), std::string::npos) << events;
    std::string text;
    ASSERT_EQ(cli({"status"}, &text), 0);
    EXPECT_NE(text.find(sa_ + ": drain since "), std::string::npos) << text;
    // Logged once.
    const std::string log = daemon_.log();
    const std::string line = sa_ + " of group line: drain";
    EXPECT_EQ(log.find(line), log.rfind(line)) << log;
    EXPECT_NE(state_file().find("\"drain\""), std::string::npos) << state_file();

    // A restart keeps the drain.
    live.close();
    next.close();
    ASSERT_TRUE(daemon_.process().signal(SIGTERM));
    int code = -1;
    ASSERT_TRUE(daemon_.process().wait_exit(10000, &code));
    ASSERT_TRUE(daemon_.start(config_)) << daemon_.log();
    st = daemon_.status_json();
    EXPECT_EQ(server_field(st, sa_, "admin.state"), "drain") << st;
    Client after;
    EXPECT_EQ(served_by(listen_, &after, 20, 100), 2) << daemon_.log();
    after.close();

    // Enable: back through its checks; the state file forgets it.
    ASSERT_EQ(cli({"server", "enable", "line", sa_}, &out), 0) << out;
    st = daemon_.status_json();
    EXPECT_EQ(server_field(st, sa_, "admin.state"), "enabled") << st;
    EXPECT_EQ(state_file().find(sa_), std::string::npos) << state_file();
    // Back through its rise checks, then slow start (30 s by default) before it takes new
    // sessions again in ordered mode.
    for (int i = 0; i < 50 && st.find(sa_ + " of group line: rising -> up") == std::string::npos; ++i) {
        ::usleep(100 * 1000);
        st = daemon_.status_json();
    }
    EXPECT_NE(st.find(sa_ + " of group line: up -> rising"), std::string::npos) << st;
    EXPECT_NE(st.find(sa_ + " of group line: rising -> up"), std::string::npos) << st;
    const std::string i = json_string(st, "groups.0.servers.0.label") == sa_ ? "0" : "1";
    EXPECT_GT(json_number(st, "groups.0.servers." + i + ".slowstart_left_s", -1), 0)
        << "the enabled server ramps up: " << st;
    Client during;
    EXPECT_EQ(served_by(listen_, &during, 5, 100), 2) << "still in slow start";
}

TEST_F(AdminTest, DisableCutsLiveSessionsAndIsNotAFailoverRefused) {
    Client live;
    ASSERT_EQ(served_by(listen_, &live, 20, 100), 1) << daemon_.log();
    std::string out;
    ASSERT_EQ(cli({"server", "disable", "line", sa_, "--grace", "0"}, &out), 0) << out;
    EXPECT_TRUE(live.closed_within(3000)) << "disable cuts live sessions after the grace";
    Client again;
    EXPECT_EQ(served_by(listen_, &again, 10, 100), 2);
    const std::string log = daemon_.log();
    EXPECT_EQ(log.find("refused"), std::string::npos) << log;
    EXPECT_NE(log.find(sa_ + " of group line: disabled (by cli uid"), std::string::npos) << log;
}

TEST_F(AdminTest, AllServersOfAGroupAndClearErrors) {
    std::string out;
    ASSERT_EQ(cli({"server", "drain", "line", "--all"}, &out), 0) << out;
    EXPECT_NE(out.find(sa_), std::string::npos);
    EXPECT_NE(out.find(sb_), std::string::npos);
    const std::string st = daemon_.status_json();
    EXPECT_EQ(server_field(st, sa_, "admin.state"), "drain");
    EXPECT_EQ(server_field(st, sb_, "admin.state"), "drain");
    // By host:port too.
    ASSERT_EQ(cli({"server", "enable", "line", "127.0.0.1:" + std::to_string(a_.port())}, &out), 0)
        << out;
    EXPECT_EQ(server_field(daemon_.status_json(), sa_, "admin.state"), "enabled");

    EXPECT_EQ(cli({"server", "drain", "nosuch", sa_}, &out), 1);
    EXPECT_NE(out.find("no group 'nosuch' (groups: line)"), std::string::npos) << out;
    EXPECT_EQ(cli({"server", "drain", "line", "nosuch"}, &out), 1);
    EXPECT_NE(out.find("has no server 'nosuch'"), std::string::npos) << out;
    EXPECT_EQ(cli({"server", "pause", "line", sa_}, &out), 2);
    EXPECT_EQ(cli({"server", "drain", "line"}, &out), 2);
    EXPECT_EQ(cli({"server", "drain", "line", sa_, "--grace", "5"}, &out), 2) << "grace: disable only";
}

}  // namespace
}  // namespace stbf::test
