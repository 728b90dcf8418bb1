// Endpoint cache: numeric hosts, asynchronous resolution, rotation after failures, refresh.
// (Parsing the numeric literals themselves is tested in tests/core/address_test.cpp.)
#include "stbf/endpoints.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stbf {
namespace {

// A resolver-only port: records resolve_start calls; the test decides the answers.
struct FakeResolver {
    struct Request {
        uint32_t id;
        std::string host;
        uint16_t port;
        uint32_t tag;
        bool cancelled = false;
    };
    std::vector<Request> requests;
    std::vector<stbf_addr> answer;  // what resolve_take returns
    stbf_port_status take_status = STBF_PORT_OK;
    stbf_port port{};
    /// The tag request `id` was started with (the slot's tag; 0 for unknown requests).
    uint32_t tag_of(uint32_t id) const {
        return id >= 1 && id <= requests.size() ? requests[id - 1].tag : 0;
    }

    FakeResolver() {
        port.api_version = STBF_PORT_API_VERSION;
        port.ctx = this;
        port.resolve_start = [](void* ctx, const char* host, uint16_t p, uint32_t tag,
                                uint32_t* request) {
            auto* self = static_cast<FakeResolver*>(ctx);
            self->requests.push_back(
                {static_cast<uint32_t>(self->requests.size() + 1), host, p, tag});
            *request = self->requests.back().id;
            return STBF_PORT_OK;
        };
        port.resolve_take = [](void* ctx, uint32_t, stbf_addr* out, size_t cap, size_t* count) {
            auto* self = static_cast<FakeResolver*>(ctx);
            size_t n = 0;
            for (; n < self->answer.size() && n < cap; ++n) out[n] = self->answer[n];
            *count = self->take_status == STBF_PORT_OK ? n : 0;
            return self->take_status;
        };
        port.resolve_cancel = [](void* ctx, uint32_t request) {
            static_cast<FakeResolver*>(ctx)->requests.at(request - 1).cancelled = true;
        };
    }
};

stbf_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    stbf_addr x{};
    x.family = 4;
    x.addr[0] = a;
    x.addr[1] = b;
    x.addr[2] = c;
    x.addr[3] = d;
    return x;
}

ServerConfig server(const char* host, uint16_t port) {
    ServerConfig s;
    s.host.assign(host);
    s.port = port;
    return s;
}

constexpr TimeUs kSecond = 1000000;

class EndpointCacheTest : public ::testing::Test {
protected:
    EndpointCacheTest() { cache.attach(&r.port, 0, entries, kSlots); }
    static constexpr uint32_t kSlots = 16;
    FakeResolver r;
    EndpointCache::Entry entries[kSlots];
    EndpointCache cache;
    stbf_addr a{};
    uint8_t ep = 0;
    bool usable = false;
};

TEST_F(EndpointCacheTest, NumericHostIsReadyWithoutTheResolver) {
    ep = 9;  // must be overwritten
    EXPECT_EQ(cache.lookup(0, server("127.0.0.1", 5000), 0, &a, &ep), EndpointCache::Lookup::Ready);
    EXPECT_EQ(ep, 0);
    EXPECT_EQ(a.port, 5000);
    EXPECT_TRUE(r.requests.empty());
    EXPECT_EQ(cache.next_deadline(), kNever);
}

TEST_F(EndpointCacheTest, NameIsResolvedOnceThenServedFromTheCache) {
    const ServerConfig s = server("line.example", 12000);
    EXPECT_EQ(cache.lookup(3, s, 0, &a, &ep), EndpointCache::Lookup::Pending);
    EXPECT_EQ(cache.lookup(3, s, 0, &a, &ep), EndpointCache::Lookup::Pending);
    ASSERT_EQ(r.requests.size(), 1u);  // one request per name at a time
    EXPECT_EQ(r.requests[0].host, "line.example");
    EXPECT_EQ(r.requests[0].port, 12000);
    EXPECT_EQ(r.requests[0].tag, 3u);  // the slot, so the answer finds its entry at once

    r.answer = {v4(10, 0, 0, 1), v4(10, 0, 0, 2)};
    EXPECT_EQ(cache.on_resolved(r.tag_of(r.requests[0].id), r.requests[0].id, kSecond, &usable), 3);
    EXPECT_TRUE(usable);
    EXPECT_EQ(cache.endpoint_count(3), 2);
    EXPECT_EQ(cache.lookup(3, s, kSecond, &a, &ep), EndpointCache::Lookup::Ready);
    EXPECT_EQ(a.addr[3], 1);
    EXPECT_EQ(a.port, 12000);  // the cache, not the resolver, decides the port
    EXPECT_EQ(r.requests.size(), 1u);
}

TEST_F(EndpointCacheTest, FailureRotatesToTheNextAddressAndRefreshesSoon) {
    const ServerConfig s = server("line.example", 12000);
    cache.lookup(0, s, 0, &a, &ep);
    r.answer = {v4(10, 0, 0, 1), v4(10, 0, 0, 2)};
    cache.on_resolved(r.tag_of(1), 1, 0, &usable);
    EXPECT_EQ(cache.next_deadline(), EndpointCache::kRefreshUs);

    cache.lookup(0, s, kSecond, &a, &ep);
    cache.report_failure(0, ep, kSecond);
    EXPECT_EQ(cache.next_deadline(), kSecond + EndpointCache::kRetryUs);
    cache.lookup(0, s, kSecond, &a, &ep);
    EXPECT_EQ(a.addr[3], 2);
    // A second report for the endpoint that already failed does not skip the good one.
    cache.report_failure(0, 0, kSecond);
    cache.lookup(0, s, kSecond, &a, &ep);
    EXPECT_EQ(a.addr[3], 2);

    cache.on_timeout(kSecond + EndpointCache::kRetryUs);
    EXPECT_EQ(r.requests.size(), 2u);
    EXPECT_TRUE(cache.resolving(0));
}

TEST_F(EndpointCacheTest, FailedRefreshKeepsTheOldAddresses) {
    const ServerConfig s = server("dyn.example", 1);
    cache.lookup(0, s, 0, &a, &ep);
    r.answer = {v4(10, 0, 0, 7)};
    cache.on_resolved(r.tag_of(1), 1, 0, &usable);
    // Due for refresh: the old address is used while the refresh runs in the background.
    EXPECT_EQ(cache.lookup(0, s, EndpointCache::kRefreshUs, &a, &ep),
              EndpointCache::Lookup::Ready);
    EXPECT_EQ(r.requests.size(), 2u);
    r.take_status = STBF_PORT_NOT_FOUND;
    EXPECT_EQ(cache.on_resolved(r.tag_of(2), 2, EndpointCache::kRefreshUs, &usable), 0);
    EXPECT_TRUE(usable);
    EXPECT_EQ(cache.lookup(0, s, EndpointCache::kRefreshUs, &a, &ep),
              EndpointCache::Lookup::Ready);
    EXPECT_EQ(a.addr[3], 7);
}

TEST_F(EndpointCacheTest, UnresolvableNameIsNotUsable) {
    cache.lookup(0, server("nx.example", 1), 0, &a, &ep);
    r.take_status = STBF_PORT_NOT_FOUND;
    usable = true;
    EXPECT_EQ(cache.on_resolved(r.tag_of(1), 1, 0, &usable), 0);
    EXPECT_FALSE(usable);
    EXPECT_EQ(cache.on_resolved(r.tag_of(99), 99, 0, &usable), kNoServer);  // not ours
}

TEST_F(EndpointCacheTest, ChangedHostInAReusedSlotStartsOverAndCancelsTheOldRequest) {
    cache.lookup(0, server("old.example", 1), 0, &a, &ep);
    EXPECT_EQ(cache.lookup(0, server("10.9.9.9", 1), 0, &a, &ep), EndpointCache::Lookup::Ready);
    EXPECT_TRUE(r.requests[0].cancelled);
    EXPECT_EQ(a.addr[0], 10);
    EXPECT_EQ(cache.on_resolved(r.tag_of(1), 1, 0, &usable), kNoServer);
}

TEST_F(EndpointCacheTest, SlotOutsideTheGivenTableIsNeverReadyNorResolved) {
    EXPECT_EQ(cache.lookup(kSlots - 1, server("127.0.0.1", 5000), 0, &a, &ep),
              EndpointCache::Lookup::Ready);
    EXPECT_EQ(cache.lookup(kSlots, server("127.0.0.1", 5000), 0, &a, &ep),
              EndpointCache::Lookup::Failed);
    EXPECT_EQ(cache.lookup(kSlots, server("far.example", 5000), 0, &a, &ep),
              EndpointCache::Lookup::Failed);
    EXPECT_EQ(cache.endpoint_count(kSlots), 0);
    EXPECT_TRUE(r.requests.empty());
}

}  // namespace
}  // namespace stbf
