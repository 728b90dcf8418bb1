// The config loader's TLS and provider-list parts (config_json.h): per-server "tls", "source"
// entries, pins, their errors with place and key path, and merging a fetched list.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config_json.h"

namespace stbf::fw {
namespace {

// SHA-256 pin of nothing in particular, in the three spellings the config takes.
const char kPinHex[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const char kPinColons[] =
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef";
const char kPinBase64[] = "ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8=";

struct Parsed {
    std::unique_ptr<Config> config{new Config};
    Globals globals;
    std::string messages;  // every diagnostic, one per line
    bool ok = false;
};

std::unique_ptr<Parsed> parse(const std::string& text) {
    std::unique_ptr<Parsed> p(new Parsed);
    std::unique_ptr<Diagnostics> diags(new Diagnostics);
    p->ok = load_config_text(text, "/etc/stbfailover/t.json", FileFormat::Json, p->config.get(),
                             &p->globals, diags.get(), nullptr, false) == LoadResult::Ok;
    for (size_t i = 0; i < diags->count(); ++i)
        p->messages += format_diagnostic(*p->config, diags->at(i)) + "\n";
    return p;
}

std::string one_server(const std::string& extra) {
    return "{\"groups\": [{\"name\": \"g\", \"servers\": [\n"
           "  {\"host\": \"line.example\", \"port\": 443, \"protocol\": \"cccam\"" + extra + "}]}]}";
}

TEST(ConfigTls, PinSpellingsAreOneKey) {
    uint8_t hex[32], colons[32], b64[32];
    ASSERT_TRUE(parse_pin_sha256(kPinHex, hex));
    ASSERT_TRUE(parse_pin_sha256(kPinColons, colons));
    ASSERT_TRUE(parse_pin_sha256(kPinBase64, b64));
    EXPECT_EQ(pin_hex(hex), kPinHex);
    EXPECT_EQ(pin_hex(colons), kPinHex);
    EXPECT_EQ(pin_hex(b64), kPinHex);
    uint8_t out[32];
    EXPECT_FALSE(parse_pin_sha256(std::string(kPinHex).substr(2), out));  // 31 bytes
    EXPECT_FALSE(parse_pin_sha256("ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze9=", out));  // bits
    EXPECT_FALSE(parse_pin_sha256("ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrz!8=", out));
    EXPECT_FALSE(parse_pin_sha256("", out));
}

TEST(ConfigTls, TrueTurnsTlsOnWithVerification) {
    auto p = parse(one_server(", \"tls\": true"));
    ASSERT_TRUE(p->ok) << p->messages;
    const ServerTls& tls = p->config->servers[0].tls;
    EXPECT_TRUE(tls.enabled);
    EXPECT_TRUE(tls.verify);
    EXPECT_FALSE(tls.has_pin);
    EXPECT_EQ(server_tls_text(tls), "tls (system CAs)");
    EXPECT_EQ(server_tls_text(ServerTls()), "");
}

TEST(ConfigTls, ObjectKeepsSniCaAndPin) {
    auto p = parse(one_server(", \"tls\": {\"sni\": \"cdn.example\", \"ca_file\": \"/etc/ca.pem\", "
                              "\"pin_sha256\": \"" + std::string(kPinBase64) + "\"}"));
    ASSERT_TRUE(p->ok) << p->messages;
    const ServerTls& tls = p->config->servers[0].tls;
    EXPECT_TRUE(tls.enabled);
    EXPECT_STREQ(tls.sni.c_str(), "cdn.example");
    EXPECT_STREQ(tls.ca_file.c_str(), "/etc/ca.pem");
    ASSERT_TRUE(tls.has_pin);
    EXPECT_EQ(pin_hex(tls.pin_sha256), kPinHex);
    EXPECT_EQ(server_tls_text(tls), "tls (sni cdn.example, ca /etc/ca.pem, pin 01234567..)");
}

TEST(ConfigTls, VerifyOffIsWarnedAboutAndExcludesPins) {
    auto off = parse(one_server(", \"tls\": {\"verify\": false}"));
    ASSERT_TRUE(off->ok) << off->messages;
    EXPECT_FALSE(off->config->servers[0].tls.verify);
    EXPECT_NE(off->messages.find("t.json:2:62: warning: TLS certificate verification is off"),
              std::string::npos)
        << off->messages;
    EXPECT_EQ(server_tls_text(off->config->servers[0].tls), "tls VERIFY OFF");

    auto both = parse(one_server(", \"tls\": {\"verify\": false, \"pin_sha256\": \"" +
                                 std::string(kPinHex) + "\"}"));
    EXPECT_FALSE(both->ok);
    EXPECT_NE(both->messages.find("cannot be combined with ca_file or pin_sha256"),
              std::string::npos)
        << both->messages;
}

TEST(ConfigTls, BadTlsValuesAreErrorsWithPlaceAndPath) {
    auto p = parse(one_server(", \"tls\": {\"pin_sha256\": \"abcd\", \"ca_file\": \"ca.pem\", "
                              "\"snii\": \"x\", \"verify\": \"no\"}"));
    EXPECT_FALSE(p->ok);
    const std::string& m = p->messages;
    EXPECT_NE(m.find("t.json:2:70: error: pin_sha256 must be the SHA-256 of the server's public "
                     "key: 64 hex digits or 44 base64 characters: groups[0].servers[0].tls.pin_sha256"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("error: ca_file must be an absolute path of at most 127 bytes: "
                     "groups[0].servers[0].tls.ca_file"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("error: unknown key: groups[0].servers[0].tls.snii"), std::string::npos) << m;
    EXPECT_NE(m.find("error: value must be true or false: groups[0].servers[0].tls.verify"),
              std::string::npos)
        << m;
    auto wrong_type = parse(one_server(", \"tls\": \"yes\""));
    EXPECT_NE(wrong_type->messages.find("error: tls must be true, false or an object"),
              std::string::npos)
        << wrong_type->messages;
}

TEST(ConfigTls, SourcesAtTopLevelAndInAGroup) {
    auto p = parse(R"({"cache_dir": "/media/hdd/stbf",
  "source": {"url": "https://lists.example/all.cfg", "format": "cccam", "refresh_s": 3600},
  "groups": [{"name": "sky", "source": {"url": "https://lists.example/sky.json",
                                        "pin_sha256": ")" + std::string(kPinHex) + R"(",
                                        "name": "not here"}}]})");
    EXPECT_FALSE(p->ok) << "name belongs to a top-level source only";
    EXPECT_NE(p->messages.find("t.json:5:41: error: unknown key: groups[0].source.name"),
              std::string::npos)
        << p->messages;

    auto good = parse(R"({"cache_dir": "/media/hdd/stbf",
  "source": {"url": "https://lists.example/all.cfg", "format": "cccam", "refresh_s": 3600},
  "groups": [{"name": "sky", "source": {"url": "https://lists.example/sky.json",
                                        "pin_sha256": ")" + std::string(kPinHex) + R"("}}]})");
    ASSERT_TRUE(good->ok) << good->messages;
    const Globals& g = good->globals;
    ASSERT_EQ(g.sources.size(), 2u);
    EXPECT_EQ(g.sources[0].group, "sky");
    EXPECT_EQ(g.sources[0].url, "https://lists.example/sky.json");
    EXPECT_EQ(g.sources[0].refresh_s, 21600u);
    EXPECT_EQ(g.sources[1].group, "");
    EXPECT_EQ(g.sources[1].format, FileFormat::Cccam);
    EXPECT_EQ(g.sources[1].refresh_s, 3600u);
    EXPECT_EQ(g.sources[1].where, "/etc/stbfailover/t.json:2");
    EXPECT_EQ(good->config->groups[0].server_count, 0) << "a group with a source needs no servers";
    const std::string cache = source_cache_path(g, g.sources[0]);
    EXPECT_EQ(cache.rfind("/media/hdd/stbf/source-", 0), 0u) << cache;
    EXPECT_NE(cache, source_cache_path(g, g.sources[1]));
    EXPECT_NE(source_text(g, g.sources[0]).find("-> group sky (auto, every 21600 s, pin 01234567..,"),
              std::string::npos);
    EXPECT_EQ(Globals().cache_dir, kDefaultCacheDir);
}

TEST(ConfigTls, BadSourcesAreErrorsWithPlaceAndPath) {
    auto p = parse(R"({"source": {"url": "http://lists.example/x", "refresh_s": 5, "format": "xml",
  "extra": 1},
  "groups": [{"name": "g"}, {"name": "h", "source": {"pin_sha256": "zz"}}]})");
    EXPECT_FALSE(p->ok);
    const std::string& m = p->messages;
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

TEST(ConfigTls, MergedListJoinsItsGroupOrFormsItsOwn) {
    auto p = parse(R"({"groups": [{"name": "sky", "listen": 21000, "servers": [
  {"host": "own.example", "port": 1}]}]})");
    ASSERT_TRUE(p->ok) << p->messages;
    SourceSpec into_sky;
    into_sky.url = "https://lists.example/sky.json";
    into_sky.group = "sky";
    std::string error;
    Config merged = *p->config;
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
