// Status report: snapshot of a real engine, its JSON (version 1) and text forms, and the
// daemon's listen address parser.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <memory>

#include "daemon.h"
#include "status_report.h"
#include "metrics.h"
#include "stbf/posix_port.h"

namespace stbf::daemon {
namespace {

constexpr TimeUs kSec = 1000000;

std::unique_ptr<Config> two_server_config() {
    auto c = std::make_unique<Config>();
    ServerConfig& a = c->servers[0];
    a.label.assign("main");
    a.host.assign("cs.example.net");
    a.port = 12000;
    a.protocol = Protocol::Cccam;
    a.probe = ProbeKind::Cccam;
    a.user.assign("owner");
    a.password.assign("TopSecretPw");
    ServerConfig& b = c->servers[1];
    b.label.assign("spare");
    b.host.assign("192.0.2.7");
    b.port = 15000;
    b.protocol = Protocol::Newcamd;
    b.probe = ProbeKind::Newcamd;
    b.backup = true;
    b.user.assign("owner");
    b.password.assign("TopSecretPw");
    b.has_key = true;
    for (int i = 0; i < 14; ++i) b.des_key[i] = static_cast<uint8_t>(0xA0 + i);
    c->server_count = 2;
    GroupConfig& g = c->groups[0];
    g.name.assign("sky");
    g.listen_port = 20001;
    g.mode = Mode::Scored;
    g.servers[0] = 0;
    g.servers[1] = 1;
    g.server_count = 2;
    c->group_count = 1;
    return c;
}

class StatusReportTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = two_server_config();
        ASSERT_EQ(engine_.init(*config_, 99, 10 * kSec), Status::Ok);
        facts_.pid = 1234;
        facts_.uptime_s = 77;
        facts_.config_path = "/etc/stbfailover.json";
    }
    std::unique_ptr<Config> config_;
    EngineWith<8, 4, 16> engine_;  // tables for the configs here
    DaemonFacts facts_;
};

TEST_F(StatusReportTest, FreshEngineGivesNullsWhereNothingIsKnownYet) {
    StatusReport r = build_status_report(engine_, 10 * kSec, facts_);
    std::string json = status_json(r);
    cJSON* root = cJSON_Parse(json.c_str());
    ASSERT_NE(root, nullptr) << json;
    EXPECT_EQ(cJSON_GetObjectItem(root, "version")->valueint, 1);
    const cJSON* d = cJSON_GetObjectItem(root, "daemon");
    EXPECT_EQ(cJSON_GetObjectItem(d, "pid")->valueint, 1234);
    EXPECT_EQ(cJSON_GetObjectItem(d, "uptime_s")->valueint, 77);
    EXPECT_EQ(cJSON_GetObjectItem(d, "config_generation")->valueint, 1);
    EXPECT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "last_reload"), "ago_s")));
    const cJSON* g = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "groups"), 0);
    EXPECT_STREQ(cJSON_GetObjectItem(g, "name")->valuestring, "sky");
    EXPECT_STREQ(cJSON_GetObjectItem(g, "listen")->valuestring, "127.0.0.1:20001");
    EXPECT_STREQ(cJSON_GetObjectItem(g, "mode")->valuestring, "scored");
    EXPECT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(g, "active_server")));
    EXPECT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(g, "last_failover")));
    const cJSON* servers = cJSON_GetObjectItem(g, "servers");
    ASSERT_EQ(cJSON_GetArraySize(servers), 2);
    const cJSON* b = cJSON_GetArrayItem(servers, 1);
    EXPECT_STREQ(cJSON_GetObjectItem(b, "label")->valuestring, "spare");
    EXPECT_STREQ(cJSON_GetObjectItem(b, "protocol")->valuestring, "newcamd");
    EXPECT_EQ(cJSON_GetObjectItem(b, "port")->valueint, 15000);
    EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(b, "backup")));
    EXPECT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(b, "ewma_connect_ms")));
    EXPECT_TRUE(cJSON_IsNumber(cJSON_GetObjectItem(b, "next_check_s")))
        << "the first check is scheduled at init";
    EXPECT_LE(cJSON_GetObjectItem(b, "next_check_s")->valuedouble, 2.5);
    cJSON_Delete(root);
}

TEST_F(StatusReportTest, SessionsAndFailoverShowUpAndNoSecretDoes) {
    // One session served by "main", which then fails; the next lands on "spare".
    TimeUs now = 11 * kSec;
    SessionId s = 0;
    ASSERT_EQ(engine_.session_open(0, now, &s), Status::Ok);
    Action a{};
    AttemptId attempt = 0;
    while (engine_.pop_action(&a))
        if (a.kind == ActionKind::Connect) attempt = a.attempt;
    ASSERT_NE(attempt, 0u);
    ASSERT_EQ(engine_.attempt_connected(s, attempt, now + 1000), Status::Ok);
    ASSERT_EQ(engine_.attempt_ready(s, attempt, now + 2000), Status::Ok);
    while (engine_.pop_action(&a)) {
    }
    StatusReport r = build_status_report(engine_, now + 3 * kSec, facts_);
    ASSERT_EQ(r.groups.size(), 1u);
    const GroupReport& g = r.groups[0];
    const std::string active = g.active_server;
    EXPECT_FALSE(active.empty());
    EXPECT_EQ(g.live_sessions, 1u);
    EXPECT_EQ(g.sessions_total, 1u);

    facts_.reloaded = true;
    facts_.last_reload_ok = false;
    facts_.last_reload_message = "/etc/stbfailover.json:4:7: error: bad";
    r = build_status_report(engine_, now + 3 * kSec, facts_);
    std::string json = status_json(r), text = status_text(r);
    EXPECT_NE(json.find("\"active_server\":\"" + active + "\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"ok\":false"), std::string::npos);
    EXPECT_NE(text.find("/etc/stbfailover.json:4:7: error: bad"), std::string::npos) << text;
    EXPECT_NE(text.find("spare"), std::string::npos);
    EXPECT_NE(text.find("cs.example.net:12000"), std::string::npos) << text;
    for (const std::string& out : {json, text}) {
        EXPECT_EQ(out.find("TopSecretPw"), std::string::npos);
        EXPECT_EQ(out.find("a0a1a2"), std::string::npos);
        EXPECT_EQ(out.find("A0A1A2"), std::string::npos);
    }
}

TEST(StatusReportLinks, OneAccountOnTwoProtocolsLinksTheGroupsInEveryView) {
    // The provider's two daemons: the same user and password on a CCcam and a newcamd host are
    // two groups (no failover between protocols), shown as linked in text and JSON.
    auto c = two_server_config();
    GroupConfig& g0 = c->groups[0];
    g0.server_count = 1;
    GroupConfig& g1 = c->groups[1];
    g1.name.assign("sky-newcamd");
    g1.listen_port = 20002;
    g1.servers[0] = 1;
    g1.server_count = 1;
    GroupConfig& g2 = c->groups[2];  // another account: not linked
    g2.name.assign("other");
    g2.listen_port = 20003;
    c->servers[2] = c->servers[0];
    c->servers[2].user.assign("somebody");
    c->servers[2].host.assign("other.example.net");
    g2.servers[0] = 2;
    g2.server_count = 1;
    c->server_count = 3;
    c->group_count = 3;
    EngineWith<4, 3, 4> engine;  // tables for this config, on the stack
    ASSERT_EQ(engine.init(*c, 1, kSec), Status::Ok);
    const StatusReport r = build_status_report(engine, 2 * kSec, DaemonFacts{});
    ASSERT_EQ(r.groups.size(), 3u);
    EXPECT_EQ(r.groups[0].linked_group, "sky-newcamd");
    EXPECT_EQ(r.groups[0].linked_protocol, "newcamd");
    EXPECT_EQ(r.groups[1].linked_group, "sky");
    EXPECT_EQ(r.groups[1].linked_protocol, "cccam");
    EXPECT_TRUE(r.groups[2].linked_group.empty());
    const std::string text = status_text(r), json = status_json(r);
    EXPECT_NE(text.find("same account on newcamd (group sky-newcamd): no failover between "
                        "protocols; the softcam's fallback reader covers it"),
              std::string::npos)
        << text;
    EXPECT_NE(json.find("\"linked\":{\"group\":\"sky\",\"protocol\":\"cccam\"}"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"linked\":null"), std::string::npos) << json;
    EXPECT_EQ(json.find("TopSecretPw"), std::string::npos);
}

TEST_F(StatusReportTest, SlotsAdminStateSinceAndEventsInEveryView) {
    const TimeUs now = 20 * kSec;
    ASSERT_EQ(engine_.set_admin_state(engine_.group_server(0, 0), AdminState::Drain, 0, now),
              Status::Ok);
    StatusReport r = build_status_report(engine_, now + 5 * kSec, facts_);
    r.now = now + 5 * kSec;
    EventLog log;
    log.add("admin", "sky", "main", "server main of group sky: drain (by cli uid 0)", now, 1764622800);
    r.events.assign(log.events().begin(), log.events().end());
    ASSERT_EQ(r.groups.size(), 1u);
    const GroupReport& g = r.groups[0];
    ASSERT_EQ(g.slots.size(), 2u) << "two enabled servers: two slots by default";
    EXPECT_EQ(g.slots[0].port, 20001);
    EXPECT_EQ(g.servers[0].admin_state, "drain");
    EXPECT_EQ(g.servers[1].admin_state, "enabled");
    EXPECT_EQ(g.servers[0].state_since_s, 15u) << "in its state since init at 10 s";
    r.groups[0].servers[0].admin_set_by = "cli uid 0";
    r.groups[0].servers[0].admin_since = 1764622800;

    const std::string json = status_json(r);
    EXPECT_NE(json.find("\"slots\":[{\"slot\":1,\"port\":20001,\"server\":null"), std::string::npos) << json;
    EXPECT_NE(json.find("\"admin\":{\"state\":\"drain\",\"set_by\":\"cli uid 0\","
                        "\"since\":\"2025-12-01T21:00:00Z\"}"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"admin\":{\"state\":\"enabled\",\"set_by\":null,\"since\":null}"),
              std::string::npos);
    EXPECT_NE(json.find("\"events\":[{\"seq\":1,\"time\":\"2025-12-01T21:00:00Z\",\"ago_s\":5,"
                        "\"kind\":\"admin\""),
              std::string::npos)
        << json;
    const std::string text = status_text(r);
    EXPECT_NE(text.find("slot 1 port 20001: no session"), std::string::npos) << text;
    EXPECT_NE(text.find("up/drain"), std::string::npos) << text;
    EXPECT_NE(text.find("main: drain since 2025-12-01T21:00:00Z by cli uid 0"), std::string::npos)
        << text;
    EXPECT_NE(events_text(r).find("2025-12-01T21:00:00Z (5s ago) server main of group sky: drain"),
              std::string::npos)
        << events_text(r);
    const std::string m = render_metrics(r);
    EXPECT_NE(m.find("stbf_server_admin_state{group=\"sky\",server=\"main\",state=\"drain\"} 1"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("stbf_slot_info{group=\"sky\",slot=\"2\",port=\""), std::string::npos) << m;
}

TEST(GroupListenText, DefaultsToLoopbackAndBracketsIpv6) {
    GroupConfig g;
    g.listen_port = 20000;
    EXPECT_EQ(group_listen_text(g), "127.0.0.1:20000");
    g.listen_addr.assign("::1");
    EXPECT_EQ(group_listen_text(g), "[::1]:20000");
}

TEST(ParseListenAddr, NumericAddressWithPortOnly) {
    stbf_addr a{};
    ASSERT_TRUE(parse_listen_addr("127.0.0.1:9105", &a));
    EXPECT_EQ(a.family, 4);
    EXPECT_EQ(a.port, 9105);
    ASSERT_TRUE(parse_listen_addr("[::1]:9105", &a));
    EXPECT_EQ(a.family, 6);
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000",
                            "localhost:9105", "::1:9105", "127.0.0.1:91x5"})
        EXPECT_FALSE(parse_listen_addr(bad, &a)) << bad;
}

}  // namespace
}  // namespace stbf::daemon

namespace stbf::daemon {
namespace {

TEST(StatusText, Ipv6ServersAreShownInBrackets) {
    StatusReport r;
    GroupReport g;
    g.name = "v6";
    ServerReport s;
    s.label = "six";
    s.host = "::1";
    s.port = 23101;
    s.state = "up";
    g.servers.push_back(s);
    r.groups.push_back(g);
    const std::string text = status_text(r);
    EXPECT_NE(text.find("[::1]:23101"), std::string::npos) << text;
    EXPECT_EQ(text.find(" ::1:23101"), std::string::npos) << text;
}

}  // namespace
}  // namespace stbf::daemon
