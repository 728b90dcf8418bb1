// Provider server list: parsing through the config loader, and ServerListSource against a
// loopback HTTPS server - good list applied and cached, bad / unreachable / oversize keep the
// last good list with a reason, the cache survives a restart.
#include "tls/server_list.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <string>

#include "tls_test_env.h"

namespace stbf::tls {
namespace {

using test::TestPki;

const char kTwoServers[] =
    "[\n"
    "  {\"host\": \"line1.example\", \"port\": 12000, \"protocol\": \"cccam\"},\n"
    "  {\"host\": \"line2.example\", \"port\": 12001, \"protocol\": \"cccam\"}\n"
    "]\n";
const char kThreeServers[] =
    "{\"mode\": \"random\", \"servers\": [\n"
    "  {\"host\": \"line1.example\", \"port\": 12000, \"protocol\": \"cccam\"},\n"
    "  {\"host\": \"line2.example\", \"port\": 12001, \"protocol\": \"cccam\"},\n"
    "  {\"host\": \"line3.example\", \"port\": 12002, \"protocol\": \"cccam\"}\n"
    "]}\n";
const char kBadPortOnLine3[] =
    "[\n"
    "  {\"host\": \"line1.example\", \"port\": 12000},\n"
    "  {\"host\": \"line2.example\", \"port\": 70000}\n"
    "]\n";

// ---- parsing ----------------------------------------------------------------------------------

TEST(ParseServerList, JsonArrayBecomesOneGroupNamedByTheBox) {
    std::unique_ptr<Config> cfg(new Config);
    std::string error;
    ASSERT_TRUE(parse_server_list(kTwoServers, "https://x/list", "sky", cfg.get(), &error)) << error;
    EXPECT_EQ(cfg->server_count, 2);
    ASSERT_EQ(cfg->group_count, 1);
    EXPECT_STREQ(cfg->groups[0].name.c_str(), "sky");
    EXPECT_EQ(cfg->groups[0].server_count, 2);
    EXPECT_STREQ(cfg->servers[1].host.c_str(), "line2.example");
    EXPECT_EQ(cfg->servers[1].port, 12001);
    EXPECT_EQ(cfg->servers[1].protocol, Protocol::Cccam);
}

TEST(ParseServerList, JsonObjectMayCarryGroupSettings) {
    std::unique_ptr<Config> cfg(new Config);
    std::string error;
    ASSERT_TRUE(parse_server_list(kThreeServers, "https://x/list", "sky", cfg.get(), &error)) << error;
    EXPECT_EQ(cfg->server_count, 3);
    EXPECT_EQ(cfg->groups[0].mode, Mode::Random);
}

TEST(ParseServerList, CccamLinesAreGroupedByAccount) {
    std::unique_ptr<Config> cfg(new Config);
    std::string error;
    const std::string text = "# provider list\nC: a.example 12000 user pass\nC: b.example 12000 user pass\n";
    ASSERT_TRUE(parse_server_list(text, "https://x/CCcam.cfg", "sky", cfg.get(), &error)) << error;
    EXPECT_EQ(cfg->server_count, 2);
    EXPECT_EQ(cfg->group_count, 1);  // same account: one group
}

TEST(ParseServerList, ProblemsAreRefusedWithTheirLine) {
    std::unique_ptr<Config> cfg(new Config);
    std::string error;
    EXPECT_FALSE(parse_server_list(kBadPortOnLine3, "https://x/list", "sky", cfg.get(), &error));
    EXPECT_NE(error.find("https://x/list:3:"), std::string::npos) << error;

    struct Case {
        const char* body;
        const char* says;
    };
    for (const Case& c : {Case{"", "empty"},
                          Case{"{\"mode\": \"random\"}", "servers"},
                          Case{"{\"listen\": 20001, \"servers\": []}", "listen"},
                          Case{"[{\"host\": \"a.example\"", "https://x/list:1:"},
                          Case{"[{\"host\": \"a.example\", \"port\": 1, \"bogus\": 1}]",
                               "https://x/list:1:35: error: unknown key: servers[0].bogus"},
                          Case{"\n  {\"servers\": [], \"mood\": 1}",
                               "https://x/list:2:19: error: unknown key: mood"},
                          Case{"C: a.example notaport user pass\n", "https://x/list:1:"},
                          Case{"# only a comment\n", "no servers"}}) {
        error.clear();
        cfg.reset(new Config);
        EXPECT_FALSE(parse_server_list(c.body, "https://x/list", "sky", cfg.get(), &error)) << c.body;
        EXPECT_NE(error.find(c.says), std::string::npos) << c.body << " -> " << error;
    }
}

TEST(Jitter, StaysWithinTenPercentAndSpreads) {
    const stbf_time_us base = 21600ull * 1000000u;
    EXPECT_EQ(jittered_delay_us(21600, 0), base - base / 10);
    EXPECT_LE(jittered_delay_us(21600, 0xffffffffu), base + base / 10);
    EXPECT_GT(jittered_delay_us(21600, 0xffffffffu), base + base / 10 - 1000000u);
    stbf_time_us lowest = ~0ull, highest = 0;
    uint32_t x = 12345;
    for (int i = 0; i < 1000; ++i) {
        x = x * 1664525u + 1013904223u;  // any spread of inputs will do
        stbf_time_us d = jittered_delay_us(21600, x);
        EXPECT_GE(d, base - base / 10);
        EXPECT_LE(d, base + base / 10);
        lowest = d < lowest ? d : lowest;
        highest = d > highest ? d : highest;
    }
    EXPECT_GT(highest - lowest, base / 10);  // a fleet really spreads out
}

// ---- the source against a loopback HTTPS server -----------------------------------------------

class ServerListSourceTest : public test::PortFixture {
protected:
    void SetUp() override {
        PortFixture::SetUp();
        dir_ = make_docroot("tls-source", kTwoServers);
        server_.reset(new test::TestServer);
        std::string error;
        ASSERT_TRUE(server_->start("http", "good", dir_, &error)) << error;
        server_port_ = server_->port();
    }

    SourceOptions options(const std::string& path = "/files/list.json") const {
        SourceOptions o;
        o.fetch.url = "https://127.0.0.1:" + std::to_string(server_port_) + path;
        o.fetch.tls.sni = test::kServerName;
        o.fetch.tls.pin_sha256 = TestPki::get().read("good.pin.b64");
        o.fetch.timeout_ms = 10000;
        o.group_name = "provider";
        o.refresh_s = 3600;
        o.cache_path = dir_ + "/cache/list.cache";
        return o;
    }

    std::unique_ptr<ServerListSource> good_source() {
        ::mkdir((dir_ + "/cache").c_str(), 0700);
        std::unique_ptr<ServerListSource> s(new ServerListSource(*port_, options()));
        EXPECT_TRUE(s->refresh_blocking()) << s->last_error();
        EXPECT_EQ(s->list().server_count, 2);
        return s;
    }

    std::string dir_;
    std::unique_ptr<test::TestServer> server_;
    uint16_t server_port_ = 0;
};

TEST_F(ServerListSourceTest, GoodListIsAppliedAndCachedWithItsUrl) {
    auto source = good_source();
    EXPECT_TRUE(source->last_error().empty());
    EXPECT_EQ(source->list_text(), kTwoServers);
    std::string cache = test::read_file(dir_ + "/cache/list.cache");
    EXPECT_NE(cache.find(options().fetch.url), std::string::npos);
    EXPECT_NE(cache.find(kTwoServers), std::string::npos);
    EXPECT_NE(source->status_line().find("2 servers"), std::string::npos) << source->status_line();
    // Next refresh is refresh_s +/- 10 % away.
    const stbf_time_us now = port_->now(port_->ctx);
    EXPECT_GE(source->next_refresh_at(), now + 3600ull * 900000u - 1000000u);
    EXPECT_LE(source->next_refresh_at(), now + 3600ull * 1100000u);
}

TEST_F(ServerListSourceTest, NewerListReplacesTheOldOneAndUnchangedIsNotReapplied) {
    auto source = good_source();
    EXPECT_FALSE(source->refresh_blocking());  // same body
    EXPECT_TRUE(source->last_error().empty());
    test::write_file(dir_ + "/list.json", kThreeServers);
    EXPECT_TRUE(source->refresh_blocking()) << source->last_error();
    EXPECT_EQ(source->list().server_count, 3);
}

TEST_F(ServerListSourceTest, BadListKeepsTheLastGoodOneWithTheReason) {
    auto source = good_source();
    test::write_file(dir_ + "/list.json", kBadPortOnLine3);
    EXPECT_FALSE(source->refresh_blocking());
    EXPECT_EQ(source->last_failure(), FetchFailure::BadBody);
    EXPECT_NE(source->last_error().find(":3:"), std::string::npos) << source->last_error();
    ASSERT_TRUE(source->has_list());
    EXPECT_EQ(source->list().server_count, 2);
    EXPECT_NE(source->status_line().find("last refresh failed"), std::string::npos);
    // The cache still holds the good copy.
    EXPECT_NE(test::read_file(dir_ + "/cache/list.cache").find(kTwoServers), std::string::npos);
    // A failure retries sooner than refresh_s, still jittered.
    const stbf_time_us now = port_->now(port_->ctx);
    EXPECT_LE(source->next_refresh_at(), now + kRetryAfterFailureS * 1100000ull);
}

TEST_F(ServerListSourceTest, UnreachableServerKeepsTheLastGoodOne) {
    auto source = good_source();
    server_.reset();  // stops the server: the port now refuses
    EXPECT_FALSE(source->refresh_blocking());
    EXPECT_EQ(source->last_failure(), FetchFailure::Tcp) << source->last_error();
    EXPECT_EQ(source->list().server_count, 2);
}

TEST_F(ServerListSourceTest, OversizeBodyIsRefusedAndKeepsTheLastGoodOne) {
    auto source = good_source();
    SourceOptions o = options("/big");
    o.cache_path = dir_ + "/cache/list.cache";
    ServerListSource big(*port_, o);
    EXPECT_FALSE(big.refresh_blocking());
    EXPECT_EQ(big.last_failure(), FetchFailure::Oversize) << big.last_error();
    EXPECT_FALSE(big.has_list());
    // The refused body never reached the cache of the good source.
    EXPECT_NE(test::read_file(dir_ + "/cache/list.cache").find(kTwoServers), std::string::npos);
}

TEST_F(ServerListSourceTest, CacheSurvivesARestartWithoutNetwork) {
    good_source();
    server_.reset();
    ServerListSource restarted(*port_, options());
    ASSERT_TRUE(restarted.load_cache()) << restarted.last_error();
    EXPECT_EQ(restarted.list().server_count, 2);
    EXPECT_EQ(restarted.list_text(), kTwoServers);
    EXPECT_LE(restarted.next_refresh_at(), port_->now(port_->ctx));  // refresh is due at once
    EXPECT_FALSE(restarted.refresh_blocking());                     // network still down
    EXPECT_EQ(restarted.list().server_count, 2);
}

TEST_F(ServerListSourceTest, CacheOfAnotherUrlIsIgnored) {
    good_source();
    SourceOptions o = options("/files/other.json");
    ServerListSource other(*port_, o);
    EXPECT_FALSE(other.load_cache());
    EXPECT_FALSE(other.has_list());
    EXPECT_NE(other.last_error().find("another source"), std::string::npos) << other.last_error();
}

TEST_F(ServerListSourceTest, PollRefreshesWithoutBlocking) {
    ::mkdir((dir_ + "/cache").c_str(), 0700);
    ServerListSource source(*port_, options());
    source.refresh_now();
    bool applied = false;
    // Bounded: 200 rounds of at most 100 ms.
    for (int round = 0; round < 200 && !applied; ++round) {
        applied = source.poll();
        if (applied) break;
        const HttpsFetch& f = source.fetch();
        if (f.socket() != STBF_SOCK_INVALID) port_->watch(port_->ctx, f.socket(), f.interest(), 0);
        stbf_event events[8];
        port_->poll(port_->ctx, port_->now(port_->ctx) + 100000, events, 8);
    }
    EXPECT_TRUE(applied) << source.last_error();
    EXPECT_EQ(source.list().server_count, 2);
    EXPECT_FALSE(source.poll());  // next refresh is an hour away
}

}  // namespace
}  // namespace stbf::tls
