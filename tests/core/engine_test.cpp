// Unit tests of the failover engine, driven by hand with an explicit clock.
#include "stbf/engine.h"

#include <gtest/gtest.h>

#include "engine_fixture.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

namespace stbf {
namespace {

using namespace testing_engine;

// ---- config loading ----------------------------------------------------------------------

TEST_F(EngineTest, RejectsServerIndexOutOfRange) {
    Config c = make_config(2);
    c.groups[0].servers[1] = 7;
    EXPECT_EQ(engine->init(c, 1, now), Status::InvalidArgument);
}

TEST_F(EngineTest, RejectsServerInTwoGroups) {
    Config c = make_config(2);
    c.group_count = 2;
    c.groups[1] = c.groups[0];
    c.groups[1].name.assign("line2");
    EXPECT_EQ(engine->init(c, 1, now), Status::InvalidArgument);
}

TEST_F(EngineTest, RejectsDuplicateGroupNamesAndZeroPort) {
    Config c = make_config(2);
    c.servers[0].port = 0;
    EXPECT_EQ(engine->init(c, 1, now), Status::InvalidArgument);
    Config d = make_config(2);
    d.group_count = 2;
    d.groups[1] = d.groups[0];
    d.groups[1].server_count = 0;
    EXPECT_EQ(engine->init(d, 1, now), Status::InvalidArgument);
}

TEST_F(EngineTest, TooManyServersIsCapacityExceeded) {
    Config c = make_config(2);
    c.server_count = STBF_MAX_SERVERS + 1;
    EXPECT_EQ(engine->init(c, 1, now), Status::CapacityExceeded);
}

// ---- health checks -----------------------------------------------------------------------

TEST_F(EngineTest, FirstChecksAreSpreadOverTheFirstTwoSeconds) {
    init(make_config(4));
    auto acts = advance_to(now + 2 * kSec);
    int probes = 0;
    for (const Action& a : acts) probes += a.kind == ActionKind::Probe;
    EXPECT_EQ(probes, 4);
    for (const Action& a : acts) EXPECT_EQ(a.kind, ActionKind::Probe);
}

TEST_F(EngineTest, ActionsCarryTheSettingsOfTheirServer) {
    // A runtime carries out an action from the action alone: the settings of its server come
    // with it (host, port, probe kind), the same ones server_config() reports.
    init(make_config(2));
    auto probes = advance_to(now + 2 * kSec);
    ASSERT_FALSE(probes.empty());
    for (const Action& a : probes) {
        ASSERT_NE(a.config, nullptr);
        EXPECT_EQ(a.config, engine->server_config(a.server));
    }
    answer_probes(probes, true);
    SessionId sid = 0;
    const Action connect = open_connecting(0, 0, &sid);
    ASSERT_EQ(connect.kind, ActionKind::Connect);
    ASSERT_NE(connect.config, nullptr);
    EXPECT_EQ(connect.config, engine->server_config(connect.server));
    EXPECT_EQ(connect.config->port, engine->server_config(connect.server)->port);
    EXPECT_FALSE(connect.config->host.empty());
}

TEST_F(EngineTest, IdleUpServerIsCheckedAboutOncePerInterval) {
    init(make_config(1));
    answer_probes(advance_to(now + 2 * kSec), true);
    TimeUs last = now;
    int probes = 0;
    TimeUs end = now + 3600 * kSec;
    for (int guard = 0; guard < 1000; ++guard) {
        TimeUs d = engine->next_deadline();
        if (d > end) break;
        now = d;
        engine->on_timeout(now);
        for (auto& a : drain()) {
            if (a.kind != ActionKind::Probe) continue;
            ++probes;
            TimeUs gap = now - last;
            EXPECT_GE(gap, 54 * kSec);  // 60 s +/- 10 % jitter
            EXPECT_LE(gap, 66 * kSec);
            last = now;
            engine->probe_result(a.server, a.probe, true, Reason::None, now);
        }
    }
    EXPECT_GE(probes, 55);
    EXPECT_LE(probes, 66);
}

TEST_F(EngineTest, FailuresMarkSuspectWithImmediateRecheckThenDown) {
    init(make_config(1));
    auto acts = advance_to(now + 2 * kSec);
    answer_probes(acts, false);
    EXPECT_EQ(state(0), ServerState::Suspect);
    EXPECT_EQ(engine->next_deadline(), now);  // re-checked at once, not after fastinter
    acts = advance_to(now);
    answer_probes(acts, false);
    EXPECT_EQ(state(0), ServerState::Suspect);
    // third failure (fall = 3) after fastinter
    TimeUs before = now;
    acts = advance_to(now + 3 * kSec);
    ASSERT_NE(find(acts, ActionKind::Probe), nullptr);
    answer_probes(acts, false);
    EXPECT_EQ(state(0), ServerState::Down);
    EXPECT_GE(engine->server_status(0).last_change, before + 1800 * kMs);
    EXPECT_EQ(engine->server_status(0).last_failure, Reason::Refused);
}

TEST_F(EngineTest, DownServerBacksOffExponentiallyWithJitterUpToTheCap) {
    Config c = make_config(1);
    c.groups[0].health.fall = 1;
    init(c);
    answer_probes(advance_to(now + 2 * kSec), false);
    ASSERT_EQ(state(0), ServerState::Down);
    TimeUs last = now;
    std::vector<TimeUs> gaps;
    for (int i = 0; i < 12; ++i) {
        TimeUs d = engine->next_deadline();
        now = d;
        engine->on_timeout(now);
        auto acts = drain();
        ASSERT_NE(find(acts, ActionKind::Probe), nullptr);
        gaps.push_back(now - last);
        last = now;
        answer_probes(acts, false);
    }
    // gap i lies in [fastinter, min(max, downinter * 2^i)]
    for (size_t i = 0; i < gaps.size(); ++i) {
        TimeUs cap = 5 * kSec << (i < 6 ? i : 6);
        if (cap > 300 * kSec) cap = 300 * kSec;
        EXPECT_GE(gaps[i], 2 * kSec) << i;
        EXPECT_LE(gaps[i], cap) << i;
    }
    // the later gaps are on average much larger than the first ones
    TimeUs late = gaps[9] + gaps[10] + gaps[11];
    TimeUs early = gaps[0] + gaps[1] + gaps[2];
    EXPECT_GT(late, early);
}

TEST_F(EngineTest, RecoveryNeedsRiseSuccessesAndStartsSlow) {
    Config c = make_config(1);
    c.groups[0].health.fall = 1;
    init(c);
    answer_probes(advance_to(now + 2 * kSec), false);
    ASSERT_EQ(state(0), ServerState::Down);
    auto acts = advance_to(engine->next_deadline());
    answer_probes(acts, true);
    EXPECT_EQ(state(0), ServerState::Rising);
    acts = advance_to(engine->next_deadline());
    EXPECT_LE(now - engine->server_status(0).last_change, 2200 * kMs);  // fastinter while rising
    answer_probes(acts, true);
    EXPECT_EQ(state(0), ServerState::Up);
    EXPECT_EQ(engine->server_status(0).slowstart_until, now + 30 * kSec);
}

TEST_F(EngineTest, ProbeTimeoutCountsAsFailureAndCancelsTheProbe) {
    init(make_config(1));
    auto acts = advance_to(now + 2 * kSec);
    const Action* p = find(acts, ActionKind::Probe);
    ASSERT_NE(p, nullptr);
    ProbeId id = p->probe;
    EXPECT_EQ(engine->probe_connected(0, id, now), Status::Ok);
    acts = advance_to(now + 2 * kSec);  // timeout 2 s
    const Action* cancel = find(acts, ActionKind::CancelProbe);
    ASSERT_NE(cancel, nullptr);
    EXPECT_EQ(cancel->probe, id);
    EXPECT_EQ(state(0), ServerState::Suspect);
    EXPECT_EQ(engine->server_status(0).last_failure, Reason::GreetingTimeout);
    // the late answer of the cancelled probe changes nothing
    EXPECT_EQ(engine->probe_result(0, id, true, Reason::None, now), Status::Stale);
    EXPECT_EQ(state(0), ServerState::Suspect);
}

TEST_F(EngineTest, ServerWithLiveSessionIsWatchedNotProbed) {
    init(make_config(2));
    answer_probes(advance_to(now + 2 * kSec), true);
    SessionId sid = open_live();
    ASSERT_NE(sid, 0u);
    EXPECT_EQ(engine->session_server(sid), 0);
    int probes_of_live = 0;
    for (int i = 0; i < 600; ++i) {  // ten minutes, answering keepalives every second
        now += kSec;
        engine->bytes_up(sid, now);
        engine->bytes_down(sid, now + 10 * kMs);
        if (engine->next_deadline() <= now) engine->on_timeout(now);
        for (auto& a : drain()) {
            if (a.kind == ActionKind::Probe) {
                probes_of_live += a.server == 0;
                engine->probe_result(a.server, a.probe, true, Reason::None, now);
            }
        }
    }
    EXPECT_EQ(probes_of_live, 0);
    EXPECT_GT(engine->server_status(1).probes_ok, 5u);  // the idle one still is checked
    EXPECT_EQ(engine->session_closed(sid, Reason::ClientClosed, now), Status::Ok);
    EXPECT_NE(engine->server_status(0).next_check, kNever);  // back to active checks
}

// ---- picks ---------------------------------------------------------------------------------

TEST_F(EngineTest, OrderedUsesPriorityThenConfigOrderAndBackupLast) {
    Config c = make_config(4);
    c.servers[0].backup = true;
    c.servers[1].priority = 5;
    c.servers[2].priority = 1;
    c.servers[3].priority = 1;
    init(c);
    EXPECT_EQ(engine->pick(0, 0, now), 2);
    EXPECT_EQ(engine->pick(0, uint64_t{1} << 2, now), 3);
    EXPECT_EQ(engine->pick(0, (uint64_t{1} << 2) | (uint64_t{1} << 3), now), 1);
    EXPECT_EQ(engine->pick(0, 0b1110, now), 0);  // only the backup is left
    EXPECT_EQ(engine->pick(0, 0b1111, now), kNoServer);
}

TEST_F(EngineTest, OrderedPrefersCleanServerThenSuspectPrimaryThenBackup) {
    Config c = make_config(3);
    c.servers[2].backup = true;
    c.groups[0].health.fall = 2;
    init(c);
    auto acts = advance_to(now + 2 * kSec);
    for (const Action& a : acts)
        engine->probe_result(a.server, a.probe, a.server != 0, Reason::Refused, now);
    ASSERT_EQ(state(0), ServerState::Suspect);
    EXPECT_EQ(engine->pick(0, 0, now), 1);  // clean primary before the suspect one
    Config same = c;
    same.servers[1].enabled = false;  // only the suspect primary and the backup are left
    ASSERT_EQ(engine->replace_config(same, now), Status::Ok);
    EXPECT_EQ(engine->pick(0, 0, now), 0);  // a suspect primary still beats the backup
    acts = advance_to(now);  // the immediate re-check of server 0 fails: down
    answer_probes(acts, false);
    ASSERT_EQ(state(0), ServerState::Down);
    EXPECT_EQ(engine->pick(0, 0, now), 2);  // now the backup serves
}

TEST_F(EngineTest, PanicTriesTheMostOverdueDownServerOncePerConnectionAndRecoveredServerFirst) {
    Config c = make_config(2);
    c.groups[0].health.fall = 1;
    c.groups[0].health.rise = 1;
    init(c);
    answer_probes(advance_to(now + 2 * kSec), false);
    ASSERT_EQ(state(0), ServerState::Down);
    ASSERT_EQ(state(1), ServerState::Down);
    EXPECT_TRUE(engine->group_status(0).panic);
    // A connection tries one Down server and nothing after it; the next connection tries the
    // other one.
    const ServerSlot first = engine->pick(0, 0, now);
    ASSERT_NE(first, kNoServer);
    EXPECT_EQ(engine->pick(0, uint64_t{1} << first, now), kNoServer);
    now += kMs;
    EXPECT_EQ(engine->pick(0, 0, now), first == 0 ? 1 : 0);
    // server 2 comes back first
    for (int guard = 0; guard < 100 && state(1) != ServerState::Up; ++guard) {
        now = engine->next_deadline();
        engine->on_timeout(now);
        for (auto& a : drain())
            if (a.kind == ActionKind::Probe)
                engine->probe_result(a.server, a.probe, a.server == 1, Reason::Refused, now);
    }
    ASSERT_EQ(state(1), ServerState::Up);
    EXPECT_FALSE(engine->group_status(0).panic);
    EXPECT_EQ(engine->pick(0, 0, now), 1);
}

// Shares of 10 000 picks are within 3 percentage points of the weights' shares.
TEST_F(EngineTest, WeightedRandomFollowsWeightsWithinThreePercent) {
    Config c = make_config(3, Mode::Random);
    c.servers[0].weight = 100;
    c.servers[1].weight = 200;
    c.servers[2].weight = 700;
    init(c, 7);
    int counts[3] = {};
    const int n = 10000;
    for (int i = 0; i < n; ++i) {
        ServerSlot s = engine->pick(0, 0, now);
        ASSERT_LT(s, 3);
        counts[s]++;
    }
    const double expect[3] = {0.1, 0.2, 0.7};
    for (int i = 0; i < 3; ++i) {
        double share = static_cast<double>(counts[i]) / n;
        EXPECT_NEAR(share, expect[i], 0.03) << "server " << i;
    }
}

TEST_F(EngineTest, RandomSeedSpreadsAFleet) {
    Config c = make_config(8, Mode::Random);
    std::vector<int> firsts;
    for (uint64_t seed = 1; seed <= 64; ++seed) {
        Engine* e = engine.get();
        ASSERT_EQ(e->init(c, seed, now), Status::Ok);
        firsts.push_back(e->pick(0, 0, now));
    }
    std::vector<int> seen(8, 0);
    for (int f : firsts) seen[f]++;
    int distinct = 0;
    for (int s : seen) distinct += s > 0;
    EXPECT_GE(distinct, 6);  // 64 boxes land on (nearly) every server
}

TEST_F(EngineTest, StickyRandomKeepsTheServerWhileUsable) {
    Config c = make_config(4, Mode::Random);
    c.groups[0].sticky = true;
    init(c, 3);
    SessionId sid = open_live();
    ServerSlot first = engine->session_server(sid);
    engine->session_closed(sid, Reason::ClientClosed, now);
    for (int i = 0; i < 20; ++i) {
        SessionId s2 = open_live();
        EXPECT_EQ(engine->session_server(s2), first);
        engine->session_closed(s2, Reason::ClientClosed, now);
    }
}

TEST_F(EngineTest, ScoredPrefersTheFasterServerButReexplores) {
    Config c = make_config(2, Mode::Scored);
    c.groups[0].score.reexplore_ms = 120000;
    init(c, 5);
    // Measured connect times: server 0 is slow (80 ms), server 1 fast (10 ms).
    first_checks_with_latency([](ServerSlot s) { return s == 0 ? 80 : 10; });
    ASSERT_EQ(engine->server_status(0).ewma_connect_us, 80 * kMs);
    ASSERT_EQ(engine->server_status(1).ewma_connect_us, 10 * kMs);
    // The first picks explore both (never picked), then the fast one wins.
    int picks[2] = {};
    for (int i = 0; i < 100; ++i) {
        now += kSec;
        picks[engine->pick(0, 0, now)]++;
    }
    EXPECT_GT(picks[1], 95);
    EXPECT_GE(picks[0], 1);
    // After reexplore_ms without a pick, the slow one is tried once again.
    int slow_after = 0;
    for (int i = 0; i < 200; ++i) {
        now += kSec;
        slow_after += engine->pick(0, 0, now) == 0;
    }
    EXPECT_GE(slow_after, 1);
    EXPECT_LE(slow_after, 3);
}

TEST_F(EngineTest, ScoredDividesLatencyByWeight) {
    Config c = make_config(2, Mode::Scored);
    c.servers[0].weight = 400;  // 4x the weight ...
    c.groups[0].score.reexplore_ms = 0;
    init(c, 5);
    // ... at twice the latency: 0 still scores better
    first_checks_with_latency([](ServerSlot s) { return s == 0 ? 20 : 10; });
    now += kSec;
    engine->pick(0, 0, now);
    engine->pick(0, 0, now);  // both explored once
    int picks[2] = {};
    for (int i = 0; i < 50; ++i) picks[engine->pick(0, 0, now)]++;
    EXPECT_EQ(picks[0], 50);
}

// ---- sessions ------------------------------------------------------------------------------

TEST_F(EngineTest, ConnectFailureRetriesSameSessionOnNextServer) {
    init(make_config(3));
    SessionId sid = 0;
    ASSERT_EQ(engine->session_open(0, now, &sid), Status::Ok);
    auto acts = drain();
    ASSERT_EQ(acts.size(), 1u);
    ASSERT_EQ(acts[0].kind, ActionKind::Connect);
    EXPECT_EQ(acts[0].server, 0);
    EXPECT_EQ(engine->attempt_failed(sid, acts[0].attempt, Reason::Refused, now), Status::Ok);
    acts = drain();
    ASSERT_EQ(acts.size(), 1u);
    EXPECT_EQ(acts[0].kind, ActionKind::Connect);
    EXPECT_EQ(acts[0].session, sid);
    EXPECT_EQ(acts[0].server, 1);
    EXPECT_EQ(engine->attempt_ready(sid, acts[0].attempt, now + 5 * kMs), Status::Ok);
    acts = drain();
    ASSERT_NE(find(acts, ActionKind::Relay), nullptr);
    EXPECT_EQ(engine->session_server(sid), 1);
    GroupStatus gs = engine->group_status(0);
    EXPECT_EQ(gs.failovers, 1u);
    EXPECT_EQ(gs.last_failover.from, 0);
    EXPECT_EQ(gs.last_failover.to, 1);
    EXPECT_EQ(gs.last_failover.reason, Reason::Refused);
    EXPECT_EQ(state(0), ServerState::Suspect);
}

TEST_F(EngineTest, EveryCandidateFailingClosesTheSessionWithNoServer) {
    init(make_config(2));
    SessionId sid = 0;
    ASSERT_EQ(engine->session_open(0, now, &sid), Status::Ok);
    for (int i = 0; i < 2; ++i) {
        auto acts = drain();
        const Action* c = find(acts, ActionKind::Connect);
        ASSERT_NE(c, nullptr);
        engine->attempt_failed(sid, c->attempt, Reason::Refused, now);
    }
    auto acts = drain();
    const Action* close = find(acts, ActionKind::CloseSession);
    ASSERT_NE(close, nullptr);
    EXPECT_EQ(close->reason, Reason::NoServer);
    EXPECT_EQ(engine->session_closed(sid, Reason::ClientClosed, now), Status::Stale);
    EXPECT_EQ(engine->group_status(0).live_sessions, 0);
}

TEST_F(EngineTest, SlowFirstCandidateIsRacedAfterTheStaggerAndLoserAborted) {
    init(make_config(2));
    SessionId sid = 0;
    ASSERT_EQ(engine->session_open(0, now, &sid), Status::Ok);
    auto acts = drain();
    ASSERT_EQ(acts.size(), 1u);
    AttemptId first = acts[0].attempt;
    EXPECT_EQ(engine->next_deadline(), now + 250 * kMs);
    acts = advance_to(now + 250 * kMs);
    ASSERT_EQ(acts.size(), 1u);
    ASSERT_EQ(acts[0].kind, ActionKind::Connect);
    EXPECT_EQ(acts[0].server, 1);
    AttemptId second = acts[0].attempt;
    EXPECT_EQ(engine->attempt_ready(sid, second, now + 20 * kMs), Status::Ok);
    acts = drain();
    ASSERT_EQ(acts.size(), 2u);
    EXPECT_EQ(acts[0].kind, ActionKind::AbortAttempt);
    EXPECT_EQ(acts[0].attempt, first);
    EXPECT_EQ(acts[1].kind, ActionKind::Relay);
    EXPECT_EQ(acts[1].attempt, second);
    EXPECT_EQ(engine->attempt_ready(sid, first, now), Status::Stale);
}

TEST_F(EngineTest, AttemptTimeoutAbortsAndMovesOnWithGreetingTimeoutReason) {
    Config c = make_config(2);
    c.groups[0].session.race = false;
    init(c);
    SessionId sid = 0;
    ASSERT_EQ(engine->session_open(0, now, &sid), Status::Ok);
    auto acts = drain();
    ASSERT_EQ(acts.size(), 1u);
    engine->attempt_connected(sid, acts[0].attempt, now + 5 * kMs);  // accepted, never greets
    acts = without_probes(advance_to(now + 1500 * kMs));
    ASSERT_EQ(acts.size(), 2u);
    EXPECT_EQ(acts[0].kind, ActionKind::AbortAttempt);
    EXPECT_EQ(acts[0].reason, Reason::GreetingTimeout);
    EXPECT_EQ(acts[1].kind, ActionKind::Connect);
    EXPECT_EQ(acts[1].server, 1);
    EXPECT_EQ(engine->server_status(0).last_failure, Reason::GreetingTimeout);
}

TEST_F(EngineTest, HungLiveSessionIsCutAfterTheHangWindowAndNextGoesElsewhere) {
    init(make_config(2));
    answer_probes(advance_to(now + 2 * kSec), true);
    SessionId sid = open_live();
    ASSERT_EQ(engine->session_server(sid), 0);
    now += 15 * kSec;
    engine->bytes_up(sid, now);  // keepalive that never gets an answer
    TimeUs sent = now;
    const TimeUs window = SessionSettings{}.hang_timeout_ms * kMs;
    ASSERT_LE(window, 2500 * kMs);  // served elsewhere within 3 s with a 100 ms reconnect
    EXPECT_EQ(engine->next_deadline(), sent + window);
    auto acts = advance_to(sent + window - 1);
    EXPECT_EQ(find(acts, ActionKind::CloseSession), nullptr);
    acts = advance_to(sent + window);
    const Action* close = find(acts, ActionKind::CloseSession);
    ASSERT_NE(close, nullptr);
    EXPECT_EQ(close->session, sid);
    EXPECT_EQ(close->reason, Reason::Hung);
    EXPECT_EQ(state(0), ServerState::Suspect);
    EXPECT_EQ(engine->server_status(0).sessions_hung, 1u);
    // the immediate re-check is queued with the cut
    EXPECT_NE(find(acts, ActionKind::Probe), nullptr);
    SessionId next = 0;
    ASSERT_EQ(engine->session_open(0, now, &next), Status::Ok);
    acts = drain();
    const Action* c = find(acts, ActionKind::Connect);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->server, 1);
}

TEST_F(EngineTest, AnsweredRequestsFeedResponseEwma) {
    init(make_config(1));
    SessionId sid = open_live();
    for (int i = 0; i < 20; ++i) {
        now += kSec;
        engine->bytes_up(sid, now);
        engine->bytes_up(sid, now + 1 * kMs);  // same pending request
        engine->bytes_down(sid, now + 40 * kMs);
    }
    uint32_t ewma = engine->server_status(0).ewma_response_us;
    EXPECT_NEAR(static_cast<double>(ewma), 40000.0, 1000.0);
}

TEST_F(EngineTest, IdleSessionIsClosedAfterIdleTimeout) {
    Config c = make_config(1);
    c.groups[0].session.idle_timeout_s = 3600;
    init(c);
    SessionId sid = open_live();
    TimeUs opened = now;
    auto acts = advance_to(now + 3600 * kSec);
    const Action* close = find(acts, ActionKind::CloseSession);
    ASSERT_NE(close, nullptr);
    EXPECT_EQ(close->session, sid);
    EXPECT_EQ(close->reason, Reason::Idle);
    EXPECT_GE(now, opened + 3600 * kSec);
}

TEST_F(EngineTest, UpstreamCloseOfLiveSessionMakesServerSuspect) {
    init(make_config(2));
    SessionId sid = open_live();
    ASSERT_EQ(engine->session_closed(sid, Reason::UpstreamClosed, now), Status::Ok);
    EXPECT_EQ(state(0), ServerState::Suspect);
    SessionId next = 0;
    ASSERT_EQ(engine->session_open(0, now, &next), Status::Ok);
    const Action* c = nullptr;
    auto acts = drain();
    c = find(acts, ActionKind::Connect);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->server, 1);
}

TEST_F(EngineTest, ClientCloseIsNotAServerFailure) {
    init(make_config(1));
    SessionId sid = open_live();
    ASSERT_EQ(engine->session_closed(sid, Reason::ClientClosed, now), Status::Ok);
    EXPECT_EQ(state(0), ServerState::Up);
    EXPECT_EQ(engine->server_status(0).fail_streak, 0);
}

TEST_F(EngineTest, MaxSessionsPerGroupIsEnforced) {
    Config c = make_config(1);
    c.groups[0].session.max_sessions = 2;
    init(c);
    open_live();
    open_live();
    SessionId sid = 0;
    EXPECT_EQ(engine->session_open(0, now, &sid), Status::CapacityExceeded);
    EXPECT_EQ(engine->group_status(0).sessions_refused, 1u);
}

TEST_F(EngineTest, StaleHandlesChangeNothing) {
    init(make_config(1));
    EXPECT_EQ(engine->bytes_up(12345, now), Status::Stale);
    EXPECT_EQ(engine->attempt_ready(0, 1, now), Status::Stale);
    EXPECT_EQ(engine->probe_result(0, 999, true, Reason::None, now), Status::Stale);
    SessionId sid = open_live();
    engine->session_closed(sid, Reason::ClientClosed, now);
    SessionId again = open_live();
    EXPECT_NE(sid, again);  // same slot, new generation
    EXPECT_EQ(engine->bytes_up(sid, now), Status::Stale);
    EXPECT_EQ(engine->bytes_up(again, now), Status::Ok);
}

TEST_F(EngineTest, OrderedSlowStartKeepsFallbackUntilRecoveredServerHasSettled) {
    Config c = make_config(2);
    c.groups[0].health.fall = 1;
    init(c);
    auto acts = advance_to(now + 2 * kSec);
    for (const Action& a : acts)
        engine->probe_result(a.server, a.probe, a.server != 0, Reason::Refused, now);
    ASSERT_EQ(state(0), ServerState::Down);
    for (int guard = 0; guard < 100 && state(0) != ServerState::Up; ++guard)
        run_with_probes(engine->next_deadline(), 0, true);  // comes back (rise 2)
    ASSERT_EQ(state(0), ServerState::Up);
    TimeUs until = engine->server_status(0).slowstart_until;
    ASSERT_GT(until, now);
    EXPECT_EQ(engine->pick(0, 0, now), 1);  // still ramping: fallback keeps new sessions
    now = until;
    EXPECT_EQ(engine->pick(0, 0, now), 0);  // settled: back to priority order
}

// ---- capacities ----------------------------------------------------------------------------

TEST_F(EngineTest, DefaultCapacitiesHoldA128GroupBoxWith512ServersAnd256Sessions) {
    static_assert(STBF_DEFAULT_GROUPS >= 128 && STBF_DEFAULT_SERVERS >= 512 &&
                      STBF_DEFAULT_SESSIONS >= 256,
                  "defaults hold real box files (100+ accounts)");
    constexpr int kServers = STBF_DEFAULT_SERVERS, kGroups = STBF_DEFAULT_GROUPS,
                  kSessions = STBF_DEFAULT_SESSIONS;
    auto c = std::make_unique<Config>();
    const int per_group = kServers / kGroups;
    for (int i = 0; i < kServers; ++i) {
        ServerConfig& s = c->servers[i];
        char host[40];
        std::snprintf(host, sizeof host, "srv%d.example.net", i);
        s.host.assign(host);
        s.port = 12000;
        s.protocol = Protocol::Cccam;
    }
    c->server_count = kServers;
    for (int g = 0; g < kGroups; ++g) {
        GroupConfig& gc = c->groups[g];
        char name[32];
        std::snprintf(name, sizeof name, "line%d", g);
        gc.name.assign(name);
        gc.listen_port = static_cast<uint16_t>(20000 + g);
        gc.session.max_sessions = 64;
        for (int k = 0; k < per_group; ++k) gc.servers[k] = static_cast<uint16_t>(g * per_group + k);
        gc.server_count = static_cast<uint8_t>(per_group);
    }
    c->group_count = kGroups;
    init(*c);
    EXPECT_EQ(engine->group_count(), kGroups);
    EXPECT_EQ(engine->server_slot_limit(), kServers);
    EXPECT_EQ(engine->group_server(kGroups - 1, per_group - 1), kServers - 1);
    std::vector<SessionId> ids;
    for (int i = 0; i < kSessions; ++i) {
        const GroupIndex g = static_cast<GroupIndex>(kGroups - 1 - i % 8);
        SessionId sid = open_live(g, 0);
        ASSERT_NE(sid, 0u);
        EXPECT_EQ(engine->session_group(sid), g);
        EXPECT_EQ(engine->group_server(g, 0), engine->session_server(sid));
        ids.push_back(sid);
    }
    SessionId extra = 0;
    EXPECT_EQ(engine->session_open(0, now, &extra), Status::CapacityExceeded);
    for (SessionId sid : ids) EXPECT_EQ(engine->bytes_up(sid, now), Status::Ok);
    EXPECT_EQ(engine->actions_dropped(), 0u);
}

TEST(EngineMemory, TablesCostWhatLimitsHSays) {
    // The documented per-unit costs (limits.h) hold, and they add up to what size_for asks.
    EXPECT_LE(Engine::kBytesPerServer, 1152u);
    EXPECT_LE(Engine::kBytesPerGroup, 576u);
    EXPECT_LE(Engine::kBytesPerSession, 416u);
    const Capacity defaults;
    const size_t sum = defaults.servers * Engine::kBytesPerServer +
                       defaults.groups * Engine::kBytesPerGroup +
                       defaults.sessions * Engine::kBytesPerSession;
    EXPECT_LE(Engine::size_for(defaults), sum);
    EXPECT_GE(Engine::size_for(defaults) + 3 * Engine::kTableAlign, sum);  // alignment only
    // The object itself holds no table: only the notice queue and counters.
    EXPECT_LE(sizeof(Engine), 8u * 1024);
    EXPECT_EQ(Engine::kBytesFixed, sizeof(Engine));
#if STBF_MAX_SERVERS >= 512 && STBF_MAX_GROUPS >= 128 && STBF_MAX_SESSIONS >= 256
    EXPECT_EQ(defaults.servers, 512);
    EXPECT_EQ(defaults.groups, 128);
    EXPECT_EQ(defaults.sessions, 256);
    EXPECT_LE(Engine::size_for(defaults), 748u * 1024);  // ~745 KiB at the default capacity
#endif
    // A box with one line on two hosts needs a few KiB, not the defaults' 745.
    EXPECT_LE(Engine::size_for(Capacity{2, 1, 8}), 8u * 1024);
}

TEST(EngineMemory, AttachRefusesCapacitiesOutOfRangeAndMemoryThatDoesNotFit) {
    alignas(8) static unsigned char memory[64 * 1024];
    EXPECT_EQ(Engine::size_for(Capacity{0, 1, 1}), 0u);
    EXPECT_EQ(Engine::size_for(Capacity{1, 0, 1}), 0u);
    EXPECT_EQ(Engine::size_for(Capacity{1, 1, 0}), 0u);
    EXPECT_EQ(Engine::size_for(Capacity{STBF_MAX_SERVERS + 1, 1, 1}), 0u);
    EXPECT_EQ(Engine::size_for(Capacity{1, STBF_MAX_GROUPS + 1, 1}), 0u);
    EXPECT_EQ(Engine::size_for(Capacity{1, 1, STBF_MAX_SESSIONS + 1}), 0u);
    const Capacity small{4, 2, 8};
    const size_t need = Engine::size_for(small);
    ASSERT_GT(need, 0u);
    ASSERT_LE(need + 8, sizeof memory);
    Engine e;
    EXPECT_EQ(e.attach(Capacity{0, 1, 1}, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(e.attach(small, nullptr, need), Status::InvalidArgument);
    EXPECT_EQ(e.attach(small, memory, need - 1), Status::InvalidArgument);
    EXPECT_EQ(e.attach(small, memory + 1, need), Status::InvalidArgument);
    Config c;
    EXPECT_EQ(e.init(c, 1, 0), Status::InvalidArgument);  // no tables yet
    ASSERT_EQ(e.attach(small, memory, need), Status::Ok);
    EXPECT_EQ(e.capacity().servers, 4);
    EXPECT_EQ(e.attach(small, memory, need), Status::InvalidArgument);  // once only
}

TEST(EngineMemory, AnEngineSizedForItsConfigServesUpToItsCapacityAndRefusesMore) {
    std::vector<uint64_t> memory(Engine::size_for(Capacity{3, 1, 2}) / 8 + 1);
    Engine e;
    ASSERT_EQ(e.attach(Capacity{3, 1, 2}, memory.data(), memory.size() * 8), Status::Ok);
    Config c = make_config(4);
    EXPECT_EQ(e.init(c, 1, 0), Status::CapacityExceeded);  // four servers, room for three
    c = make_config(3);
    ASSERT_EQ(e.init(c, 1, 0), Status::Ok);
    SessionId a = 0, b = 0, third = 0;
    EXPECT_EQ(e.session_open(0, 0, &a), Status::Ok);
    EXPECT_EQ(e.session_open(0, 0, &b), Status::Ok);
    EXPECT_EQ(e.session_open(0, 0, &third), Status::CapacityExceeded);
    Action act{};
    size_t connects = 0;
    while (e.pop_action(&act)) connects += act.kind == ActionKind::Connect ? 1 : 0;
    EXPECT_EQ(connects, 2u);
    // A reload cannot grow the tables: the last good config stays.
    EXPECT_EQ(e.replace_config(make_config(4), 0), Status::CapacityExceeded);
    EXPECT_EQ(e.group_status(0).config->server_count, 3);
    EXPECT_EQ(e.actions_dropped(), 0u);
}

// ---- action queue --------------------------------------------------------------------------

TEST_F(EngineTest, ActionQueueHoldsEverythingOneCallQueuesWhenEveryTimerFiresAtOnce) {
    // Every session races two attempts that time out together, every server has a check due
    // and half of them are cut by an operator at that same instant.
    Config c = make_config(STBF_MAX_SERVERS_PER_GROUP < STBF_MAX_SERVERS ? STBF_MAX_SERVERS_PER_GROUP
                                                                         : STBF_MAX_SERVERS);
    c.groups[0].session.max_sessions = STBF_MAX_SESSIONS;
    c.groups[0].session.race_stagger_ms = 0;
    c.groups[0].session.max_attempts = 255;
    c.groups[0].health.timeout_ms = 1500;
    c.groups[0].session.connect_timeout_ms = 1500;
    init(c);
    for (int i = 0; i < STBF_MAX_SESSIONS; ++i) {
        SessionId sid = 0;
        ASSERT_EQ(engine->session_open(0, now, &sid), Status::Ok);
    }
    engine->on_timeout(now);  // the racing attempts start (and every first check)
    size_t started = drain().size();
    EXPECT_GE(started, static_cast<size_t>(2 * STBF_MAX_SESSIONS));
    for (ServerSlot s = 0; s < c.server_count; s += 2)
        engine->set_admin_state(s, AdminState::Disabled, 1500, now);
    drain();
    now += 1500 * kMs;
    engine->on_timeout(now);
    size_t queued = drain().size();
    EXPECT_GT(queued, 256u);  // more than the queue held before it was sized from the tables
    EXPECT_LE(queued, static_cast<size_t>(Engine::action_capacity(engine->capacity())));
    EXPECT_EQ(engine->actions_dropped(), 0u);
}

// ---- reload --------------------------------------------------------------------------------

TEST_F(EngineTest, ReloadKeepsHealthOfMatchedServersAndSessions) {
    init(make_config(2));
    SessionId sid = open_live();
    auto acts = advance_to(now + 2 * kSec);
    for (const Action& a : acts)
        engine->probe_result(a.server, a.probe, false, Reason::Refused, now);
    ASSERT_EQ(state(1), ServerState::Suspect);
    Config c2 = make_config(3);  // one server added, existing two unchanged
    c2.servers[2].host.assign("new.example.net");
    ASSERT_EQ(engine->replace_config(c2, now), Status::Ok);
    EXPECT_EQ(state(1), ServerState::Suspect);
    EXPECT_EQ(engine->session_server(sid), 0);
    EXPECT_EQ(engine->session_group(sid), 0);
    EXPECT_EQ(engine->bytes_up(sid, now), Status::Ok);
    EXPECT_EQ(engine->config_generation(), 2u);
}

TEST_F(EngineTest, RemovedServerDrainsItsLiveSessionThenIsFreed) {
    init(make_config(2));
    SessionId sid = open_live();
    ASSERT_EQ(engine->session_server(sid), 0);
    Config c2 = make_config(2);
    c2.servers[0].host.assign("replacement.example.net");
    ASSERT_EQ(engine->replace_config(c2, now), Status::Ok);
    EXPECT_EQ(state(0), ServerState::Retired);
    EXPECT_EQ(engine->bytes_up(sid, now), Status::Ok);  // still relayed
    ServerSlot fresh = engine->group_server(0, 0);
    EXPECT_NE(fresh, 0);
    EXPECT_EQ(engine->session_closed(sid, Reason::ClientClosed, now), Status::Ok);
    EXPECT_FALSE(engine->server_in_use(0));
}

TEST_F(EngineTest, RemovedGroupClosesConnectingSessionsButLiveOnesDrain) {
    Config c = make_config(2);
    c.group_count = 2;
    c.groups[0].server_count = 1;
    c.groups[1].name.assign("line2");
    c.groups[1].server_count = 1;
    c.groups[1].servers[0] = 1;
    c.groups[1].listen_port = 20001;
    init(c);
    SessionId live = open_live(1);
    SessionId connecting = 0;
    ASSERT_EQ(engine->session_open(1, now, &connecting), Status::Ok);
    drain();
    Config c2 = make_config(1);
    ASSERT_EQ(engine->replace_config(c2, now), Status::Ok);
    auto acts = drain();
    const Action* close = find(acts, ActionKind::CloseSession);
    ASSERT_NE(close, nullptr);
    EXPECT_EQ(close->session, connecting);
    EXPECT_EQ(close->reason, Reason::Drained);
    EXPECT_EQ(engine->session_group(live), kNoGroup);
    EXPECT_EQ(engine->bytes_up(live, now), Status::Ok);
}

TEST_F(EngineTest, BadReloadChangesNothing) {
    init(make_config(2));
    SessionId sid = open_live();
    Config bad = make_config(2);
    bad.groups[0].servers[1] = 9;
    EXPECT_EQ(engine->replace_config(bad, now), Status::InvalidArgument);
    EXPECT_EQ(engine->config_generation(), 1u);
    EXPECT_EQ(engine->session_server(sid), 0);
    EXPECT_EQ(state(0), ServerState::Up);
}

TEST_F(EngineTest, DisablingAServerStopsItsChecksAndPicks) {
    init(make_config(2));
    Config c2 = make_config(2);
    c2.servers[0].enabled = false;
    ASSERT_EQ(engine->replace_config(c2, now), Status::Ok);
    EXPECT_EQ(state(0), ServerState::Disabled);
    EXPECT_EQ(engine->server_status(0).next_check, kNever);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(engine->pick(0, 0, now), 1);
}

}  // namespace
}  // namespace stbf
