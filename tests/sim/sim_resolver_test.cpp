// Name resolution through the port table.
#include <gtest/gtest.h>

#include "stbf/sim.h"
#include "stbf/sim/resolver.h"

namespace stbf::sim {
namespace {

constexpr uint64_t kMs = 1000;

struct SimResolver : ::testing::Test {
    World w{1, 0};
    const stbf_port* p = w.port();

    // Poll until request `id` is reported; returns how many times it was reported (0 or 1).
    int wait_resolved(uint32_t id, stbf_time_us deadline) {
        int reported = 0;
        for (int i = 0; i < 100; ++i) {
            stbf_event ev[8];
            const size_t n = p->poll(p->ctx, deadline, ev, 8);
            for (size_t k = 0; k < n; ++k) {
                if (ev[k].kind == STBF_EVENT_RESOLVED && ev[k].request == id) ++reported;
            }
            if (n == 0 && w.now() >= deadline) break;
        }
        return reported;
    }
};

TEST_F(SimResolver, NameResolvesToItsAddressesAfterTheDelay) {
    w.add_name("line.example", {"10.0.0.1", "2001:db8::1"});
    w.resolver().set_delay_us(50 * kMs);
    uint32_t id = 0;
    ASSERT_EQ(p->resolve_start(p->ctx, "line.example", 12000, 0, &id), STBF_PORT_OK);
    EXPECT_NE(id, 0u);
    stbf_addr out[4];
    size_t count = 9;
    EXPECT_EQ(p->resolve_take(p->ctx, id, out, 4, &count), STBF_PORT_WOULD_BLOCK);
    EXPECT_EQ(wait_resolved(id, 1000 * kMs), 1);  // reported exactly once
    ASSERT_EQ(w.now(), 1000 * kMs);               // kept polling to the deadline: no repeat
    ASSERT_EQ(p->resolve_take(p->ctx, id, out, 4, &count), STBF_PORT_OK);
    ASSERT_EQ(count, 2u);
    EXPECT_TRUE(same_endpoint(out[0], addr("10.0.0.1", 12000)));
    EXPECT_TRUE(same_endpoint(out[1], addr("2001:db8::1", 12000)));
    // Taking releases the request.
    EXPECT_EQ(p->resolve_take(p->ctx, id, out, 4, &count), STBF_PORT_INVALID);
    EXPECT_EQ(w.resolver().pending(), 0u);
}

TEST_F(SimResolver, ReportedAtExactlyTheDelay) {
    w.add_name("line.example", {"10.0.0.1"});
    w.resolver().set_name_delay_us("LINE.example", 70 * kMs);  // names ignore case
    uint32_t id = 0;
    ASSERT_EQ(p->resolve_start(p->ctx, "Line.Example", 1, 0, &id), STBF_PORT_OK);
    stbf_event ev[4];
    ASSERT_EQ(p->poll(p->ctx, 1000 * kMs, ev, 4), 1u);
    EXPECT_EQ(ev[0].kind, STBF_EVENT_RESOLVED);
    EXPECT_EQ(ev[0].request, id);
    EXPECT_EQ(w.now(), 70 * kMs);
}

TEST_F(SimResolver, CapLimitsWhatIsCopied) {
    w.add_name("many.example", {"10.0.0.1", "10.0.0.2", "10.0.0.3"});
    uint32_t id = 0;
    ASSERT_EQ(p->resolve_start(p->ctx, "many.example", 1, 0, &id), STBF_PORT_OK);
    wait_resolved(id, 10 * kMs);
    stbf_addr out[2];
    size_t count = 0;
    ASSERT_EQ(p->resolve_take(p->ctx, id, out, 2, &count), STBF_PORT_OK);
    EXPECT_EQ(count, 2u);
    EXPECT_TRUE(same_host(out[1], addr("10.0.0.2")));
}

TEST_F(SimResolver, UnknownNameIsNotFoundAndFailuresAreScriptable) {
    w.resolver().fail_name("slow.example", STBF_PORT_TIMEOUT);
    uint32_t unknown = 0, slow = 0;
    ASSERT_EQ(p->resolve_start(p->ctx, "nowhere.example", 1, 0, &unknown), STBF_PORT_OK);
    ASSERT_EQ(p->resolve_start(p->ctx, "slow.example", 1, 0, &slow), STBF_PORT_OK);
    EXPECT_NE(unknown, slow);
    wait_resolved(unknown, 10 * kMs);
    stbf_addr out[2];
    size_t count = 7;
    EXPECT_EQ(p->resolve_take(p->ctx, unknown, out, 2, &count), STBF_PORT_NOT_FOUND);
    EXPECT_EQ(count, 0u);
    EXPECT_EQ(p->resolve_take(p->ctx, slow, out, 2, &count), STBF_PORT_TIMEOUT);
}

TEST_F(SimResolver, LiteralsResolveToThemselves) {
    uint32_t id = 0;
    ASSERT_EQ(p->resolve_start(p->ctx, "::1", 20000, 0, &id), STBF_PORT_OK);
    EXPECT_EQ(wait_resolved(id, 10 * kMs), 1);
    stbf_addr out[1];
    size_t count = 0;
    ASSERT_EQ(p->resolve_take(p->ctx, id, out, 1, &count), STBF_PORT_OK);
    ASSERT_EQ(count, 1u);
    EXPECT_TRUE(same_endpoint(out[0], addr("::1", 20000)));
}

TEST_F(SimResolver, CancelledRequestIsNeverReported) {
    w.add_name("line.example", {"10.0.0.1"});
    w.resolver().set_delay_us(10 * kMs);
    uint32_t id = 0;
    ASSERT_EQ(p->resolve_start(p->ctx, "line.example", 1, 0, &id), STBF_PORT_OK);
    p->resolve_cancel(p->ctx, id);
    EXPECT_EQ(wait_resolved(id, 100 * kMs), 0);
    stbf_addr out[1];
    size_t count = 0;
    EXPECT_EQ(p->resolve_take(p->ctx, id, out, 1, &count), STBF_PORT_INVALID);
    p->resolve_cancel(p->ctx, 12345);  // unknown: ignored
}

TEST_F(SimResolver, BadArgumentsAndCapacity) {
    uint32_t id = 0;
    EXPECT_EQ(p->resolve_start(p->ctx, "", 1, 0, &id), STBF_PORT_INVALID);
    EXPECT_EQ(p->resolve_start(p->ctx, nullptr, 1, 0, &id), STBF_PORT_INVALID);
    w.resolver().set_max_pending(2);
    EXPECT_EQ(p->resolve_start(p->ctx, "a.example", 1, 0, &id), STBF_PORT_OK);
    EXPECT_EQ(p->resolve_start(p->ctx, "b.example", 1, 0, &id), STBF_PORT_OK);
    EXPECT_EQ(p->resolve_start(p->ctx, "c.example", 1, 0, &id), STBF_PORT_NO_RESOURCES);
}

}  // namespace
}  // namespace stbf::sim
