#include "stbf/cccam_cfg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "parse_helpers.h"
#include "stbf/grouping.h"

namespace {

using stbf::Severity;
using stbf::Status;

std::unique_ptr<stbf_test::Parsed> parse(const std::string& text) {
    return stbf_test::parse_with(&stbf::parse_cccam_cfg, text);
}

TEST(CccamCfg, ReadsMixedRealisticFileWithCrlfTabsAndComments) {
    const std::string text =
        "# CCcam.cfg of a box\r\n"
        "SERVER LISTEN PORT : 12000\r\n"
        "\r\n"
        "C: line1.example.net 12000 alice s3cret yes { 0100:000080, 0500:030B00:2 }\r\n"
        "\tC:\tline2.example.net\t12000  alice   s3cret   # second host, same account\r\n"
        "N: 192.0.2.7 15000 bob pw2 01 02 03 04 05 06 07 08 09 10 11 12 13 14 2 1\r\n"
        "F: friend fpass 1 0 0 { 0:0:2 }\r\n"
        "C: [2001:db8::5] 13000 carol pw3 no\r\n";
    auto p = parse(text);
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_EQ(p->diags->errors(), 0u);
    ASSERT_EQ(p->config->server_count, 4);
    const stbf::ServerConfig& c1 = p->config->servers[0];
    EXPECT_STREQ(c1.host.c_str(), "line1.example.net");
    EXPECT_EQ(c1.port, 12000);
    EXPECT_STREQ(c1.user.c_str(), "alice");
    EXPECT_STREQ(c1.password.c_str(), "s3cret");
    EXPECT_EQ(c1.protocol, stbf::Protocol::Cccam);
    EXPECT_EQ(c1.probe, stbf::ProbeKind::Cccam);
    EXPECT_STREQ(c1.extra.c_str(), "yes { 0100:000080, 0500:030B00:2 }");
    EXPECT_STREQ(c1.label.c_str(), "line1.example.net:12000");
    EXPECT_EQ(c1.source.line, 4u);
    EXPECT_EQ(p->config->servers[1].source.line, 5u);
    EXPECT_STREQ(p->config->servers[1].password.c_str(), "s3cret");
    EXPECT_TRUE(p->config->servers[1].extra.empty());

    const stbf::ServerConfig& n = p->config->servers[2];
    EXPECT_EQ(n.protocol, stbf::Protocol::Newcamd);
    EXPECT_EQ(n.probe, stbf::ProbeKind::Newcamd);
    ASSERT_TRUE(n.has_key);
    EXPECT_EQ(n.des_key[0], 0x01);
    EXPECT_EQ(n.des_key[13], 0x14);
    EXPECT_STREQ(n.extra.c_str(), "2 1");

    EXPECT_STREQ(p->config->servers[3].host.c_str(), "2001:db8::5");
    EXPECT_STREQ(p->config->servers[3].extra.c_str(), "no");

    // skipped kinds are notes, not silence
    ASSERT_NE(p->on_line(2, Severity::Note), nullptr);
    EXPECT_STREQ(p->on_line(2, Severity::Note)->detail.c_str(), "SERVER LISTEN PORT");
    ASSERT_NE(p->on_line(7, Severity::Note), nullptr);
    EXPECT_STREQ(p->on_line(7, Severity::Note)->detail.c_str(), "F:");
}

TEST(CccamCfg, SpansPointAtHostAndPortOnly) {
    const std::string text = "# x\nC:  h.example 1234 u p yes\n";
    auto p = parse(text);
    ASSERT_EQ(p->config->server_count, 1);
    const stbf::SourceSpan& s = p->spans[0];
    EXPECT_EQ(text.substr(s.addr_begin, s.addr_end - s.addr_begin), "h.example 1234");
    EXPECT_EQ(text.substr(s.block_begin, s.block_end - s.block_begin), "C:  h.example 1234 u p yes");
}

TEST(CccamCfg, NKeyAsOneWordOf28HexDigits) {
    auto p = parse("N: h.example 1 u p 0102030405060708090A0B0C0D0E\n");
    ASSERT_EQ(p->config->server_count, 1);
    EXPECT_EQ(p->config->servers[0].des_key[9], 0x0a);
    EXPECT_EQ(p->diags->count(), 0u);
}

struct BadLine {
    const char* line;
    uint16_t column;
    const char* message_part;
};

TEST(CccamCfg, EveryLineThatCannotBeRelayedIsSkippedWithAWarningAtItsColumn) {
    const BadLine cases[] = {
        {"C: host.example 12000 user", 27, "needs host, port, user and password"},
        {"C: host.example 0 user pass", 17, "port"},
        {"C: host.example 65536 user pass", 17, "port"},
        {"C: host.example port user pass", 17, "port"},
        {"C: hostname or ip user pass", 13, "port"},
        {"C: 2001:db8::1 12000 user pass", 4, "host"},
        {"C: [2001:db8::1 12000 user pass", 4, "host"},
        {"C: bad_host!.example 1 u p", 4, "host"},
        {"C: 192.0.2.300 1 u p", 4, "host"},
        {"N: h.example 1 u p", 19, "14 key bytes"},
        {"N: h.example 1 u p 01 02 03", 28, "fewer than 14"},
        {"N: h.example 1 u p 01 02 0x 04 05 06 07 08 09 10 11 12 13 14", 26, "two hex digits"},
        {"N: h.example 1 u p 0102030405060708090A0B0C0DZZ", 20, "28 hex digits"},
        {"c: h.example 1 u p", 1, "upper case"},
        {"B: 192.0.2.1 1 u p", 1, "unknown line kind"},
        {"just some words", 1, "not a CCcam.cfg line"},
        {"____ MY SERVER CONF ____", 1, "not a CCcam.cfg line"},
        {"http://www.example.net/free-lines", 1, "not a CCcam.cfg line"},
        {"  =garbage", 3, "not a CCcam.cfg line"},
        {"C host.example 1 user pass:word", 1, "not a CCcam.cfg line"},
    };
    for (const BadLine& c : cases) {
        SCOPED_TRACE(c.line);
        const auto p = parse(std::string("# first line\n") + c.line + "\r\n");
        stbf_test::expect_skipped_at(*p, 2, c.column, c.message_part);
    }
}

TEST(CccamCfg, ValuesStbfailoverNeverUsesAreKeptAndWarnedOnlyWhenMalformed) {
    const BadLine cases[] = {
        {"C: h.example 1 u p maybe", 20, "expected yes, no"},
        {"C: h.example 1 u p { 0100:000080 }", 20, "needs yes or no"},
        {"C: h.example 1 u p yes { 0100:000080", 24, "not closed"},
        {"C: h.example 1 u p yes { 01zz:1 }", 26, "caid:ident"},
        {"N: h.example 1 u p 0102030405060708090A0B0C0D0E x", 49, "hops"},
    };
    for (const BadLine& c : cases) {
        SCOPED_TRACE(c.line);
        const auto p = parse(std::string("# first line\n") + c.line + "\n");
        EXPECT_EQ(p->status, Status::Ok);
        EXPECT_EQ(p->diags->errors(), 0u);
        ASSERT_EQ(p->config->server_count, 1);
        EXPECT_EQ(p->counts.imported, 1u);
        const stbf::Diagnostic* d = p->on_line(2, Severity::Warning);
        ASSERT_NE(d, nullptr) << p->all_text();
        EXPECT_EQ(d->column, c.column);
        EXPECT_NE(std::string(d->message).find(c.message_part), std::string::npos) << d->message;
    }
    // hops out of CCcam's range are still numbers: kept without a word (seen in real files)
    auto p = parse("N: h.example 1 u p 0102030405060708090A0B0C0D0E 256 1\n");
    ASSERT_EQ(p->config->server_count, 1);
    EXPECT_EQ(p->diags->count(), 0u) << p->all_text();
    EXPECT_STREQ(p->config->servers[0].extra.c_str(), "256 1");
}

TEST(CccamCfg, OneBadLineDoesNotHideTheGoodOnes) {
    auto p = parse("C: a.example 1 u p\nC: b.example x u p\nC: c.example 3 u p\n");
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_EQ(p->config->server_count, 2);
    EXPECT_EQ(p->diags->errors(), 0u);
    EXPECT_EQ(p->diags->warnings(), 1u);
    EXPECT_EQ(p->counts.imported, 2u);
    EXPECT_EQ(p->counts.skipped, 1u);
    EXPECT_EQ(p->config->servers[1].source.line, 3u);
}

TEST(CccamCfg, TrailingGarbageIsAWarningAndTheLineCounts) {
    auto p = parse("C: a.example 1 u p yes { } extra stuff\nN: b.example 2 u p 0102030405060708090A0B0C0D0E 1 0 junk\n");
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_EQ(p->config->server_count, 2);
    const stbf::Diagnostic* w = p->on_line(1, Severity::Warning);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->column, 28);
    ASSERT_NE(p->on_line(2, Severity::Warning), nullptr);
}

TEST(CccamCfg, UnknownUpperCaseKindIsSkippedWithWarning) {
    auto p = parse("X: whatever 1 2 3\nL: 192.0.2.1 1 u p\n");
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_NE(p->on_line(1, Severity::Warning), nullptr);
    EXPECT_NE(p->on_line(2, Severity::Note), nullptr);
}

TEST(CccamCfg, SecretsNeverAppearInDiagnostics) {
    const std::string long_pass(100, 'Q');
    auto p = parse("C: h.example 1 user " + long_pass + "\n"
                   "C: h.example 0 user Zsecretpw\n"
                   "N: h.example 1 user Zsecretpw 0102030405060708090A0B0C0D0E 1 2 Zsecretpw\n"
                   "N: h.example 1 user Zsecretpw ABCDEFABCDEFAB\n");
    EXPECT_GE(p->diags->warnings(), 3u);
    std::string all = p->all_text();
    EXPECT_EQ(all.find("QQQQ"), std::string::npos);
    EXPECT_EQ(all.find("Zsecretpw"), std::string::npos);
    EXPECT_EQ(all.find("ABCDEF"), std::string::npos);
}

TEST(CccamCfg, LongFileGroupsAsExpected) {
    // 600+ lines: 3 accounts spread over 36 hosts, F: lines, comments and globals in between.
    std::string text;
    for (int i = 0; i < 36; ++i) {
        text += "# host " + std::to_string(i) + "\n";
        text += "F: friend" + std::to_string(i) + " pw 1 0 0\n";
        for (int k = 0; k < 14; ++k) text += (k % 2 ? "\t\r\n" : "   # filler\r\n");
        const std::string user = "acct" + std::to_string(i % 3);
        text += "C: host" + std::to_string(i) + ".example.org " + std::to_string(12000 + i) + " " +
                user + " pw-" + user + " yes\n";
    }
    auto p = parse(text);
    ASSERT_GT(std::count(text.begin(), text.end(), '\n'), 600);
    EXPECT_EQ(p->status, Status::Ok);
    ASSERT_EQ(p->config->server_count, 36);
    stbf::GroupConfig settings;
    ASSERT_EQ(stbf::group_by_account(p->config.get(), 0, settings, p->diags.get()), Status::Ok);
    ASSERT_EQ(p->config->group_count, 3);
    for (int g = 0; g < 3; ++g) {
        const stbf::GroupConfig& gc = p->config->groups[g];
        EXPECT_EQ(gc.server_count, 12);
        EXPECT_EQ(std::string(gc.name.c_str()), "cccam-acct" + std::to_string(g));
        for (int k = 0; k < gc.server_count; ++k)
            EXPECT_STREQ(p->config->servers[gc.servers[k]].user.c_str(), ("acct" + std::to_string(g)).c_str());
    }
}

TEST(CccamCfg, MoreServersThanTheCapacityKeepsTheFirstAndNamesTheRestByLine) {
    std::string text;
    for (int i = 0; i < STBF_DEFAULT_SERVERS + 3; ++i)
        text += "C: h" + std::to_string(i) + ".example 1 u p\n";
    auto p = parse(text);
    EXPECT_EQ(p->status, Status::CapacityExceeded);
    ASSERT_EQ(p->config->server_count, STBF_DEFAULT_SERVERS);
    EXPECT_STREQ(p->config->servers[STBF_DEFAULT_SERVERS - 1].host.c_str(),
                 ("h" + std::to_string(STBF_DEFAULT_SERVERS - 1) + ".example").c_str());
    EXPECT_EQ(p->diags->errors(), 0u);
    EXPECT_EQ(p->diags->warnings(), 3u);
    for (uint32_t line = STBF_DEFAULT_SERVERS + 1; line <= STBF_DEFAULT_SERVERS + 3; ++line) {
        const stbf::Diagnostic* d = p->on_line(line, Severity::Warning);
        ASSERT_NE(d, nullptr);
        EXPECT_NE(std::string(d->message).find("capacity.servers"), std::string::npos);
    }
}

TEST(CccamCfg, EmptyAndCommentOnlyFilesAreFine) {
    EXPECT_EQ(parse("")->status, Status::Ok);
    auto p = parse("# nothing\n\n   \t\n");
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_EQ(p->diags->count(), 0u);
}

}  // namespace
