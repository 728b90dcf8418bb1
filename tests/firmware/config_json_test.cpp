#include "config_json.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "config_load.h"
#include "config_writer.h"
#include "stbf/grouping.h"
#include "stbf/settings.h"
#include "temp_dir.h"

namespace {

using stbf::Severity;
using stbf_test::kCccam;
using stbf_test::load_file;
using stbf_test::load_text;
using stbf_test::FileFormat;
using stbf_test::LoadResult;

TEST(ConfigJson, FullConfigFillsGlobalsGroupsServersAndSettings) {
    auto l = load_text(R"({
  "// comment": "ignored",
  "control_socket": "/run/stbf.sock",
  "metrics_listen": "127.0.0.1:9105",
  "log_level": "debug",
  "listen_port_base": 30000,
  "seed": 42,
  "defaults": { "mode": "scored", "check": { "rise": 4 } },
  "groups": [
    { "name": "a", "listen": 30001,
      "check": { "interval_s": 30, "fastinter": "500ms", "downinter": "1m", "timeout": 1500, "fall": 2 },
      "session": { "connect_timeout_ms": 1200, "race": false, "max_sessions": 3 },
      "servers": [
        { "host": "cs1.example.net", "port": 12000, "protocol": "cccam", "user": "u1", "priority": 1 },
        { "host": "2001:db8::1", "port": 12001, "protocol": "newcamd524", "backup": true, "weight": 50, "enabled": false },
        { "host": "192.0.2.1", "port": 80, "probe": "expect", "expect": { "send": "0a0b", "prefix": "4f4b", "length": 4 } }
      ] },
    { "name": "b", "listen": "[::1]:30002", "mode": "random", "sticky": true,
      "servers": [ { "host": "b.example", "port": 1 } ] }
  ]
})");
    ASSERT_EQ(l->result, LoadResult::Ok) << l->messages();
    EXPECT_EQ(l->diags->count(), 0u) << l->messages();
    EXPECT_EQ(l->globals.control_socket, "/run/stbf.sock");
    EXPECT_EQ(l->globals.metrics_listen, "127.0.0.1:9105");
    EXPECT_EQ(l->globals.log_level, "debug");
    EXPECT_EQ(l->cfg->listen_port_base, 30000);
    EXPECT_EQ(l->cfg->seed, 42u);
    ASSERT_EQ(l->cfg->group_count, 2);
    const stbf::GroupConfig& a = l->cfg->groups[0];
    EXPECT_EQ(a.listen_port, 30001);
    EXPECT_TRUE(a.listen_pinned);
    EXPECT_EQ(a.mode, stbf::Mode::Scored);  // from defaults
    EXPECT_EQ(a.health.rise, 4);             // from defaults
    EXPECT_EQ(a.health.fall, 2);
    EXPECT_EQ(a.health.inter_ms, 30000u);
    EXPECT_EQ(a.health.fastinter_ms, 500u);
    EXPECT_EQ(a.health.downinter_ms, 60000u);
    EXPECT_EQ(a.health.timeout_ms, 1500u);
    EXPECT_EQ(a.health.slowstart_ms, stbf::HealthSettings{}.slowstart_ms);
    EXPECT_EQ(a.session.connect_timeout_ms, 1200u);
    EXPECT_FALSE(a.session.race);
    EXPECT_EQ(a.session.max_sessions, 3);
    ASSERT_EQ(a.server_count, 3);
    const stbf::ServerConfig& s0 = l->cfg->servers[a.servers[0]];
    EXPECT_STREQ(s0.host.c_str(), "cs1.example.net");
    EXPECT_EQ(s0.probe, stbf::ProbeKind::Cccam);
    EXPECT_EQ(s0.priority, 1);
    EXPECT_STREQ(s0.label.c_str(), "cs1.example.net:12000");
    EXPECT_EQ(s0.source.line, 14u);
    const stbf::ServerConfig& s1 = l->cfg->servers[a.servers[1]];
    EXPECT_EQ(s1.protocol, stbf::Protocol::Newcamd524);
    EXPECT_EQ(s1.probe, stbf::ProbeKind::Newcamd);
    EXPECT_TRUE(s1.backup);
    EXPECT_FALSE(s1.enabled);
    EXPECT_EQ(s1.weight, 50);
    const stbf::ServerConfig& s2 = l->cfg->servers[a.servers[2]];
    EXPECT_EQ(s2.probe, stbf::ProbeKind::Expect);
    EXPECT_EQ(s2.expect_send_len, 2);
    EXPECT_EQ(s2.expect_prefix[1], 0x4b);
    EXPECT_EQ(s2.expect_len, 4);
    const stbf::GroupConfig& b = l->cfg->groups[1];
    EXPECT_STREQ(b.listen_addr.c_str(), "::1");
    EXPECT_EQ(b.listen_port, 30002);
    EXPECT_EQ(b.mode, stbf::Mode::Random);
    EXPECT_TRUE(b.sticky);
    EXPECT_EQ(b.health.rise, 4);
}

TEST(ConfigJson, EmptyObjectGivesCoreDefaultsAndWarnsThereIsNothingToRelay) {
    auto l = load_text("{}");
    EXPECT_EQ(l->result, LoadResult::Ok);
    EXPECT_EQ(l->globals.control_socket, "/var/run/stbfailover.sock");
    EXPECT_TRUE(l->globals.metrics_listen.empty());
    EXPECT_EQ(l->globals.log_level, "info");
    EXPECT_EQ(l->cfg->listen_port_base, stbf::Config{}.listen_port_base);
    EXPECT_EQ(l->diags->warnings(), 1u);
}

TEST(ConfigJson, UnknownKeysAreErrorsWithPathAndPlace) {
    auto l = load_text("{\n  \"groups\": [\n    { \"name\": \"a\", \"servers\": [] },\n"
                       "    { \"name\": \"b\",\n      \"servers\": [ { \"host\": \"h.example\", \"port\": 1,\n"
                       "                   \"prot\": \"cccam\" } ] }\n  ],\n  \"bogus\": true\n}\n");
    EXPECT_EQ(l->result, LoadResult::Invalid);
    EXPECT_TRUE(l->has("/cfg/t.json:6:20: error: unknown key: groups[1].servers[0].prot")) << l->messages();
    EXPECT_TRUE(l->has("/cfg/t.json:8:3: error: unknown key: bogus")) << l->messages();
    EXPECT_TRUE(l->has("/cfg/t.json:3:20: error: group has no servers: groups[0].servers")) << l->messages();
}

TEST(ConfigJson, BadValuesNameTheirKey) {
    const struct {
        const char* json;
        const char* expect;
    } cases[] = {
        {R"({"log_level": "loud"})", "1:2: error: log_level must be"},
        {R"({"listen_port_base": 0})", "value is out of range: listen_port_base (1..65535)"},
        {R"({"listen_port_base": 1.5})", "whole number: listen_port_base"},
        {R"({"control_socket": "relative.sock"})", "absolute path"},
        {R"({"metrics_listen": "localhost:9105"})", "numeric"},
        {R"({"groups": {}})", "groups must be an array"},
        {R"({"groups": [{"servers": [{"host": "h.example", "port": 1}]}]})", "group needs \"name\": groups[0]"},
        {R"({"groups": [{"name": "a", "mode": "fast", "servers": [{"host": "h.example", "port": 1}]}]})", "mode must be"},
        {R"({"groups": [{"name": "a", "servers": [{"host": "h.example", "port": 1, "protocol": "x"}]}]})", "protocol must be"},
        {R"({"groups": [{"name": "a", "servers": [{"host": "h.example", "port": 65536}]}]})", "servers[0].port (1..65535)"},
        {R"({"groups": [{"name": "a", "servers": [{"port": 1}]}]})", "server needs \"host\""},
        {R"({"groups": [{"name": "a", "servers": [{"host": "a..b", "port": 1}]}]})", "empty label"},
        {R"({"groups": [{"name": "a", "check": {"inter": "2 s"}, "servers": [{"host": "h.example", "port": 1}]}]})", "duration"},
        {R"({"groups": [{"name": "a", "check": {"inter": 1000, "interval_s": 1}, "servers": [{"host": "h.example", "port": 1}]}]})", "not both"},
        {R"({"groups": [{"name": "a", "listen": "127.0.0.1", "servers": [{"host": "h.example", "port": 1}]}]})", "ADDR:PORT"},
        {R"({"groups": [{"name": "a", "servers": [{"host": "h.example", "port": 1, "password": "x"}]}]})", "secrets do not belong"},
        {R"({"groups": [{"name": "a", "servers": [{"host": "h.example", "port": 1, "probe": "expect"}]}]})", "expect.prefix or expect.length"},
        {R"({"groups": [{"name": "a", "servers": [{"host": "h.example", "port": 1}]}, {"name": "a", "servers": [{"host": "h.example", "port": 2}]}]})", "group name is used twice"},
        {R"({"groups": [{"name": "a", "listen": 20001, "servers": [{"host": "h.example", "port": 1}]}, {"name": "b", "listen": 20001, "servers": [{"host": "h.example", "port": 2}]}]})", "already used by group: a"},
        {R"({"log_level": "info", "log_level": "debug"})", "key is given twice: log_level"},
        {R"({"import": [{"format": "cccam"}]})", "import entry needs \"file\""},
        {R"([1, 2])", "config must be a JSON object"},
        {R"({} trailing)", "1:4: error: text after the end"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.json);
        auto l = load_text(c.json);
        EXPECT_EQ(l->result, LoadResult::Invalid);
        EXPECT_TRUE(l->has(c.expect)) << l->messages();
    }
}

TEST(ConfigJson, ZeroCheckIntervalOrTimeoutIsRejectedAtItsLine) {
    for (const char* key : {"inter", "timeout", "fastinter"}) {
        SCOPED_TRACE(key);
        auto l = load_text(std::string("{\n  \"groups\": [{ \"name\": \"a\",\n    \"check\": {\n      \"") +
                           key + "\": 0 },\n    \"servers\": [{\"host\": \"h.example\", \"port\": 1}]}]\n}\n");
        EXPECT_EQ(l->result, LoadResult::Invalid);
        ASSERT_GE(l->diags->count(), 1u);
        EXPECT_EQ(l->diags->at(0).where.line, 4u) << l->messages();
        EXPECT_TRUE(l->has("/cfg/t.json:4:")) << l->messages();
        EXPECT_TRUE(l->has("value is out of range")) << l->messages();
    }
    auto ok = load_text(R"({"groups": [{"name": "a", "check": {"early_close": "3s", "inter": "1ms"},
        "servers": [{"host": "h.example", "port": 1}]}]})");
    EXPECT_EQ(ok->result, LoadResult::Ok) << ok->messages();
    EXPECT_EQ(ok->group("a")->health.early_close_ms, 3000u);
}

TEST(ConfigJson, SyntaxErrorsPointAtTheirLine) {
    auto l = load_text("{\n  \"groups\": [\n    { \"name\": \"a\", }\n  ]\n}\n");
    EXPECT_EQ(l->result, LoadResult::Invalid);
    ASSERT_GE(l->diags->count(), 1u);
    EXPECT_EQ(l->diags->at(0).where.line, 3u) << l->messages();
    EXPECT_TRUE(l->has("JSON syntax error"));
}

TEST(ConfigJson, ImportsGroupByAccountWithSettingsAndPins) {
    stbf_test::TempDir dir;
    dir.write("CCcam.cfg", kCccam, 0600);
    const std::string json = dir.write("stbf.json", R"({
  "groups": [ { "name": "cccam-alice", "servers": [ { "host": "x.example", "port": 1 } ] } ],
  "import": [ { "file": "CCcam.cfg", "mode": "random", "listen": { "cccam-bob": 21000 } } ]
})");
    auto l = load_file(json);
    ASSERT_EQ(l->result, LoadResult::Ok) << l->messages();
    EXPECT_EQ(l->diags->warnings(), 0u) << l->messages();
    ASSERT_EQ(l->cfg->group_count, 3);
    ASSERT_EQ(l->cfg->file_count, 2);
    EXPECT_EQ(std::string(l->cfg->files[1].c_str()), dir.file("CCcam.cfg"));
    // the JSON group keeps its name; the imported account with the same user gets a suffix
    const stbf::GroupConfig* alice = l->group("cccam-alice-2");
    ASSERT_NE(alice, nullptr) << l->messages();
    EXPECT_EQ(alice->server_count, 2);
    EXPECT_EQ(alice->mode, stbf::Mode::Random);
    EXPECT_FALSE(alice->listen_pinned);
    EXPECT_EQ(l->cfg->servers[alice->servers[0]].source.file, 1);
    EXPECT_EQ(l->cfg->servers[alice->servers[1]].source.line, 2u);
    const stbf::GroupConfig* bob = l->group("cccam-bob");
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(bob->listen_port, 21000);
    ASSERT_EQ(l->sources.size(), 1u);
    EXPECT_EQ(l->sources[0].spans.size(), 3u);
}

TEST(ConfigJson, SkipsInsideAnImportedFileNameThatFileAndTheRestLoads) {
    stbf_test::TempDir dir;
    dir.write("CCcam.cfg", "C: a.example 12000 alice pw\nC: b.example 99999 alice pw\n");
    const std::string json = dir.write("stbf.json", "{\"import\": [{\"file\": \"CCcam.cfg\"}]}");
    auto l = load_file(json);
    EXPECT_EQ(l->result, LoadResult::Ok) << l->messages();
    EXPECT_TRUE(l->has(dir.file("CCcam.cfg") +
                       ":2:14: warning: port is a placeholder or not a port; line skipped: port "
                       "must be a number 1..65535"))
        << l->messages();
    EXPECT_EQ(l->cfg->server_count, 1);
}

// As a new user would: a 120-account CCcam.cfg with the capacity lowered to 100 groups. The
// first 100 accounts are imported in file order; each one left out is named at its line
// together with the setting that raises the limit, and nothing else is lost.
TEST(ConfigJson, CapacityBoundsImportsInFileOrderAndNamesTheSettingAtEachSkippedLine) {
    stbf_test::TempDir dir;
    std::string cfg;
    for (int i = 0; i < 120; ++i)
        cfg += "C: host" + std::to_string(i) + ".example 12000 user" + std::to_string(i) + " pw\n";
    dir.write("CCcam.cfg", cfg, 0600);
    const std::string json = dir.write(
        "stbf.json",
        "{\"capacity\": {\"groups\": 100, \"servers\": 300, \"sessions\": 64},\n"
        " \"import\": [{\"file\": \"CCcam.cfg\"}]}");
    auto l = load_file(json);
    ASSERT_EQ(l->result, LoadResult::Ok) << l->messages();
    EXPECT_EQ(l->cfg->capacity.groups, 100);
    EXPECT_EQ(l->cfg->capacity.servers, 300);
    EXPECT_EQ(l->cfg->capacity.sessions, 64);
    EXPECT_EQ(l->cfg->group_count, 100);
    EXPECT_EQ(std::string(l->cfg->servers[l->cfg->groups[99].servers[0]].host.c_str()),
              "host99.example");
    EXPECT_EQ(l->diags->warnings(), 20u) << l->messages();
    EXPECT_TRUE(l->has(dir.file("CCcam.cfg") + ":101:")) << l->messages();
    EXPECT_TRUE(l->has(dir.file("CCcam.cfg") + ":120:")) << l->messages();
    EXPECT_TRUE(l->has("capacity\": {\"groups\": N}")) << l->messages();
    // Without the lowered capacity all 120 fit the default one.
    const std::string plain = dir.write("plain.json", "{\"import\": [{\"file\": \"CCcam.cfg\"}]}");
    auto all = load_file(plain);
    ASSERT_EQ(all->result, LoadResult::Ok) << all->messages();
    EXPECT_EQ(all->cfg->group_count, 120);
    EXPECT_EQ(all->diags->warnings(), 0u) << all->messages();
}

TEST(ConfigJson, CapacityOutOfRangeOrBelowTheJsonGroupsIsAnErrorAndMaxSessionsAboveItAWarning) {
    auto bad = load_text("{\"capacity\": {\"servers\": 0}}");
    EXPECT_EQ(bad->result, LoadResult::Invalid);
    EXPECT_TRUE(bad->has("capacity.servers")) << bad->messages();
    auto big = load_text("{\"capacity\": {\"groups\": " + std::to_string(STBF_MAX_GROUPS + 1) + "}}");
    EXPECT_EQ(big->result, LoadResult::Invalid) << big->messages();
    auto unknown = load_text("{\"capacity\": {\"slots\": 2}}");
    EXPECT_EQ(unknown->result, LoadResult::Invalid) << unknown->messages();

    auto small = load_text(R"({
  "capacity": {"servers": 1, "sessions": 4},
  "groups": [ { "name": "line", "session": {"max_sessions": 8},
                "servers": [ { "host": "a.example", "port": 1 },
                             { "host": "b.example", "port": 2 } ] } ]
})");
    EXPECT_EQ(small->result, LoadResult::Invalid);
    EXPECT_TRUE(small->has(":5:")) << small->messages();  // the server that does not fit
    EXPECT_TRUE(small->has("more servers than capacity.servers")) << small->messages();
    EXPECT_TRUE(small->has("warning: max_sessions is above capacity.sessions")) << small->messages();
    EXPECT_TRUE(small->has("8 > 4")) << small->messages();
}

// The loader takes its capacity ranges from the core table (settings.h), as the engine and the
// C API do (tests/core/settings_test.cpp): the bound is accepted, one above is refused at its
// place with the table's name and range.
TEST(ConfigJson, CapacityRangesComeFromTheCoreTable) {
    for (stbf::CapacitySetting which :
         {stbf::CapacitySetting::Servers, stbf::CapacitySetting::Groups,
          stbf::CapacitySetting::Sessions}) {
        const stbf::SettingRange r = stbf::capacity_range(which);
        const std::string name = std::string(r.name).substr(std::strlen("capacity."));
        SCOPED_TRACE(r.name);
        auto at =
            load_text("{\n  \"capacity\": {\"" + name + "\": " + std::to_string(r.max) + "}}");
        EXPECT_EQ(at->result, LoadResult::Ok) << at->messages();
        auto above =
            load_text("{\n  \"capacity\": {\"" + name + "\": " + std::to_string(r.max + 1) + "}}");
        EXPECT_EQ(above->result, LoadResult::Invalid);
        EXPECT_TRUE(
            above->has("/cfg/t.json:2:16: error: value is out of range: " + std::string(r.name) +
                       " (" + std::to_string(r.min) + ".." + std::to_string(r.max) + ")"))
            << above->messages();
    }
}

// interval_s is check.inter in whole seconds: its range is the table's, not one of its own.
TEST(ConfigJson, IntervalSecondsTakeTheRangeOfInter) {
    const stbf::SettingRange& r = stbf::setting_range(stbf::Setting::Inter);
    auto with = [](uint32_t seconds) {
        return load_text(R"({"groups": [{"name": "a", "check": {"interval_s": )" +
                         std::to_string(seconds) +
                         R"(}, "servers": [{"host": "h.example", "port": 1}]}]})");
    };
    auto at = with(r.max / 1000);
    ASSERT_EQ(at->result, LoadResult::Ok) << at->messages();
    EXPECT_EQ(at->cfg->groups[0].health.inter_ms, r.max / 1000 * 1000);
    auto above = with(r.max / 1000 + 1);
    EXPECT_EQ(above->result, LoadResult::Invalid);
    EXPECT_TRUE(above->has("value is out of range: groups[0].check.interval_s (1.." +
                           std::to_string(r.max / 1000) + ")"))
        << above->messages();
}

TEST(ConfigJson, MissingImportsAreErrorsUnlessOptional) {
    stbf_test::TempDir dir;
    auto l = load_file(dir.write("a.json", R"({"import": [{"file": "/nonexistent/CCcam.cfg"}]})"));
    EXPECT_EQ(l->result, LoadResult::Invalid);
    EXPECT_TRUE(l->has("a.json:1:14: error: cannot read imported file: import[0].file /nonexistent/CCcam.cfg"))
        << l->messages();
    auto o = load_file(dir.write("b.json", R"({"import": [{"file": "/nonexistent/CCcam.cfg", "optional": true}]})"));
    EXPECT_EQ(o->result, LoadResult::Ok) << o->messages();
    EXPECT_EQ(o->diags->notes(), 1u);
    auto p = load_file(dir.write("c.json", R"({"import": [{"file": "CCcam.cfg", "listen": {"nope": 20001}}]})"));
    EXPECT_EQ(p->result, LoadResult::Invalid);  // and the missing file is an error too
}

TEST(ConfigJson, UnknownPinNameIsAnError) {
    stbf_test::TempDir dir;
    dir.write("CCcam.cfg", kCccam);
    auto l = load_file(dir.write("a.json", R"({"import": [{"file": "CCcam.cfg", "listen": {"cccam-carol": 20001}}]})"));
    EXPECT_EQ(l->result, LoadResult::Invalid);
    EXPECT_TRUE(l->has("no group of this import has this name (see stbfailover check): import[0].listen.cccam-carol")) << l->messages();
}

TEST(ConfigJson, WorldReadableSecretsGetAWarning) {
    stbf_test::TempDir dir;
    auto open = load_file(dir.write("CCcam.cfg", kCccam, 0644));
    EXPECT_EQ(open->result, LoadResult::Ok);
    EXPECT_TRUE(open->has("CCcam.cfg: warning: file holds passwords and every user")) << open->messages();
    auto closed = load_file(dir.write("CCcam2.cfg", kCccam, 0600));
    EXPECT_EQ(closed->diags->warnings(), 0u) << closed->messages();
}

TEST(ConfigJson, SoftcamFilesLoadDirectlyAndKeepTheirPortsAcrossReloads) {
    stbf_test::TempDir dir;
    const std::string path = dir.write("CCcam.cfg", kCccam);
    auto first = load_file(path);
    ASSERT_EQ(first->result, LoadResult::Ok) << first->messages();
    ASSERT_EQ(first->cfg->group_count, 2);
    // the box owner adds an account at the top; the existing groups keep their ports
    dir.write("CCcam.cfg", std::string("C: d.example 1 dave pw-d\n") + kCccam);
    auto second = load_file(path);
    ASSERT_EQ(second->cfg->group_count, 3);
    for (const char* name : {"cccam-alice", "cccam-bob"}) {
        ASSERT_NE(second->group(name), nullptr);
        EXPECT_EQ(second->group(name)->listen_port, first->group(name)->listen_port) << name;
        EXPECT_EQ(first->group(name)->listen_port,
                  first->cfg->listen_port_base + first->group(name)->identity % stbf::kListenPortSpan);
    }
}

TEST(ConfigJson, AServerAtOurOwnListenPortIsALoop) {
    auto l = load_text(R"({"groups": [
  {"name": "a", "listen": 20001, "servers": [{"host": "a.example", "port": 1}]},
  {"name": "b", "servers": [{"host": "127.0.0.1", "port": 20001}, {"host": "::1", "port": 20002}]}
]})");
    EXPECT_EQ(l->result, LoadResult::Invalid);
    EXPECT_TRUE(l->has("/cfg/t.json:3: error: server is stbfailover's own listen port of group (a loop"))
        << l->messages();
    EXPECT_EQ(l->diags->errors(), 1u) << l->messages();  // ::1:20002 is some other local service
}

TEST(ConfigJson, DetectsFormats) {
    EXPECT_EQ(stbf::fw::detect_format("  \n{ }"), FileFormat::Json);
    EXPECT_EQ(stbf::fw::detect_format("# x\n  [reader]\n"), FileFormat::Oscam);
    EXPECT_EQ(stbf::fw::detect_format("C: a 1 b c\n"), FileFormat::Cccam);
    EXPECT_EQ(stbf::fw::detect_format(""), FileFormat::Cccam);
}

TEST(ConfigJson, ShippedConfigsAreValid) {
    for (const char* name : {"stbfailover.json", "examples/two-providers.json",
                             "examples/import-with-pins.json", "CCcam.cfg", "oscam.server"}) {
        SCOPED_TRACE(name);
        auto l = load_file(std::string(STBF_CONF_DIR) + "/" + name);
        EXPECT_EQ(l->result, LoadResult::Ok) << l->messages();
        EXPECT_EQ(l->diags->errors(), 0u);
    }
}

TEST(ConfigJson, UnreadableMainFileSaysWhy) {
    auto l = load_file("/nonexistent/stbfailover.json");
    EXPECT_EQ(l->result, LoadResult::Unreadable);
    EXPECT_TRUE(l->has("/nonexistent/stbfailover.json: error: cannot read config file: No such file"))
        << l->messages();
}

}  // namespace

// A Latin-1 label or user would pass today and break the status JSON and /metrics later.
TEST(ConfigJson, NamesMustBeUtf8WithFileAndLine) {
    auto l = load_text("{\n  \"groups\": [\n    { \"name\": \"sky\",\n      \"servers\": [\n"
                       "        { \"host\": \"h.example\", \"port\": 1, \"label\": \"M\xfcnchen\" },\n"
                       "        { \"host\": \"i.example\", \"port\": 2, \"user\": \"a\\tb\" },\n"
                       "        { \"host\": \"j.example\", \"port\": 3, \"label\": \"M\xc3\xbcnchen\" } ] }\n"
                       "  ]\n}\n");
    EXPECT_EQ(l->result, LoadResult::Invalid);
    EXPECT_TRUE(l->has("/cfg/t.json:5: error: invalid UTF-8 in a name (save the file as UTF-8): server label, byte 1")) << l->messages();
    EXPECT_TRUE(l->has("/cfg/t.json:6: error: control character in a name: user, byte 1")) << l->messages();
    EXPECT_EQ(l->messages().find(":7:"), std::string::npos) << l->messages();
}

TEST(ConfigJson, ImportedNamesMustBeUtf8Too) {
    auto l = load_text("C: a.example 1 J\xf6rg pw\n", "/cfg/CCcam.cfg");
    EXPECT_EQ(l->result, LoadResult::Invalid);
    EXPECT_TRUE(l->has("/cfg/CCcam.cfg:1: error:")) << l->messages();
    EXPECT_TRUE(l->has("invalid UTF-8")) << l->messages();
}

TEST(ConfigJson, PerServerMaxSessionsIsReadAndRangeChecked) {
    auto l = load_text(R"({"groups": [{"name": "a", "servers": [
        {"host": "h.example", "port": 1, "max_sessions": 2},
        {"host": "i.example", "port": 2}]}]})");
    ASSERT_EQ(l->result, LoadResult::Ok) << l->messages();
    EXPECT_EQ(l->cfg->servers[l->cfg->groups[0].servers[0]].max_sessions, 2);
    EXPECT_EQ(l->cfg->servers[l->cfg->groups[0].servers[1]].max_sessions, 0) << "no limit";
    auto bad = load_text(R"({"groups": [{"name": "a", "servers": [
        {"host": "h.example", "port": 1, "max_sessions": 70000}]}]})");
    EXPECT_EQ(bad->result, LoadResult::Invalid);
    EXPECT_TRUE(bad->has("max_sessions")) << bad->messages();
    auto neg = load_text(R"({"groups": [{"name": "a", "servers": [
        {"host": "h.example", "port": 1, "max_sessions": -1}]}]})");
    EXPECT_EQ(neg->result, LoadResult::Invalid);
}

TEST(ConfigJson, SlotsAndSlotShareAreReadRangeCheckedAndPrintedBack) {
    auto l = load_text(R"({"groups": [{"name": "a", "slots": 3, "slot_share": true, "servers": [
        {"host": "h.example", "port": 1}, {"host": "i.example", "port": 2}]},
        {"name": "b", "servers": [{"host": "j.example", "port": 3}]}]})");
    ASSERT_EQ(l->result, LoadResult::Ok) << l->messages();
    EXPECT_EQ(l->cfg->groups[0].slots, 3);
    EXPECT_TRUE(l->cfg->groups[0].slot_share);
    EXPECT_EQ(l->cfg->groups[1].slots, 0) << "automatic unless given";
    EXPECT_FALSE(l->cfg->groups[1].slot_share);
    const std::string printed = stbf::fw::config_to_json(*l->cfg, l->globals);
    auto back = load_text(printed);
    ASSERT_EQ(back->result, LoadResult::Ok) << back->messages() << printed;
    EXPECT_EQ(back->cfg->groups[0].slots, 3) << printed;
    EXPECT_TRUE(back->cfg->groups[0].slot_share) << printed;
    EXPECT_EQ(back->cfg->groups[1].slots, 0) << printed;
    auto bad = load_text(R"({"groups": [{"name": "a", "slots": 5, "servers": [
        {"host": "h.example", "port": 1}]}]})");
    EXPECT_EQ(bad->result, LoadResult::Invalid);
    EXPECT_TRUE(bad->has("slots")) << bad->messages();
}

TEST(ConfigJson, WebListenIsLoopbackUnlessAPasswordHashIsGiven) {
    auto port_only = load_text(R"({"web_listen": "8080"})");
    EXPECT_EQ(port_only->result, LoadResult::Ok) << port_only->messages();
    EXPECT_EQ(port_only->globals.web_listen, "127.0.0.1:8080");
    auto lan = load_text(R"({"web_listen": "0.0.0.0:8080"})");
    EXPECT_EQ(lan->result, LoadResult::Invalid);
    EXPECT_TRUE(lan->has("web_listen on a non-loopback address needs web_password")) << lan->messages();
    auto plain = load_text(R"({"web_listen": "0.0.0.0:8080", "web_password": "hunter22"})");
    EXPECT_EQ(plain->result, LoadResult::Invalid);
    EXPECT_TRUE(plain->has("never the password itself")) << plain->messages();
    EXPECT_EQ(plain->messages().find("hunter22"), std::string::npos) << "not even in the error";
    auto hashed = load_text(
        R"({"web_listen": "0.0.0.0:8080", "web_password": "pbkdf2-sha256$20000$00112233445566778899aabbccddeeff$)"
        R"(0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})");
    EXPECT_EQ(hashed->result, LoadResult::Ok) << hashed->messages();
    EXPECT_EQ(hashed->globals.web_listen, "0.0.0.0:8080");
    auto name = load_text(R"({"web_listen": "box.local:8080"})");
    EXPECT_EQ(name->result, LoadResult::Invalid);
}
