// Slots (warm standby): the sessions of one group's slots are kept on different servers, in
// virtual time.
#include <gtest/gtest.h>

#include "engine_fixture.h"
#include "stbf/engine.h"

namespace stbf {
namespace {

using namespace testing_engine;

Config slot_config(int servers, Mode mode = Mode::Ordered, uint8_t slots = 2) {
    Config c = make_config(servers, mode);
    c.groups[0].slots = slots;
    return c;
}

class SlotsTest : public EngineTest {
  protected:
    ServerSlot open_connecting(uint8_t slot, SessionId* sid) {
        return EngineTest::open_connecting(0, slot, sid).server;
    }
    // Makes the sessions of one slot hang until the engine cuts them; returns the closes.
    std::vector<Action> hang(SessionId sid) {
        EXPECT_EQ(engine->bytes_up(sid, now), Status::Ok);
        std::vector<Action> closes;
        for (const Action& a : advance_to(now + 3 * kSec))
            if (a.kind == ActionKind::CloseSession) closes.push_back(a);
        return closes;
    }
};

TEST_F(SlotsTest, AutomaticSlotCountIsTwoWithTwoEnabledServersElseOne) {
    Config c = make_config(2);
    init(c);
    EXPECT_EQ(engine->group_slots(0), 2);
    c.servers[1].enabled = false;
    ASSERT_EQ(engine->replace_config(c, now), Status::Ok);
    EXPECT_EQ(engine->group_slots(0), 1);
    SessionId sid = 0;
    EXPECT_EQ(engine->session_open_slot(0, 1, now, &sid), Status::InvalidArgument);
    c.groups[0].slots = STBF_MAX_SLOTS + 1;
    EXPECT_EQ(engine->replace_config(c, now), Status::InvalidArgument);
    c.groups[0].slots = 3;
    ASSERT_EQ(engine->replace_config(c, now), Status::Ok);
    EXPECT_EQ(engine->group_slots(0), 3);
    EXPECT_EQ(engine->group_slots(7), 0);
}

TEST_F(SlotsTest, SlotsLandOnDistinctServersInEveryMode) {
    for (Mode mode : {Mode::Ordered, Mode::Random, Mode::Scored}) {
        SCOPED_TRACE(mode_name(mode));
        engine = std::make_unique<DefaultEngine>();
        init(slot_config(3, mode, 3));
        first_checks(kNoServer, true);
        SessionId s0 = open_live(0, 0);
        SessionId s1 = open_live(0, 1);
        SessionId s2 = open_live(0, 2);
        ASSERT_NE(engine->session_server(s0), kNoServer);
        // Reconnect slot 1 again and again: it never lands on slot 0's or slot 2's server.
        for (int i = 0; i < 40; ++i) {
            ServerSlot a = engine->session_server(s0), b = engine->session_server(s1),
                       c = engine->session_server(s2);
            EXPECT_NE(a, b);
            EXPECT_NE(a, c);
            EXPECT_NE(b, c);
            ASSERT_EQ(engine->session_closed(s1, Reason::ClientClosed, now), Status::Ok);
            now += 100 * kMs;
            s1 = open_live(0, 1);
        }
    }
}

TEST_F(SlotsTest, SlotsOneBehavesAsOneSlotAlways) {
    init(slot_config(2, Mode::Ordered, 1));
    EXPECT_EQ(engine->group_slots(0), 1);
    SessionId a = open_live();
    SessionId b = open_live();  // a second client on the same port: same server as before
    EXPECT_EQ(engine->session_server(a), 0);
    EXPECT_EQ(engine->session_server(b), 0);
    SessionId sid = 0;
    EXPECT_EQ(engine->session_open_slot(0, 1, now, &sid), Status::InvalidArgument);
}

TEST_F(SlotsTest, TwoClientsOnOneSlotMayShareItsServer) {
    init(slot_config(2));
    SessionId a = open_live(0, 0);
    SessionId b = open_live(0, 0);
    EXPECT_EQ(engine->session_server(a), engine->session_server(b));
}

TEST_F(SlotsTest, ConnectingSessionOfAnotherSlotIsAvoidedToo) {
    init(slot_config(3));
    SessionId s0 = 0, s1 = 0;
    ServerSlot first = open_connecting(0, &s0);
    ServerSlot second = open_connecting(1, &s1);
    EXPECT_EQ(first, 0);
    EXPECT_EQ(second, 1);
}

TEST_F(SlotsTest, RacingAttemptOfASlotAvoidsTheOtherSlotsServer) {
    init(slot_config(3));
    SessionId s0 = open_live(0, 0);
    ASSERT_EQ(engine->session_server(s0), 0);
    SessionId s1 = 0;
    ASSERT_EQ(open_connecting(1, &s1), 1);
    // Server 1 is slow: after the stagger a second attempt races it, never on server 0.
    auto acts = advance_to(now + 300 * kMs);
    const Action* race = find(acts, ActionKind::Connect);
    ASSERT_NE(race, nullptr);
    EXPECT_EQ(race->server, 2);
}

TEST_F(SlotsTest, CutSlotIsRehomedAwayFromTheOtherSlot) {
    init(slot_config(3));
    first_checks(kNoServer, true);
    SessionId s0 = open_live(0, 0);
    SessionId s1 = open_live(0, 1);
    ASSERT_EQ(engine->session_server(s0), 0);
    ASSERT_EQ(engine->session_server(s1), 1);
    notices();
    auto closes = hang(s1);
    ASSERT_EQ(closes.size(), 1u);
    EXPECT_EQ(closes[0].session, s1);
    EXPECT_EQ(closes[0].reason, Reason::Hung);
    // Slot 1 reconnects: server 0 is the best but carries slot 0, server 1 just hung.
    SessionId again = open_live(0, 1);
    EXPECT_EQ(engine->session_server(again), 2);
    EXPECT_EQ(engine->session_server(s0), 0);  // the live session was not moved
    bool failover = false;
    for (const Notice& n : notices()) {
        if (n.kind != NoticeKind::Failover) continue;
        failover = true;
        EXPECT_EQ(n.group, 0);
        EXPECT_EQ(n.slot, 1);
        EXPECT_EQ(n.from, 1);
        EXPECT_EQ(n.to, 2);
        EXPECT_EQ(n.reason, Reason::Hung);
    }
    EXPECT_TRUE(failover);
    SlotStatus st = engine->slot_status(0, 1);
    EXPECT_EQ(st.server, 2);
    EXPECT_EQ(st.since, now);
    EXPECT_FALSE(st.idle);
}

TEST_F(SlotsTest, OneUsableServerRefusesTheSecondSlotUntilAnotherRecovers) {
    Config c = slot_config(2);
    c.groups[0].health.fall = 1;
    init(c);
    first_checks(1, false);
    ASSERT_EQ(state(1), ServerState::Down);
    SessionId s0 = open_live(0, 0);
    ASSERT_EQ(engine->session_server(s0), 0);
    notices();
    SessionId s1 = 0;
    EXPECT_EQ(engine->session_open_slot(0, 1, now, &s1), Status::NoServer);
    EXPECT_TRUE(drain().empty());  // nothing to carry out: the caller closes the client
    auto ns = notices();
    ASSERT_EQ(ns.size(), 1u);
    EXPECT_EQ(ns[0].kind, NoticeKind::SlotIdle);
    EXPECT_EQ(ns[0].group, 0);
    EXPECT_EQ(ns[0].slot, 1);
    const TimeUs idle_at = now;
    SlotStatus st = engine->slot_status(0, 1);
    EXPECT_TRUE(st.idle);
    EXPECT_EQ(st.idle_since, idle_at);
    EXPECT_EQ(st.server, kNoServer);
    EXPECT_EQ(engine->group_status(0).sessions_refused, 1u);

    // Server 1 recovers: the softcam's next reconnect of slot 1 is served there, and slot 0's
    // live session stays where it is.
    make_up(1);
    SessionId again = open_live(0, 1);
    EXPECT_EQ(engine->session_server(again), 1);
    EXPECT_EQ(engine->session_server(s0), 0);
    EXPECT_FALSE(engine->slot_status(0, 1).idle);
}

TEST_F(SlotsTest, InPanicEachSlotsConnectionTriesADownServerOfItsOwn) {
    // The whole provider is down. The panic rule gives a connection one Down server and none
    // after a try of its own; the server another slot's connection holds is not such a try,
    // so the second slot's reader still gets one (another) Down server to try.
    Config c = slot_config(3);
    c.groups[0].health.fall = 1;
    init(c);
    answer_probes(advance_to(now + 2 * kSec), false);
    for (ServerSlot sl = 0; sl < 3; ++sl) ASSERT_EQ(state(sl), ServerState::Down);
    ASSERT_TRUE(engine->group_status(0).panic);
    SessionId s0 = 0, s1 = 0;
    const ServerSlot first = open_connecting(0, &s0);
    ASSERT_NE(first, kNoServer);
    const Action second = EngineTest::open_connecting(0, 1, &s1);
    ASSERT_EQ(second.kind, ActionKind::Connect);
    EXPECT_NE(second.server, first);
    // Its own try failing ends it: no second Down server for the same connection.
    ASSERT_EQ(engine->attempt_failed(s1, second.attempt, Reason::Refused, now), Status::Ok);
    const auto after = drain();
    EXPECT_EQ(find(after, ActionKind::Connect), nullptr);
    const Action* close = find(after, ActionKind::CloseSession);
    ASSERT_NE(close, nullptr);
    EXPECT_EQ(close->session, s1);
}

TEST_F(SlotsTest, SlotShareLetsTheSecondSlotUseTheLastServer) {
    Config c = slot_config(2);
    c.groups[0].health.fall = 1;
    c.groups[0].slot_share = true;
    init(c);
    first_checks(1, false);
    SessionId s0 = open_live(0, 0);
    SessionId s1 = open_live(0, 1);
    EXPECT_EQ(engine->session_server(s0), 0);
    EXPECT_EQ(engine->session_server(s1), 0);
    // With a second server usable again, a sharing group still prefers distinct servers.
    make_up(1);
    engine->session_closed(s1, Reason::ClientClosed, now);
    s1 = open_live(0, 1);
    EXPECT_EQ(engine->session_server(s1), 1);
}

TEST_F(SlotsTest, NoServerAtAllClosesAsWithOneSlot) {
    Config c = slot_config(2);
    c.servers[0].enabled = false;
    c.servers[1].enabled = false;
    init(c);
    SessionId sid = 0;
    ASSERT_EQ(engine->session_open_slot(0, 1, now, &sid), Status::Ok);
    const Action* close = nullptr;
    auto acts = drain();
    close = find(acts, ActionKind::CloseSession);
    ASSERT_NE(close, nullptr);
    EXPECT_EQ(close->reason, Reason::NoServer);
}

TEST_F(SlotsTest, ReloadKeepsSlotsOnTheirServers) {
    Config c = slot_config(3);
    init(c);
    SessionId s0 = open_live(0, 0);
    SessionId s1 = open_live(0, 1);
    ASSERT_EQ(engine->replace_config(c, now), Status::Ok);
    EXPECT_EQ(engine->slot_status(0, 0).server, engine->session_server(s0));
    EXPECT_EQ(engine->slot_status(0, 1).server, engine->session_server(s1));
    engine->session_closed(s1, Reason::ClientClosed, now);
    SessionId again = open_live(0, 1);
    EXPECT_NE(engine->session_server(again), engine->session_server(s0));
}

}  // namespace
}  // namespace stbf
