// EventLog: bounded history, repeats folded; notices described for people.
#include "event_log.h"

#include <gtest/gtest.h>

#include <memory>

namespace stbf::daemon {
namespace {

constexpr TimeUs kSec = 1000000;

TEST(EventLog, KeepsTheLastEntriesOnly) {
    EventLog log;
    for (size_t i = 0; i < EventLog::kCapacity + 50; ++i)
        log.add("state", "g", "s" + std::string(1, static_cast<char>('a' + i % 26)),
                "entry " + std::to_string(i), i * 20 * kSec, 0);
    ASSERT_EQ(log.events().size(), EventLog::kCapacity);
    EXPECT_EQ(log.dropped(), 50u);
    EXPECT_EQ(log.events().front().text, "entry 50");
    EXPECT_EQ(log.events().back().seq, EventLog::kCapacity + 50);
}

TEST(EventLog, RepeatsWithinTheFoldWindowBumpTheCount) {
    EventLog log;
    log.add("state", "g", "s1", "server s1 of group g: up -> down (refused)", kSec, 100);
    log.add("state", "g", "s1", "server s1 of group g: up -> down (refused)", 2 * kSec, 101);
    log.add("state", "g", "s2", "server s2 of group g: up -> down (refused)", 3 * kSec, 102);
    log.add("state", "g", "s2", "server s2 of group g: up -> down (refused)", 30 * kSec, 130);
    ASSERT_EQ(log.events().size(), 3u);
    EXPECT_EQ(log.events()[0].count, 2u);
    EXPECT_EQ(log.events()[0].wall, 101);
    EXPECT_EQ(log.events()[1].count, 1u) << "past the fold window: a new entry";
}

std::unique_ptr<Config> two_servers() {
    auto c = std::make_unique<Config>();
    c->group_count = 1;
    GroupConfig& g = c->groups[0];
    g.name.assign("sky");
    g.listen_port = 20000;
    g.server_count = 2;
    for (uint8_t i = 0; i < 2; ++i) {
        ServerConfig& s = c->servers[i];
        s.host.assign("127.0.0.1");
        s.port = static_cast<uint16_t>(12000 + i);
        s.label.assign(i == 0 ? "main" : "spare");
        g.servers[i] = i;
    }
    c->server_count = 2;
    return c;
}

TEST(DescribeNotice, SaysWhatHappenedInWords) {
    auto config = two_servers();
    auto engine = std::make_unique<DefaultEngine>();
    ASSERT_EQ(engine->init(*config, 1, 0), Status::Ok);
    Notice n{};
    n.kind = NoticeKind::ServerState;
    n.group = 0;
    n.server = engine->group_server(0, 0);
    n.from_state = ServerState::Up;
    n.to_state = ServerState::Down;
    n.reason = Reason::Refused;
    NoticeText t = describe_notice(*engine, n);
    EXPECT_EQ(t.kind, "state");
    EXPECT_EQ(t.group, "sky");
    EXPECT_EQ(t.server, "main");
    EXPECT_EQ(t.text, "server main of group sky: up -> down (refused)");

    n = Notice{};
    n.kind = NoticeKind::Failover;
    n.group = 0;
    n.from = engine->group_server(0, 0);
    n.to = engine->group_server(0, 1);
    n.reason = Reason::Refused;
    EXPECT_EQ(describe_notice(*engine, n).text,
              "group sky slot 1: new sessions main -> spare (refused)");

    n = Notice{};
    n.kind = NoticeKind::Panic;
    n.group = 0;
    n.on = true;
    EXPECT_NE(describe_notice(*engine, n).text.find("group sky: panic"), std::string::npos);

}

// A server a reload removes while a session still drains from it is Retired and in no group;
// its notices still name the group it drains from, which the engine keeps.
TEST(DescribeNotice, RetiredServerIsNamedUnderTheGroupItDrainsFrom) {
    auto config = two_servers();
    auto engine = std::make_unique<DefaultEngine>();
    ASSERT_EQ(engine->init(*config, 1, 0), Status::Ok);
    SessionId sid = 0;
    ASSERT_EQ(engine->session_open(0, 0, &sid), Status::Ok);
    Action a{};
    while (engine->pop_action(&a) && a.kind != ActionKind::Connect) {
    }
    ASSERT_EQ(a.kind, ActionKind::Connect);
    const ServerSlot live = a.server;
    ASSERT_EQ(engine->attempt_connected(sid, a.attempt, 0), Status::Ok);
    ASSERT_EQ(engine->attempt_ready(sid, a.attempt, 0), Status::Ok);
    Notice n{};
    while (engine->pop_notice(&n)) {
    }
    while (engine->pop_action(&a)) {
    }

    auto without = two_servers();  // the live session's server leaves the group
    const uint16_t keep = live == engine->group_server(0, 0) ? 1 : 0;
    without->servers[0] = without->servers[keep];
    without->server_count = 1;
    without->groups[0].server_count = 1;
    ASSERT_EQ(engine->replace_config(*without, 1), Status::Ok);
    bool seen = false;
    while (engine->pop_notice(&n)) {
        if (n.kind != NoticeKind::ServerState || n.to_state != ServerState::Retired) continue;
        const NoticeText t = describe_notice(*engine, n);
        EXPECT_EQ(t.group, "sky") << t.text;
        EXPECT_NE(t.text.find("of group sky"), std::string::npos) << t.text;
        seen = true;
    }
    EXPECT_TRUE(seen);
    EXPECT_STREQ(engine->server_status(live).group_name, "sky");
    EXPECT_EQ(engine->server_status(live).group, kNoGroup);
}

}  // namespace
}  // namespace stbf::daemon
