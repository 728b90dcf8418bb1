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
    if (sources.size() == 1) r.text = stbf::fw::rewrite_softcam_config(sources[0], *r.cfg);
    return r;
}

std::string port_of(const stbf::Config& cfg, const char* group) {
    for (uint16_t g = 0; g < cfg.group_count; ++g)
        if (std::string(cfg.groups[g].name.c_str()) == group) return std::to_string(cfg.groups[g].listen_port);
    return "?";
}

TEST(SoftcamWriter, CccamLinesPointAtTheGroupPortAndKeepEverythingElse) {
    const std::string input =
        "# my lines\r\n"
        "F: friend fp 1 0 0\r\n"
        "C: a.example 12000 alice pw-a yes { 0100:000080 }\r\n"
        "C: b.example 12001 alice pw-a yes { 0100:000080 }\r\n"
        "N:\t[2001:db8::1] 15000 bob pw-b 0102030405060708091011121314 2\r\n";
    Rewritten r = rewrite(input, stbf::fw::FileFormat::Cccam);
    const std::string a = port_of(*r.cfg, "cccam-alice"), b = port_of(*r.cfg, "newcamd-bob");
    const std::string expected = std::string(
        "# Rewritten by `stbfailover import`: each account now points at stbfailover on this box,\n"
        "# which fails over between the account's servers. Alternatives are kept below as\n"
        "# \"#stbf# \" comments; the file as it was is kept as <this file>.bak.\n") +
        "# my lines\r\n"
        "F: friend fp 1 0 0\r\n"
        "C: 127.0.0.1 " + a + " alice pw-a yes { 0100:000080 }\r\n"
        "#stbf# C: b.example 12001 alice pw-a yes { 0100:000080 }\r\n"
        "N:\t127.0.0.1 " + b + " bob pw-b 0102030405060708091011121314 2\r\n";
    EXPECT_EQ(r.text, expected);
}

TEST(SoftcamWriter, RewritingTwiceDoesNotStackHeaders) {
    Rewritten once = rewrite("C: a.example 1 u p\n", stbf::fw::FileFormat::Cccam);
    stbf::fw::SoftcamSource again;  // the rewritten file, nothing left to point elsewhere
    again.text = once.text;
    again.format = stbf::fw::FileFormat::Cccam;
    EXPECT_EQ(stbf::fw::rewrite_softcam_config(again, *once.cfg), once.text);
}

TEST(SoftcamWriter, OscamReadersKeepTheirSettingsAndAlternativesAreCommentedOut) {
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
    const std::string port = port_of(*r.cfg, "cccam-u");
    EXPECT_NE(r.text.find("label = one\nprotocol = cccam\ndevice = 127.0.0.1," + port +
                          "\nuser = u\npassword = p\ngroup = 1\n\n"),
              std::string::npos)
        << r.text;
    EXPECT_NE(r.text.find("#stbf# [reader]\n#stbf# label = two\n#stbf# protocol = cccam\n"
                          "#stbf# device = b.example , 12000\n#stbf# user = u\n#stbf# password = p\n"
                          "[reader]\nlabel = card\nprotocol = internal\n"),
              std::string::npos)
        << r.text;
}

}  // namespace
