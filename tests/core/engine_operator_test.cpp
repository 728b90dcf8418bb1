// Operator controls (drain / disable / enable, per-server session limit) and the notices the
// engine emits, in virtual time.
#include <gtest/gtest.h>

#include "engine_fixture.h"
#include "stbf/engine.h"

namespace stbf {
namespace {

using namespace testing_engine;

class OperatorTest : public EngineTest {
  protected:
    static int count(const std::vector<Action>& v, ActionKind k, ServerSlot server) {
        int n = 0;
        for (const Action& a : v) n += (a.kind == k && a.server == server) ? 1 : 0;
        return n;
    }
    static std::vector<Notice> of_kind(const std::vector<Notice>& v, NoticeKind k) {
        std::vector<Notice> out;
        for (const Notice& n : v)
            if (n.kind == k) out.push_back(n);
        return out;
    }
    std::vector<Action> run_all_ok(TimeUs until) { return run_with_probes(until, kNoServer, true); }
};

TEST_F(OperatorTest, DrainKeepsTheLiveSessionAndSendsNewOnesElsewhere) {
    init(make_config(2));
    first_checks(kNoServer, true);
    SessionId live = open_live();
    ASSERT_EQ(engine->session_server(live), 0);
    notices();
    ASSERT_EQ(engine->set_admin_state(0, AdminState::Drain, 0, now), Status::Ok);
    EXPECT_EQ(engine->admin_state(0), AdminState::Drain);
    auto admin = of_kind(notices(), NoticeKind::Admin);
    ASSERT_EQ(admin.size(), 1u);
    EXPECT_EQ(admin[0].server, 0);
    EXPECT_EQ(admin[0].admin, AdminState::Drain);
    EXPECT_EQ(admin[0].when, now);
    EXPECT_EQ(admin[0].group, 0);

    for (int i = 0; i < 5; ++i) {
        SessionId fresh = open_live();
        EXPECT_EQ(engine->session_server(fresh), 1);
        engine->session_closed(fresh, Reason::ClientClosed, now);
    }
    auto failovers = of_kind(notices(), NoticeKind::Failover);
    ASSERT_EQ(failovers.size(), 1u);  // the move, not every session after it
    EXPECT_EQ(failovers[0].from, 0);
    EXPECT_EQ(failovers[0].to, 1);
    EXPECT_EQ(failovers[0].reason, Reason::Drained);

    // The drained server's session keeps being relayed for as long as it lives.
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(engine->bytes_up(live, now), Status::Ok);
        ASSERT_EQ(engine->bytes_down(live, now), Status::Ok);
        auto acts = run_all_ok(now + 60 * kSec);
        EXPECT_EQ(find(acts, ActionKind::CloseSession), nullptr);
    }
    EXPECT_EQ(engine->session_server(live), 0);
    EXPECT_EQ(engine->server_status(0).state, ServerState::Up);
    EXPECT_EQ(engine->server_status(0).admin, AdminState::Drain);
}

TEST_F(OperatorTest, DisableCutsLiveSessionsAfterTheGraceAndStopsChecks) {
    init(make_config(2));
    first_checks(kNoServer, true);
    SessionId live = open_live();
    ASSERT_EQ(engine->session_server(live), 0);
    ASSERT_EQ(engine->set_admin_state(0, AdminState::Disabled, 5000, now), Status::Ok);
    const TimeUs cut_at = now + 5 * kSec;
    EXPECT_EQ(engine->server_status(0).admin_cut_at, cut_at);
    EXPECT_LE(engine->next_deadline(), cut_at);
    auto before = run_all_ok(cut_at - 1);
    EXPECT_EQ(find(before, ActionKind::CloseSession), nullptr);
    EXPECT_EQ(engine->bytes_up(live, now), Status::Ok);
    auto at = run_all_ok(cut_at);
    const Action* close = find(at, ActionKind::CloseSession);
    ASSERT_NE(close, nullptr);
    EXPECT_EQ(close->session, live);
    EXPECT_EQ(close->reason, Reason::Drained);
    EXPECT_EQ(engine->bytes_up(live, now), Status::Stale);
    // Disabled: no new session, no check, and the cut is no failure of the server.
    EXPECT_EQ(engine->server_status(0).fail_streak, 0);
    auto later = run_all_ok(now + 600 * kSec);
    EXPECT_EQ(count(later, ActionKind::Probe, 0), 0);
    EXPECT_GT(count(later, ActionKind::Probe, 1), 0);
    SessionId fresh = open_live();
    EXPECT_EQ(engine->session_server(fresh), 1);
}

TEST_F(OperatorTest, DisableWithoutGraceCutsAtOnceIncludingAttempts) {
    Config c = make_config(2);
    c.groups[0].session.race = false;
    init(c);
    SessionId live = open_live();
    SessionId connecting = 0;
    ASSERT_EQ(open_connecting(0, 0, &connecting).server, 0);
    ASSERT_EQ(engine->set_admin_state(0, AdminState::Disabled, 0, now), Status::Ok);
    auto acts = drain();
    bool closed = false, aborted = false, retried = false;
    for (const Action& a : acts) {
        closed |= a.kind == ActionKind::CloseSession && a.session == live;
        aborted |= a.kind == ActionKind::AbortAttempt && a.session == connecting;
        retried |= a.kind == ActionKind::Connect && a.session == connecting && a.server == 1;
    }
    EXPECT_TRUE(closed);
    EXPECT_TRUE(aborted);
    EXPECT_TRUE(retried);  // the connecting client is served by the other server
    EXPECT_EQ(engine->server_status(0).connects_failed, 0u);
}

TEST_F(OperatorTest, EnableGoesThroughRiseChecksAndSlowStart) {
    init(make_config(2));
    first_checks(kNoServer, true);
    ASSERT_EQ(engine->set_admin_state(0, AdminState::Disabled, 0, now), Status::Ok);
    run_all_ok(now + 120 * kSec);
    notices();
    ASSERT_EQ(engine->set_admin_state(0, AdminState::Enabled, 0, now), Status::Ok);
    EXPECT_EQ(state(0), ServerState::Rising);
    EXPECT_EQ(engine->server_status(0).next_check, now);  // checked at once
    EXPECT_EQ(engine->pick(0, 0, now), 1);                // not before it has risen
    auto ns = notices();
    ASSERT_EQ(of_kind(ns, NoticeKind::Admin).size(), 1u);
    EXPECT_EQ(of_kind(ns, NoticeKind::Admin)[0].admin, AdminState::Enabled);
    auto st = of_kind(ns, NoticeKind::ServerState);
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].from_state, ServerState::Up);
    EXPECT_EQ(st[0].to_state, ServerState::Rising);
    make_up(0);
    EXPECT_GT(engine->server_status(0).slowstart_until, now);
    auto up = of_kind(notices(), NoticeKind::ServerState);
    ASSERT_FALSE(up.empty());
    EXPECT_EQ(up.back().to_state, ServerState::Up);
}

TEST_F(OperatorTest, AdminStateSurvivesAReloadOfTheSameServer) {
    Config c = make_config(2);
    init(c);
    ASSERT_EQ(engine->set_admin_state(1, AdminState::Drain, 0, now), Status::Ok);
    Config c2 = make_config(3);
    ASSERT_EQ(engine->replace_config(c2, now), Status::Ok);
    EXPECT_EQ(engine->admin_state(1), AdminState::Drain);
    EXPECT_EQ(engine->admin_state(0), AdminState::Enabled);
    EXPECT_EQ(engine->admin_state(2), AdminState::Enabled);
}

TEST_F(OperatorTest, UnknownServerIsNotFound) {
    init(make_config(2));
    EXPECT_EQ(engine->set_admin_state(9, AdminState::Drain, 0, now), Status::NotFound);
    EXPECT_EQ(engine->set_admin_state(kNoServer, AdminState::Drain, 0, now), Status::NotFound);
    EXPECT_EQ(engine->admin_state(9), AdminState::Enabled);
}

TEST_F(OperatorTest, DrainingEveryServerIsPanic) {
    init(make_config(2));
    notices();
    engine->set_admin_state(0, AdminState::Drain, 0, now);
    EXPECT_TRUE(of_kind(notices(), NoticeKind::Panic).empty());
    engine->set_admin_state(1, AdminState::Drain, 0, now);
    auto on = of_kind(notices(), NoticeKind::Panic);
    ASSERT_EQ(on.size(), 1u);
    EXPECT_TRUE(on[0].on);
    EXPECT_TRUE(engine->group_status(0).panic);
    SessionId sid = 0;
    ASSERT_EQ(engine->session_open(0, now, &sid), Status::Ok);
    const Action* close = nullptr;
    auto acts = drain();
    close = find(acts, ActionKind::CloseSession);
    ASSERT_NE(close, nullptr);  // drained servers take nothing, not even in panic
    EXPECT_EQ(close->reason, Reason::NoServer);
}

TEST_F(OperatorTest, FullServerIsSkippedLikeAnUnusableOne) {
    Config c = make_config(2);
    c.servers[0].max_sessions = 2;
    init(c);
    EXPECT_EQ(engine->server_status(0).max_sessions, 2);
    SessionId a = open_live();
    SessionId b = open_live();
    SessionId d = open_live();
    EXPECT_EQ(engine->session_server(a), 0);
    EXPECT_EQ(engine->session_server(b), 0);
    EXPECT_EQ(engine->session_server(d), 1);
    engine->session_closed(a, Reason::ClientClosed, now);
    SessionId e = open_live();
    EXPECT_EQ(engine->session_server(e), 0);
    // An attempt in flight counts: two clients connecting at once do not overfill it.
    engine->session_closed(e, Reason::ClientClosed, now);
    SessionId x = 0, y = 0;
    ASSERT_EQ(engine->session_open(0, now, &x), Status::Ok);
    ASSERT_EQ(engine->session_open(0, now, &y), Status::Ok);
    int on0 = 0;
    for (const Action& act : drain()) on0 += act.kind == ActionKind::Connect && act.server == 0;
    EXPECT_EQ(on0, 1);
}

TEST_F(OperatorTest, ServerStateNoticesCarryFromToAndReason) {
    Config c = make_config(2);
    c.groups[0].health.fall = 2;
    init(c);
    notices();
    for (const Action& a : advance_to(now + 2 * kSec))  // first failure: suspect
        if (a.kind == ActionKind::Probe)
            engine->probe_result(a.server, a.probe, a.server != 0, Reason::Refused, now);
    auto ns = of_kind(notices(), NoticeKind::ServerState);
    ASSERT_EQ(ns.size(), 1u);
    EXPECT_EQ(ns[0].server, 0);
    EXPECT_EQ(ns[0].group, 0);
    EXPECT_EQ(ns[0].from_state, ServerState::Up);
    EXPECT_EQ(ns[0].to_state, ServerState::Suspect);
    EXPECT_EQ(ns[0].reason, Reason::Refused);
    make_down(0);
    ns = of_kind(notices(), NoticeKind::ServerState);
    ASSERT_EQ(ns.size(), 1u);
    EXPECT_EQ(ns[0].from_state, ServerState::Suspect);
    EXPECT_EQ(ns[0].to_state, ServerState::Down);
    EXPECT_EQ(ns[0].when, engine->server_status(0).last_change);
}

TEST_F(OperatorTest, PanicNoticeOnWhenTheLastServerFallsAndOffWhenOneReturns) {
    Config c = make_config(1);
    c.groups[0].health.fall = 1;
    init(c);
    notices();
    make_down(0);
    auto on = of_kind(notices(), NoticeKind::Panic);
    ASSERT_EQ(on.size(), 1u);
    EXPECT_TRUE(on[0].on);
    EXPECT_EQ(on[0].group, 0);
    make_up(0);
    auto off = of_kind(notices(), NoticeKind::Panic);
    ASSERT_EQ(off.size(), 1u);
    EXPECT_FALSE(off[0].on);
}

TEST_F(OperatorTest, FailedFirstChoiceIsAFailoverNotice) {
    init(make_config(2));
    notices();
    SessionId sid = 0;
    Action c = open_connecting(0, 0, &sid);
    ASSERT_EQ(c.kind, ActionKind::Connect);
    ASSERT_EQ(engine->attempt_failed(sid, c.attempt, Reason::Refused, now), Status::Ok);
    auto acts = drain();
    const Action* next = find(acts, ActionKind::Connect);
    ASSERT_NE(next, nullptr);
    ASSERT_EQ(next->server, 1);
    ASSERT_EQ(engine->attempt_ready(sid, next->attempt, now), Status::Ok);
    auto f = of_kind(notices(), NoticeKind::Failover);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].group, 0);
    EXPECT_EQ(f[0].from, 0);
    EXPECT_EQ(f[0].to, 1);
    EXPECT_EQ(f[0].server, 1);
    EXPECT_EQ(f[0].reason, Reason::Refused);
    EXPECT_EQ(f[0].slot, 0);
    EXPECT_EQ(engine->group_status(0).failovers, 1u);
}

TEST_F(OperatorTest, NoticeQueueIsBoundedAndCountsWhatItDrops) {
    init(make_config(2));
    notices();
    int queued = 0;
    for (int i = 0; i < STBF_MAX_NOTICES; ++i) {
        engine->set_admin_state(1, i % 2 ? AdminState::Enabled : AdminState::Drain, 0, now);
    }
    Notice n;
    while (engine->pop_notice(&n)) ++queued;
    EXPECT_EQ(queued, STBF_MAX_NOTICES);
    EXPECT_GT(engine->notices_dropped(), 0u);
    // Draining makes room again.
    engine->set_admin_state(1, AdminState::Drain, 0, now);
    EXPECT_TRUE(engine->pop_notice(&n));
}

}  // namespace
}  // namespace stbf
