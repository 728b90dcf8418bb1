#include "softcam_writer.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config_json.h"

namespace {

struct Rewritten {
    std::unique_ptr<stbf::Config> cfg = std::make_unique<stbf::Config>();
    std::string text;
};

Rewritten rewrite(const std::string& input, stbf::fw::FileFormat format) {
    Rewritten r;
    auto diags = std::make_unique<stbf::Diagnostics>();
    stbf::fw::Globals globals;
    std::vector<stbf::fw::SoftcamSource> sources;
    auto result = stbf::fw::load_config_text(input, "/etc/softcam", format, r.cfg.get(), &globals,
                                             diags.get(), &sources, false);
    EXPECT_EQ(result, stbf::fw::LoadResult::Ok);
    EXPECT_EQ(sources.size(), 1u);
    std::string json, error;
    EXPECT_TRUE(stbf::fw::json_for_softcam(r.cfg.get(), globals, &json, &error)) << error;
    if (sources.size() == 1) r.text = stbf::fw::rewrite_softcam_config(sources[0], *r.cfg);
    return r;
}

const stbf::GroupConfig& group(const stbf::Config& cfg, const char* name) {
    for (uint16_t g = 0; g < cfg.group_count; ++g)
        if (std::string(cfg.groups[g].name.c_str()) == name) return cfg.groups[g];
    ADD_FAILURE() << "no group " << name;
    return cfg.groups[0];
}

std::string port(const stbf::Config& cfg, const char* name, int slot) {
    return std::to_string(group(cfg, name).slot_ports[slot]);
}

std::string header(const char* eol) {
    return std::string("# Rewritten by `stbfailover setup`: each account now points at stbfailover on this box") +
           eol + "# (one reader or line per slot), which fails over between the account's servers." + eol +
           "# Alternatives are kept below as \"#stbf# \" comments. `stbfailover restore` puts this" + eol +
           "# file back as it was." + eol;
}

TEST(SoftcamWriter, CccamLinesGetOneLinePerSlotAndKeepEverythingElseWithCrlf) {
    const std::string input =
        "# my lines\r\n"
        "F: friend fp 1 0 0\r\n"
        "C: a.example 12000 alice pw-a yes { 0100:000080 }\r\n"
        "C: b.example 12001 alice pw-a yes { 0100:000080 }\r\n"
        "N:\t[2001:db8::1] 15000 bob pw-b 0102030405060708091011121314 2\r\n";
    Rewritten r = rewrite(input, stbf::fw::FileFormat::Cccam);
    const std::string a1 = port(*r.cfg, "cccam-alice", 0), a2 = port(*r.cfg, "cccam-alice", 1);
    const std::string b = port(*r.cfg, "newcamd-bob", 0);
    EXPECT_NE(a1, a2);
    EXPECT_EQ(group(*r.cfg, "newcamd-bob").slot_ports[1], 0);  // one server: one slot
    const std::string expected = header("\r\n") +
        "# my lines\r\n"
        "F: friend fp 1 0 0\r\n"
        "C: 127.0.0.1 " + a1 + " alice pw-a yes { 0100:000080 }\r\n"
        "C: 127.0.0.1 " + a2 + " alice pw-a yes { 0100:000080 }\r\n"
        "#stbf# C: b.example 12001 alice pw-a yes { 0100:000080 }\r\n"
        "N:\t127.0.0.1 " + b + " bob pw-b 0102030405060708091011121314 2\r\n";
    EXPECT_EQ(r.text, expected);
}

TEST(SoftcamWriter, NoFinalNewlineGetsOneOnlyWhereALineIsAdded) {
    Rewritten r = rewrite("C: a.example 1 u p\nC: b.example 2 u p", stbf::fw::FileFormat::Cccam);
    EXPECT_EQ(r.text, header("\n") + "C: 127.0.0.1 " + port(*r.cfg, "cccam-u", 0) +
                          " u p\nC: 127.0.0.1 " + port(*r.cfg, "cccam-u", 1) +
                          " u p\n#stbf# C: b.example 2 u p");
    Rewritten one = rewrite("C: a.example 1 u p", stbf::fw::FileFormat::Cccam);
    EXPECT_EQ(one.text, header("\n") + "C: 127.0.0.1 " + port(*one.cfg, "cccam-u", 0) + " u p");
}

TEST(SoftcamWriter, RewritingTwiceDoesNotStackHeaders) {
    Rewritten once = rewrite("C: a.example 1 u p\n", stbf::fw::FileFormat::Cccam);
    EXPECT_TRUE(stbf::fw::is_rewritten_softcam_config(once.text));
    EXPECT_FALSE(stbf::fw::is_rewritten_softcam_config("C: a.example 1 u p\n"));
    stbf::fw::SoftcamSource again;  // the rewritten file, nothing left to point elsewhere
    again.text = once.text;
    again.format = stbf::fw::FileFormat::Cccam;
    EXPECT_EQ(stbf::fw::rewrite_softcam_config(again, *once.cfg), once.text);
}

TEST(SoftcamWriter, OscamReaderPerSlotWithFallbackReconnectSettingsAndAlternativesCommented) {
    const std::string input =
        "[reader]\n"
        "label = one\n"
        "protocol = cccam\n"
        "device = a.example,12000\n"
        "user = u\n"
        "password = p\n"
        "group = 1\n"
        "\n"
        "[reader]\n"
        "label = two\n"
        "protocol = cccam\n"
        "device = b.example , 12000\n"
        "user = u\n"
        "password = p\n"
        "[reader]\n"
        "label = card\n"
        "protocol = internal\n";
    Rewritten r = rewrite(input, stbf::fw::FileFormat::Oscam);
    const std::string p1 = port(*r.cfg, "cccam-u", 0), p2 = port(*r.cfg, "cccam-u", 1);
    const std::string expected = header("\n") +
        "[reader]\n"
        "label = one\n"
        "protocol = cccam\n"
        "device = 127.0.0.1," + p1 + "\n"
        "user = u\n"
        "password = p\n"
        "group = 1\n"
        "ccckeepalive = 1\n"
        "\n"
        "[reader]\n"
        "label = one_slot2\n"
        "protocol = cccam\n"
        "device = 127.0.0.1," + p2 + "\n"
        "user = u\n"
        "password = p\n"
        "group = 1\n"
        "fallback = 1\n"
        "ccckeepalive = 1\n"
        "\n"
        "#stbf# [reader]\n"
        "#stbf# label = two\n"
        "#stbf# protocol = cccam\n"
        "#stbf# device = b.example , 12000\n"
        "#stbf# user = u\n"
        "#stbf# password = p\n"
        "[reader]\n"
        "label = card\n"
        "protocol = internal\n";
    EXPECT_EQ(r.text, expected);
}

TEST(SoftcamWriter, OwnersSettingsWinAndNewcamdGetsIdleReconnect) {
    const std::string input =
        "[reader]\r\n"
        "protocol = newcamd\r\n"
        "device = a.example,15000,0\r\n"
        "key = 0102030405060708091011121314\r\n"
        "user = u\r\n"
        "fallback = 0\r\n"
        "[reader]\r\n"
        "label = x\r\n"
        "protocol = cccam\r\n"
        "device = c.example,1\r\n"
        "user = v\r\n"
        "ccckeepalive = 0\r\n";
    Rewritten r = rewrite(input, stbf::fw::FileFormat::Oscam);
    const std::string n = port(*r.cfg, "newcamd-u", 0), c = port(*r.cfg, "cccam-v", 0);
    const std::string expected = header("\r\n") +
        "[reader]\r\n"
        "protocol = newcamd\r\n"
        "device = 127.0.0.1," + n + ",0\r\n"
        "key = 0102030405060708091011121314\r\n"
        "user = u\r\n"
        "fallback = 0\r\n"
        "inactivitytimeout = -1\r\n"
        "[reader]\r\n"
        "label = x\r\n"
        "protocol = cccam\r\n"
        "device = 127.0.0.1," + c + "\r\n"
        "user = v\r\n"
        "ccckeepalive = 0\r\n";
    EXPECT_EQ(r.text, expected);
}

TEST(SoftcamWriter, OneAccountOnTwoProtocolsMakesTheLaterReaderTheFallback) {
    const std::string input =
        "[reader]\nlabel = cc\nprotocol = cccam\ndevice = s.example,12000\nuser = u\npassword = p\n"
        "ccckeepalive = 1\n\n"
        "[reader]\nlabel = nc\nprotocol = newcamd\ndevice = s.example,15000\nuser = u\npassword = p\n"
        "key = 0102030405060708091011121314\ninactivitytimeout = 30\n";
    Rewritten r = rewrite(input, stbf::fw::FileFormat::Oscam);
    const std::string expected = header("\n") +
        "[reader]\nlabel = cc\nprotocol = cccam\ndevice = 127.0.0.1," + port(*r.cfg, "cccam-u", 0) +
        "\nuser = u\npassword = p\nccckeepalive = 1\n\n"
        "[reader]\nlabel = nc\nprotocol = newcamd\ndevice = 127.0.0.1," + port(*r.cfg, "newcamd-u", 0) +
        "\nuser = u\npassword = p\nkey = 0102030405060708091011121314\ninactivitytimeout = 30\n"
        "fallback = 1\n";
    EXPECT_EQ(r.text, expected);
}

TEST(SoftcamWriter, JsonForSoftcamGivesThePortsTheDaemonDerivesFromTheJson) {
    Rewritten r = rewrite("C: a.example 1 u p\nC: b.example 2 u p\n", stbf::fw::FileFormat::Cccam);
    std::string json, error;
    ASSERT_TRUE(stbf::fw::json_for_softcam(r.cfg.get(), stbf::fw::Globals{}, &json, &error));
    auto back = std::make_unique<stbf::Config>();
    auto diags = std::make_unique<stbf::Diagnostics>();
    stbf::fw::Globals g;
    ASSERT_EQ(stbf::fw::load_config_text(json, "x.json", stbf::fw::FileFormat::Json, back.get(), &g,
                                         diags.get(), nullptr, false),
              stbf::fw::LoadResult::Ok);
    for (int k = 0; k < STBF_MAX_SLOTS; ++k)
        EXPECT_EQ(back->groups[0].slot_ports[k], r.cfg->groups[0].slot_ports[k]);
    EXPECT_NE(r.cfg->groups[0].slot_ports[1], 0);
    EXPECT_EQ(json.find("\"p\""), std::string::npos) << "no password in the JSON";
}

}  // namespace
