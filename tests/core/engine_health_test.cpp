// Failure patterns a greeting probe alone does not catch, in virtual time: a server that greets
// and then drops the session, one that hangs before greeting, a flapping primary failing back
// too early, and the box's own errors.
#include "stbf/engine.h"

#include <gtest/gtest.h>

#include "engine_fixture.h"

namespace stbf {
namespace {

using namespace testing_engine;

class HealthTest : public EngineTest {
protected:
    // Two servers: 0 first choice, 1 the good alternative (a backup tier when `backup`).
    Config two_servers(bool backup) {
        Config c = make_config(2);
        c.servers[1].backup = backup;
        c.groups[0].slots = 1;
        return c;
    }
    // A client connects; its session goes live on the engine's pick and the upstream drops it
    // `after` later. Every check on the way passes (the server greets fine). Returns the
    // server that took the session.
    ServerSlot greet_then_drop(TimeUs after) {
        SessionId sid = open_live();
        ServerSlot server = engine->session_server(sid);
        EXPECT_EQ(engine->bytes_up(sid, now), Status::Ok);  // the login goes up
        run_with_probes(now + after, kNoServer, true);
        if (engine->session_server(sid) != kNoServer) {
            EXPECT_EQ(engine->session_closed(sid, Reason::Reset, now), Status::Ok);
        }
        run_with_probes(now + 100 * kMs, kNoServer, true);  // its immediate check passes
        return server;
    }
};

TEST_F(HealthTest, GreetThenDropIsMarkedDownAfterFallEarlyClosesAndSessionsMoveOn) {
    init(two_servers(true));
    first_checks(kNoServer, true);
    const uint8_t fall = 3;
    int dropped = 0;
    for (int client = 0; client < 15; ++client) {
        ServerSlot s = greet_then_drop(50 * kMs);
        if (s == 0) ++dropped;
        if (s == 1) break;
    }
    // The greeting probes passed every time and did not clear the streak.
    EXPECT_EQ(dropped, fall);
    EXPECT_EQ(state(0), ServerState::Down);
    EXPECT_EQ(engine->server_status(0).last_failure, Reason::Reset);
    // Later clients are served by the good server and stay there.
    for (int i = 0; i < 5; ++i) {
        SessionId sid = open_live();
        EXPECT_EQ(engine->session_server(sid), 1);
        engine->session_closed(sid, Reason::ClientClosed, now);
    }
}

TEST_F(HealthTest, PassingGreetingDoesNotClearAnEarlyCloseButALivingSessionDoes) {
    init(two_servers(true));
    first_checks(kNoServer, true);
    ASSERT_EQ(greet_then_drop(50 * kMs), 0);
    ServerStatus st = engine->server_status(0);
    EXPECT_EQ(st.state, ServerState::Suspect);
    EXPECT_EQ(st.fail_streak, 1);
    EXPECT_EQ(st.live_fail_streak, 1);
    EXPECT_GE(st.probes_ok, 2u);  // checked since, and passed
    // A session that outlives early_close_ms proves the server good again.
    SessionId sid = open_live();
    ASSERT_EQ(engine->session_server(sid), 0);
    run_with_probes(now + 6 * kSec, kNoServer, true);
    st = engine->server_status(0);
    EXPECT_EQ(st.state, ServerState::Up);
    EXPECT_EQ(st.fail_streak, 0);
    EXPECT_EQ(st.live_fail_streak, 0);
    // Its upstream ending later is an ordinary failure a passing check clears.
    ASSERT_EQ(engine->session_closed(sid, Reason::UpstreamClosed, now), Status::Ok);
    EXPECT_EQ(state(0), ServerState::Suspect);
    run_with_probes(now + 100 * kMs, kNoServer, true);
    EXPECT_EQ(state(0), ServerState::Up);
}

TEST_F(HealthTest, UnansweredRequestDefersTheVerdictToItsAnswer) {
    init(two_servers(true));
    first_checks(kNoServer, true);
    ASSERT_EQ(greet_then_drop(50 * kMs), 0);
    Config c = two_servers(true);
    c.groups[0].session.hang_timeout_ms = 0;  // no hang window: the request just waits
    ASSERT_EQ(engine->replace_config(c, now), Status::Ok);
    SessionId sid = open_live();
    ASSERT_EQ(engine->session_server(sid), 0);
    ASSERT_EQ(engine->bytes_up(sid, now), Status::Ok);
    run_with_probes(now + 6 * kSec, kNoServer, true);
    EXPECT_EQ(state(0), ServerState::Suspect);  // not proven while its request is open
    ASSERT_EQ(engine->bytes_down(sid, now), Status::Ok);
    EXPECT_EQ(state(0), ServerState::Up);
}

TEST_F(HealthTest, HungBeforeGreetingIsSuspectAfterOneLostRace) {
    init(two_servers(false));
    first_checks(kNoServer, true);
    notices();
    SessionId sid = 0;
    Action first = open_connecting(0, 0, &sid);
    ASSERT_EQ(first.server, 0);
    ASSERT_EQ(engine->attempt_connected(sid, first.attempt, now), Status::Ok);  // TCP accepts
    auto acts = advance_to(now + 260 * kMs);  // ... but no greeting: the race starts
    const Action* race = find(acts, ActionKind::Connect);
    ASSERT_NE(race, nullptr);
    ASSERT_EQ(race->server, 1);
    ASSERT_EQ(engine->attempt_ready(sid, race->attempt, now), Status::Ok);
    acts = drain();
    const Action* abort = find(acts, ActionKind::AbortAttempt);
    ASSERT_NE(abort, nullptr);
    EXPECT_EQ(abort->attempt, first.attempt);
    ServerStatus st = engine->server_status(0);
    EXPECT_EQ(st.state, ServerState::Suspect);
    EXPECT_EQ(st.last_failure, Reason::GreetingTimeout);
    EXPECT_EQ(st.last_failure_at, now);  // status tells how long ago it failed
    EXPECT_EQ(engine->server_status(1).last_failure, Reason::None);
    EXPECT_EQ(st.connects_failed, 1u);
    EXPECT_EQ(st.next_check, now);  // checked at once, not at the next idle check
    bool failover = false;
    for (const Notice& n : notices())
        if (n.kind == NoticeKind::Failover) {
            failover = true;
            EXPECT_EQ(n.from, 0);
            EXPECT_EQ(n.to, 1);
            EXPECT_EQ(n.reason, Reason::GreetingTimeout);
        }
    EXPECT_TRUE(failover);
    // The next client does not pay the stagger: it goes straight to the good server.
    SessionId next = 0;
    EXPECT_EQ(open_connecting(0, 0, &next).server, 1);
}

TEST_F(HealthTest, ARacerStartedLaterThatLosesIsNotAFailure) {
    init(two_servers(false));
    first_checks(kNoServer, true);
    SessionId sid = 0;
    Action first = open_connecting(0, 0, &sid);
    auto acts = advance_to(now + 260 * kMs);
    const Action* race = find(acts, ActionKind::Connect);
    ASSERT_NE(race, nullptr);
    ASSERT_EQ(engine->attempt_ready(sid, first.attempt, now), Status::Ok);  // slow, but first
    EXPECT_EQ(state(1), ServerState::Up);
    EXPECT_EQ(engine->server_status(1).connects_failed, 0u);
}

TEST_F(HealthTest, BackupTierFailbackOnlyAfterSlowStart) {
    Config c = two_servers(true);
    c.groups[0].health.fall = 1;
    init(c);
    first_checks(0, false);
    ASSERT_EQ(state(0), ServerState::Down);
    SessionId on_backup = open_live();
    ASSERT_EQ(engine->session_server(on_backup), 1);
    make_up(0);
    const TimeUs settled = engine->server_status(0).slowstart_until;
    ASSERT_GT(settled, now);
    // While the primary ramps, new sessions stay on the backup tier...
    for (int i = 0; i < 5; ++i) {
        SessionId sid = open_live();
        EXPECT_EQ(engine->session_server(sid), 1);
        engine->session_closed(sid, Reason::ClientClosed, now);
        now += 1 * kSec;
    }
    ASSERT_LT(now, settled);
    // ... and go back to the primary once it has settled.
    run_with_probes(settled, kNoServer, true);
    SessionId back = open_live();
    EXPECT_EQ(engine->session_server(back), 0);
    EXPECT_EQ(engine->session_server(on_backup), 1);  // live sessions are not moved
}

TEST_F(HealthTest, RampingServerIsStillUsedWhenItIsTheOnlyOne) {
    Config c = make_config(1);
    c.groups[0].health.fall = 1;
    init(c);
    first_checks(0, false);
    make_up(0);
    ASSERT_GT(engine->server_status(0).slowstart_until, now);
    EXPECT_EQ(engine->pick(0, 0, now), 0);
    EXPECT_FALSE(engine->group_status(0).panic);
}

TEST_F(HealthTest, LocalErrorsDoNotCountAgainstTheServer) {
    init(two_servers(false));
    first_checks(kNoServer, true);
    // The box is out of descriptors: every connect fails locally, on every server.
    for (int client = 0; client < 10; ++client) {
        SessionId sid = 0;
        Action a = open_connecting(0, 0, &sid);
        for (int guard = 0; guard < 8 && a.kind == ActionKind::Connect; ++guard) {
            ASSERT_EQ(engine->attempt_failed(sid, a.attempt, Reason::LocalError, now),
                      Status::Ok);
            auto acts = drain();
            const Action* next = find(acts, ActionKind::Connect);
            if (next == nullptr) break;
            a = *next;
        }
    }
    // And checks cannot open a socket either.
    for (int i = 0; i < 5; ++i) {
        TimeUs d = engine->next_deadline();
        now = d > now ? d : now;
        engine->on_timeout(now);
        for (const Action& a : drain())
            if (a.kind == ActionKind::Probe) {
                ASSERT_EQ(engine->probe_result(a.server, a.probe, false, Reason::LocalError, now),
                          Status::Ok);
            }
    }
    for (ServerSlot s : {ServerSlot{0}, ServerSlot{1}}) {
        ServerStatus st = engine->server_status(s);
        EXPECT_EQ(st.state, ServerState::Up);
        EXPECT_EQ(st.fail_streak, 0);
        EXPECT_EQ(st.connects_failed, 0u);
        EXPECT_GT(st.local_errors, 0u);
    }
    EXPECT_GE(engine->local_errors(), 20u);
    EXPECT_FALSE(engine->group_status(0).panic);
    EXPECT_EQ(engine->group_status(0).failovers, 0u);
    // A real refusal still counts.
    SessionId sid = 0;
    Action a = open_connecting(0, 0, &sid);
    ASSERT_EQ(engine->attempt_failed(sid, a.attempt, Reason::Refused, now), Status::Ok);
    EXPECT_EQ(state(a.server), ServerState::Suspect);
}

}  // namespace
}  // namespace stbf
