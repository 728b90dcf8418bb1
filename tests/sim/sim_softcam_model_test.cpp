// The OSCam-like softcam (stbf/sim/softcam_model.h) on the sim network against stand-in line
// servers, in virtual time: login, keepalive never checked, reconnect on the idle tick only,
// refused connects backing off, ECM fallback after the fallback timeout, a disconnected reader
// skipped at once.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "stbf/sim.h"

namespace stbf::sim {
namespace {

constexpr uint64_t kMs = 1000;
constexpr uint64_t kSec = 1000 * kMs;
using RK = ReaderEventKind;

std::vector<uint64_t> times(const SoftcamModel& m, unsigned reader, RK kind) {
    std::vector<uint64_t> out;
    for (const ReaderEvent& e : m.events())
        if (e.reader == reader && e.kind == kind) out.push_back(e.at_us);
    return out;
}

struct Line {
    World w{3};
    Server* a = nullptr;
    Server* b = nullptr;
    Line() {
        a = &w.add_server("10.0.0.1", 12000, ServerBehaviour::line(1));
        b = &w.add_server("10.0.0.2", 12000, ServerBehaviour::line(2));
        w.set_host_latency_us("10.0.0.1", 5 * kMs);
        w.set_host_latency_us("10.0.0.2", 5 * kMs);
    }
    Softcam& softcam(unsigned readers, SoftcamOptions o = SoftcamOptions()) {
        std::vector<std::pair<std::string, uint16_t>> to = {{"10.0.0.1", 12000}};
        if (readers > 1) to.push_back({"10.0.0.2", 12000});
        return w.add_softcam(to, o);
    }
};

TEST(SimSoftcam, LogsInAndEveryRequestIsAnsweredByTheFirstReader) {
    Line l;
    Softcam& s = l.softcam(2);
    l.w.run_until(30 * kSec);
    const SoftcamModel& m = s.model();
    EXPECT_EQ(m.logged_in_count(), 2u);
    EXPECT_EQ(m.greeting(0), cccam_greeting(1));
    EXPECT_EQ(m.greeting(1), cccam_greeting(2));
    ASSERT_GE(m.requests().size(), 26u);  // from 3 s on, one per second
    for (const SoftcamRequest& q : m.requests()) {
        if (q.sent_us + 5 * kSec > l.w.now()) continue;
        ASSERT_TRUE(q.answered()) << q.id;
        EXPECT_EQ(q.answered_by, 0);
        EXPECT_EQ(q.delay_us(), 30 * kMs);  // 5 ms each way + the server's 20 ms
    }
}

TEST(SimSoftcam, SendsAKeepaliveEvery15sAndNeverNoticesAHungServer) {
    Line l;
    SoftcamOptions o;
    o.ecm_every_us = 0;  // keepalives only
    Softcam& s = l.softcam(1, o);
    l.w.run_until(61 * kSec);
    EXPECT_EQ(s.model().keepalives_sent(), 4u);  // at ~15, 30, 45, 60 s
    EXPECT_EQ(l.a->bytes_in(), kLineLoginSize + 4 * kLineFrameSize);
    l.a->stop();  // SIGSTOP: connects and bytes are accepted by the kernel, nothing answers
    l.w.run_until(300 * kSec);
    EXPECT_TRUE(s.model().logged_in(0));
    EXPECT_TRUE(times(s.model(), 0, RK::Closed).empty());
    EXPECT_EQ(s.model().keepalives_sent(), 19u);  // every 15 s from the login at 30 ms
}

TEST(SimSoftcam, ReconnectsOnlyOnItsIdleTickAfterAClose) {
    Line l;
    SoftcamOptions o;
    o.seed = 11;
    Softcam& s = l.softcam(1, o);
    // Kill and restart the server three times; the server is back after 100 ms each time.
    for (uint64_t t : {20 * kSec, 47 * kSec, 81 * kSec})
        l.w.at(t, [&] { l.a->restart(100 * kMs); });
    l.w.run_until(120 * kSec);
    const std::vector<uint64_t> closed = times(s.model(), 0, RK::Closed);
    const std::vector<uint64_t> login = times(s.model(), 0, RK::LoggedIn);
    ASSERT_EQ(closed.size(), 3u);
    ASSERT_EQ(login.size(), 4u);
    std::set<uint64_t> phases;
    for (size_t k = 0; k < 3; ++k) {
        const uint64_t wait = login[k + 1] - closed[k];
        EXPECT_GT(wait, 100 * kMs) << k;  // never right after the close
        EXPECT_LE(wait, 13 * kSec + 100 * kMs) << k;
        const uint64_t connect_at = times(s.model(), 0, RK::Connecting)[k + 1];
        phases.insert(connect_at % (13 * kSec));  // on one tick grid: the start was at 0
    }
    EXPECT_EQ(phases.size(), 1u);
    // Another seed ticks at another phase.
    Line l2;
    o.seed = 12;
    Softcam& s2 = l2.softcam(1, o);
    l2.w.at(20 * kSec, [&] { l2.a->restart(100 * kMs); });
    l2.w.run_until(40 * kSec);
    ASSERT_EQ(times(s2.model(), 0, RK::Connecting).size(), 2u);
    EXPECT_NE(times(s2.model(), 0, RK::Connecting)[1] % (13 * kSec), *phases.begin());
}

TEST(SimSoftcam, RefusedConnectsBackOffFourfoldUpToAMinute) {
    World w(3);
    SoftcamOptions o;
    o.ecm_every_us = 0;
    Softcam& s = w.add_softcam({{"10.0.0.9", 12000}}, o);  // nothing listens there
    w.run_until(200 * kSec);
    const std::vector<uint64_t> c = times(s.model(), 0, RK::Connecting);
    ASSERT_GE(c.size(), 8u);
    const uint64_t want[] = {100 * kMs,   400 * kMs, 1600 * kMs, 6400 * kMs,
                             25600 * kMs, 60 * kSec, 60 * kSec};
    for (size_t k = 0; k < 7; ++k) EXPECT_EQ(c[k + 1] - c[k], want[k]) << k;
    EXPECT_EQ(times(s.model(), 0, RK::ConnectFailed).size(), c.size());
}

TEST(SimSoftcam, GivesUpOnAGreetingAfterTwoSeconds) {
    World w(3);
    w.add_server("10.0.0.1", 12000, ServerBehaviour::silent());
    SoftcamOptions o;
    o.ecm_every_us = 0;
    Softcam& s = w.add_softcam({{"10.0.0.1", 12000}}, o);
    w.run_until(3 * kSec);
    const std::vector<uint64_t> connected = times(s.model(), 0, RK::Connected);
    const std::vector<uint64_t> gave_up = times(s.model(), 0, RK::GreetingTimeout);
    ASSERT_EQ(connected.size(), 2u);  // and retried 100 ms after giving up
    ASSERT_EQ(gave_up.size(), 1u);
    EXPECT_EQ(gave_up[0] - connected[0], 2 * kSec);
    EXPECT_FALSE(s.model().logged_in(0));
}

TEST(SimSoftcam, AHungFirstReaderMakesEveryRequestWaitForTheFallbackTimeout) {
    Line l;
    Softcam& s = l.softcam(2);
    l.w.at(10 * kSec, [&] { l.a->stop(); });
    l.w.run_until(70 * kSec);
    const SoftcamModel& m = s.model();
    EXPECT_TRUE(m.logged_in(0));  // OSCam keeps the hung reader
    unsigned late = 0;
    for (const SoftcamRequest& q : m.requests()) {
        if (q.sent_us < 10 * kSec || q.sent_us + 5 * kSec > l.w.now()) continue;
        ASSERT_TRUE(q.answered()) << q.id;
        EXPECT_EQ(q.answered_by, 1);
        EXPECT_EQ(q.delay_us(), 2500 * kMs + 30 * kMs);
        ++late;
    }
    EXPECT_GE(late, 50u);
}

TEST(SimSoftcam, ADisconnectedReaderIsSkippedAtOnce) {
    Line l;
    SoftcamOptions o;
    o.fallback_timeout_us = 1500 * kMs;  // settable
    Softcam& s = l.softcam(2, o);
    l.w.at(10 * kSec + 10 * kMs, [&] { l.a->kill(); });  // 10 ms after the 10 s request
    l.w.run_until(40 * kSec);
    const SoftcamModel& m = s.model();
    EXPECT_FALSE(m.logged_in(0));
    for (const SoftcamRequest& q : m.requests()) {
        if (q.sent_us + 5 * kSec > l.w.now()) continue;
        ASSERT_TRUE(q.answered()) << q.id;
        if (q.sent_us < 10 * kSec) continue;
        EXPECT_EQ(q.answered_by, 1) << q.id;
        // The one in flight at the kill is passed on when the close is seen, the rest go
        // straight to the fallback reader.
        EXPECT_LE(q.delay_us(), 50 * kMs) << q.id;
    }
}

TEST(SimSoftcam, OneReaderLosesTheRequestsUntilItsTick) {
    Line l;
    SoftcamOptions o;
    o.seed = 5;
    Softcam& s = l.softcam(1, o);
    l.w.at(20 * kSec, [&] { l.a->restart(100 * kMs); });
    l.w.run_until(60 * kSec);
    const SoftcamModel& m = s.model();
    const uint64_t back = times(m, 0, RK::LoggedIn).at(1);
    unsigned lost = 0;
    for (const SoftcamRequest& q : m.requests()) {
        if (q.sent_us + 5 * kSec > l.w.now()) continue;
        if (q.sent_us > 20 * kSec && q.sent_us < back) {
            EXPECT_FALSE(q.answered()) << q.id;
            EXPECT_TRUE(q.asked.empty()) << q.id;  // refused at once: no reader logged in
            ++lost;
        } else if (q.sent_us < 19 * kSec || q.sent_us > back) {
            EXPECT_TRUE(q.answered()) << q.id;
        }
    }
    EXPECT_EQ(lost, (back - 20 * kSec - 1) / kSec);
}

}  // namespace
}  // namespace stbf::sim
