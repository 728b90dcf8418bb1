// The OSCam-like stand-in softcam (one reader per slot, the second a fallback reader) through
// stbfailover with two slots, on loopback, against three stand-in line upstreams: a kill and a
// hang of the upstream serving slot 1. Through the runtime over the POSIX port in this process,
// and through the real `stbfailover run` process (a JSON config over the three upstreams: two
// slots by default, slot ports read from its status). Outcomes only (nothing lost, the
// cut slot re-homed on a server distinct from the other slot's), generous time bounds: the
// numbers belong to bench_black_screen.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon_harness.h"
#include "failover_scenario.h"

namespace stbf::test {
namespace {

using standin::BlackScreenOptions;
using standin::BlackScreenResult;

BlackScreenOptions two_slots(standin::Fault fault) {
    BlackScreenOptions o;
    o.setup = standin::Setup::RelayTwoSlots;
    o.fault = fault;
    o.softcam.idle_tick_us = 4'000'000;  // shorter than OSCam's 13 s: the test stays short
    o.warmup_ms = 6000;
    o.fault_ms = 14000;
    o.after_ms = 10000;
    return o;
}

/// `stbfailover run` over the given upstreams; the slot ports come from its status.
struct DaemonRelay {
    TempDir dir;
    DaemonProcess daemon{dir};

    bool start(const std::vector<uint16_t>& upstreams, unsigned slots, std::vector<uint16_t>* ports,
               std::string* error) {
        // "slots": 0, the daemon's own choice: a group of two or more servers serves two.
        if (!daemon.start(test_config(daemon.socket_path(), free_port(), upstreams, 2500, "line", 0))) {
            *error = "the daemon did not start: " + daemon.log();
            return false;
        }
        const std::string status = daemon.status_json();
        for (unsigned k = 0; k < slots; ++k) {
            const long port = json_number(status, "groups.0.slots." + std::to_string(k) + ".port");
            if (port <= 0) {
                *error = "no port for slot " + std::to_string(k) + " in " + status;
                return false;
            }
            ports->push_back(static_cast<uint16_t>(port));
        }
        return true;
    }
};

/// As two_slots, through `relay`.
BlackScreenOptions through(standin::Fault fault, DaemonRelay& relay) {
    BlackScreenOptions o = two_slots(fault);
    o.start_relay = [&relay](const std::vector<uint16_t>& ups, unsigned slots,
                             std::vector<uint16_t>* ports,
                             std::string* error) { return relay.start(ups, slots, ports, error); };
    return o;
}

/// Both slots logged in, on distinct upstreams, none of them `bad`.
void expect_distinct(const std::vector<std::string>& homes, const std::string& bad,
                     const char* when) {
    ASSERT_EQ(homes.size(), 2u) << when;
    EXPECT_NE(homes[0], "-") << when;
    EXPECT_NE(homes[1], "-") << when;
    EXPECT_NE(homes[0], homes[1]) << when;
    EXPECT_NE(homes[0], bad) << when;
    EXPECT_NE(homes[1], bad) << when;
}

unsigned lost(const BlackScreenResult& r, uint64_t client_timeout_us) {
    unsigned n = 0;
    for (const sim::SoftcamRequest& q : r.requests)
        if (q.sent_us >= r.fault_at_us && q.sent_us + client_timeout_us < r.end_us && !q.answered())
            ++n;
    return n;
}

void check_kill(const BlackScreenOptions& o) {
    const BlackScreenResult r = standin::run_black_screen(o, {});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.victim, "A");
    EXPECT_EQ(lost(r, o.softcam.client_timeout_us), 0u);
    expect_distinct(r.homes_during, r.victim, "during the kill");  // slot 1 moved to C
    expect_distinct(r.homes_end, "", "after A is back");
}

void check_hang(const BlackScreenOptions& o) {
    const BlackScreenResult r = standin::run_black_screen(o, {});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(lost(r, o.softcam.client_timeout_us), 0u);
    expect_distinct(r.homes_during, r.victim, "during the hang");  // cut, re-homed on C
    expect_distinct(r.homes_end, "", "after the hang");
    // Late (answered by the fallback reader) only until the hung session was cut: generous
    // bound, far below the 14 s the hang lasts.
    for (const sim::SoftcamRequest& q : r.requests) {
        if (q.sent_us > r.fault_at_us + 8'000'000 && q.sent_us + 5'000'000 < r.end_us) {
            EXPECT_LE(q.delay_us(), o.softcam.fallback_timeout_us) << q.id;
        }
    }
}

TEST(SlotsLoopback, TwoSlotsLoseNoRequestWhenTheServingUpstreamIsKilled) {
    check_kill(two_slots(standin::Fault::Kill));
}

TEST(SlotsLoopback, TwoSlotsCutTheHungUpstreamAndLoseNoRequest) {
    check_hang(two_slots(standin::Fault::Hang));
}

TEST(SlotsLoopback, TheDaemonsTwoSlotsLoseNoRequestWhenTheServingUpstreamIsKilled) {
    DaemonRelay relay;
    check_kill(through(standin::Fault::Kill, relay));
}

TEST(SlotsLoopback, TheDaemonsTwoSlotsCutTheHungUpstreamAndLoseNoRequest) {
    DaemonRelay relay;
    check_hang(through(standin::Fault::Hang, relay));
}

}  // namespace
}  // namespace stbf::test
