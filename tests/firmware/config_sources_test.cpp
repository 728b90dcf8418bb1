// Provider server lists of a config (config_sources.h): "source" entries as the loader reads
// them, their errors with place and key path, their cache files and `check` lines, and merging
// a fetched list into the config.
#include "config_sources.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config_json.h"
#include "config_load.h"

namespace stbf::fw {
namespace {

// A SHA-256 pin of nothing in particular.
const char kPinHex[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

using stbf_test::load_main_file;

TEST(ConfigSources, SourcesAtTopLevelAndInAGroup) {
    auto p = load_main_file(R"({"cache_dir": "/media/hdd/stbf",
  "source": {"url": "https://lists.example/all.cfg", "format": "cccam", "refresh_s": 3600},
  "groups": [{"name": "sky", "source": {"url": "https://lists.example/sky.json",
                                        "pin_sha256": ")" +
                            std::string(kPinHex) + R"(",
                                        "name": "not here"}}]})");
    EXPECT_FALSE(p->ok()) << "name belongs to a top-level source only";
    EXPECT_NE(p->messages().find("t.json:5:41: error: unknown key: groups[0].source.name"),
              std::string::npos)
        << p->messages();

    auto good = load_main_file(R"({"cache_dir": "/media/hdd/stbf",
  "source": {"url": "https://lists.example/all.cfg", "format": "cccam", "refresh_s": 3600},
  "groups": [{"name": "sky", "source": {"url": "https://lists.example/sky.json",
                                        "pin_sha256": ")" +
                               std::string(kPinHex) + R"("}}]})");
    ASSERT_TRUE(good->ok()) << good->messages();
    const Globals& g = good->globals;
    ASSERT_EQ(g.sources.size(), 2u);
    EXPECT_EQ(g.sources[0].group, "sky");
    EXPECT_EQ(g.sources[0].url, "https://lists.example/sky.json");
    EXPECT_EQ(g.sources[0].refresh_s, 21600u);
    EXPECT_EQ(g.sources[1].group, "");
    EXPECT_EQ(g.sources[1].format, FileFormat::Cccam);
    EXPECT_EQ(g.sources[1].refresh_s, 3600u);
    EXPECT_EQ(g.sources[1].where, "/etc/stbfailover/t.json:2");
    EXPECT_EQ(good->cfg->groups[0].server_count, 0) << "a group with a source needs no servers";
    const std::string cache = source_cache_path(g, g.sources[0]);
    EXPECT_EQ(cache.rfind("/media/hdd/stbf/source-", 0), 0u) << cache;
    EXPECT_NE(cache, source_cache_path(g, g.sources[1]));
    EXPECT_NE(
        source_text(g, g.sources[0]).find("-> group sky (auto, every 21600 s, pin 01234567..,"),
        std::string::npos);
    EXPECT_EQ(Globals().cache_dir, kDefaultCacheDir);
}

TEST(ConfigSources, BadSourcesAreErrorsWithPlaceAndPath) {
    auto p = load_main_file(
        R"({"source": {"url": "http://lists.example/x", "refresh_s": 5, "format": "xml",
  "extra": 1},
  "groups": [{"name": "g"}, {"name": "h", "source": {"pin_sha256": "zz"}}]})");
    EXPECT_FALSE(p->ok());
    const std::string& m = p->messages();
    for (const char* expected :
         {"t.json:1:13: error: url must be an https:// URL without spaces (plain http is refused): "
          "source.url",
          "error: value is out of range: source.refresh_s (60..604800)",
          "error: format must be auto, json or cccam: source.format",
          "t.json:2:3: error: unknown key: source.extra",
          "error: group needs \"servers\" or \"source\": groups[0]",
          "error: source needs \"url\": groups[1].source",
          "error: pin_sha256 must be the SHA-256 of the server's public key"})
        EXPECT_NE(m.find(expected), std::string::npos) << expected << "\n" << m;
}

// A fetched list, as parse_server_list makes it: one group "name" of `count` servers.
std::unique_ptr<Config> list_config(const char* name, uint8_t count, uint16_t first_port) {
    std::unique_ptr<Config> c(new Config);
    GroupConfig& g = c->groups[c->group_count++];
    g.name.assign(name);
    for (uint8_t i = 0; i < count; ++i) {
        ServerConfig& s = c->servers[c->server_count];
        s.host.assign("10.0.0.1");
        s.port = static_cast<uint16_t>(first_port + i);
        g.servers[g.server_count++] = c->server_count++;
    }
    return c;
}

TEST(ConfigSources, MergedListJoinsItsGroupOrFormsItsOwn) {
    auto p = load_main_file(R"({"groups": [{"name": "sky", "listen": 21000, "servers": [
  {"host": "own.example", "port": 1}]}]})");
    ASSERT_TRUE(p->ok()) << p->messages();
    SourceSpec into_sky;
    into_sky.url = "https://lists.example/sky.json";
    into_sky.group = "sky";
    std::string error;
    Config merged = *p->cfg;
    ASSERT_TRUE(merge_source_list(&merged, into_sky, *list_config("source", 2, 100), &error))
        << error;
    ASSERT_EQ(merged.group_count, 1);
    ASSERT_EQ(merged.groups[0].server_count, 3);
    EXPECT_EQ(merged.servers[merged.groups[0].servers[2]].port, 101);
    EXPECT_EQ(merged.groups[0].listen_port, 21000) << "the box owner's port stays";
    EXPECT_STREQ(merged.files[merged.servers[2].source.file].c_str(), into_sky.url.c_str());

    SourceSpec top;
    top.url = "https://lists.example/all.cfg";
    ASSERT_TRUE(merge_source_list(&merged, top, *list_config("cccam-bob", 1, 200), &error))
        << error;
    ASSERT_EQ(merged.group_count, 2);
    EXPECT_STREQ(merged.groups[1].name.c_str(), "cccam-bob");
    EXPECT_NE(merged.groups[1].listen_port, 0) << "a list's group gets a derived port";
    EXPECT_FALSE(merged.groups[1].listen_pinned);

    const Config before = merged;
    EXPECT_FALSE(merge_source_list(&merged, top, *list_config("sky", 1, 300), &error));
    EXPECT_NE(error.find("has the name of a group of the config"), std::string::npos) << error;
    EXPECT_EQ(merged.group_count, before.group_count) << "a refused merge changes nothing";
    EXPECT_EQ(merged.server_count, before.server_count);
    SourceSpec lost;
    lost.url = "https://lists.example/x";
    lost.group = "gone";
    EXPECT_FALSE(merge_source_list(&merged, lost, *list_config("source", 1, 400), &error));
    EXPECT_NE(error.find("group gone is not in the config"), std::string::npos) << error;
}

}  // namespace
}  // namespace stbf::fw
