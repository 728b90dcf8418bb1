// Writing a config back as JSON (config_writer.h): what it prints loads back to the same groups,
// and never carries a secret.
#include "config_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "config_load.h"
#include "temp_dir.h"

namespace {

using stbf_test::kCccam;
using stbf_test::load_file;
using stbf_test::load_text;
using stbf_test::LoadResult;

TEST(ConfigWriter, PrintedJsonLoadsBackToTheSameGroupsWithoutSecrets) {
    stbf_test::TempDir dir;
    auto l = load_file(dir.write("CCcam.cfg", kCccam));
    ASSERT_EQ(l->result, LoadResult::Ok);
    for (uint16_t g = 0; g < l->cfg->group_count; ++g) l->cfg->groups[g].listen_pinned = true;
    const std::string json = stbf::fw::config_to_json(*l->cfg, l->globals);
    EXPECT_EQ(json.find("pw-a"), std::string::npos);
    EXPECT_EQ(json.find("pw-b"), std::string::npos);
    auto back = load_text(json);
    ASSERT_EQ(back->result, LoadResult::Ok) << back->messages() << json;
    ASSERT_EQ(back->cfg->group_count, l->cfg->group_count);
    for (uint16_t g = 0; g < l->cfg->group_count; ++g) {
        const stbf::GroupConfig& a = l->cfg->groups[g];
        const stbf::GroupConfig& b = back->cfg->groups[g];
        EXPECT_STREQ(a.name.c_str(), b.name.c_str());
        EXPECT_EQ(a.listen_port, b.listen_port);
        ASSERT_EQ(a.server_count, b.server_count);
        for (uint16_t k = 0; k < a.server_count; ++k) {
            const stbf::ServerConfig& x = l->cfg->servers[a.servers[k]];
            const stbf::ServerConfig& y = back->cfg->servers[b.servers[k]];
            EXPECT_EQ(x.host, y.host);
            EXPECT_EQ(x.port, y.port);
            EXPECT_EQ(x.protocol, y.protocol);
            EXPECT_EQ(x.probe, y.probe);
            EXPECT_EQ(x.user, y.user);
        }
    }
}

TEST(ConfigWriter, PrintedListenAddressesLoadBackIncludingIpv6) {
    auto l = load_text(R"({"groups": [
        {"name": "v6", "listen": "[::1]:30002", "servers": [{"host": "h.example", "port": 1}]},
        {"name": "v6long", "listen": "[2001:db8:ffff:ffff:ffff:ffff:ffff:fffe]:30003",
         "servers": [{"host": "i.example", "port": 2}]},
        {"name": "v4", "listen": "192.0.2.7:30004", "servers": [{"host": "j.example", "port": 3}]}]})");
    ASSERT_EQ(l->result, LoadResult::Ok) << l->messages();
    const std::string printed = stbf::fw::config_to_json(*l->cfg, l->globals);
    EXPECT_NE(printed.find(R"("[::1]:30002")"), std::string::npos) << printed;
    EXPECT_NE(printed.find(R"("192.0.2.7:30004")"), std::string::npos) << printed;
    auto back = load_text(printed);
    ASSERT_EQ(back->result, LoadResult::Ok) << back->messages() << printed;
    const struct {
        const char* group;
        const char* addr;
        uint16_t port;
    } want[] = {{"v6", "::1", 30002},
                {"v6long", "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", 30003},
                {"v4", "192.0.2.7", 30004}};
    for (const auto& w : want) {
        const stbf::GroupConfig* g = back->group(w.group);
        ASSERT_NE(g, nullptr) << w.group << printed;
        EXPECT_STREQ(g->listen_addr.c_str(), w.addr) << printed;
        EXPECT_EQ(g->listen_port, w.port) << printed;
    }
}

}  // namespace
