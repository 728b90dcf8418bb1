#include "stbf/config_text.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    stbf::LineReader r(text.data(), text.size());
    stbf::TextLine l;
    std::vector<std::string> out;
    while (r.next(&l)) out.emplace_back(l.text, l.len);
    return out;
}

const char* host_error(const std::string& s, bool optional = false, std::string* host = nullptr) {
    const char* h = nullptr;
    size_t n = 0;
    const char* err = stbf::check_host(s.data(), s.size(), optional, &h, &n);
    if (err == nullptr && host != nullptr) host->assign(h, n);
    return err;
}

TEST(LineReader, SplitsLfCrlfAndKeepsLastLineWithoutNewline) {
    EXPECT_EQ(lines_of("a\nb\r\nc"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(lines_of("a\n\n"), (std::vector<std::string>{"a", ""}));
    EXPECT_TRUE(lines_of("").empty());
}

TEST(LineReader, SkipsByteOrderMarkAndCountsLines) {
    std::string text = "\xef\xbb\xbfone\ntwo";
    stbf::LineReader r(text.data(), text.size());
    stbf::TextLine l;
    ASSERT_TRUE(r.next(&l));
    EXPECT_EQ(std::string(l.text, l.len), "one");
    EXPECT_EQ(l.number, 1u);
    ASSERT_TRUE(r.next(&l));
    EXPECT_EQ(l.number, 2u);
    EXPECT_EQ(l.offset, 7u);
}

TEST(Tokens, SplitOnSpacesAndTabs) {
    std::string s = " \tC:\t host  1 ";
    size_t pos = 0;
    stbf::Token t;
    std::vector<std::string> words;
    while (stbf::next_token(s.data(), s.size(), &pos, &t)) words.push_back(s.substr(t.begin, t.size()));
    EXPECT_EQ(words, (std::vector<std::string>{"C:", "host", "1"}));
}

TEST(Numbers, PortRangeIsOneTo65535) {
    uint16_t port = 0;
    EXPECT_EQ(stbf::parse_port("1", 1, &port), nullptr);
    EXPECT_EQ(port, 1);
    EXPECT_EQ(stbf::parse_port("65535", 5, &port), nullptr);
    EXPECT_EQ(port, 65535);
    EXPECT_NE(stbf::parse_port("0", 1, &port), nullptr);
    EXPECT_NE(stbf::parse_port("65536", 5, &port), nullptr);
    EXPECT_NE(stbf::parse_port("99999999999999999999", 20, &port), nullptr);
    EXPECT_NE(stbf::parse_port("-1", 2, &port), nullptr);
    EXPECT_NE(stbf::parse_port("", 0, &port), nullptr);
}

TEST(Numbers, HexBytesNeedExactlyTwoDigitsEach) {
    uint8_t b[2] = {};
    EXPECT_EQ(stbf::parse_hex_bytes("0aFf", 4, b, 2), nullptr);
    EXPECT_EQ(b[0], 0x0a);
    EXPECT_EQ(b[1], 0xff);
    EXPECT_NE(stbf::parse_hex_bytes("0aF", 3, b, 2), nullptr);
    EXPECT_NE(stbf::parse_hex_bytes("0g00", 4, b, 2), nullptr);
}

TEST(Hosts, AcceptNamesIpv4AndBracketedIpv6) {
    std::string h;
    EXPECT_EQ(host_error("my-box.dyndns.org", false, &h), nullptr);
    EXPECT_EQ(h, "my-box.dyndns.org");
    EXPECT_EQ(host_error("192.0.2.10", false, &h), nullptr);
    EXPECT_EQ(host_error("[2001:db8::1]", false, &h), nullptr);
    EXPECT_EQ(h, "2001:db8::1");
    EXPECT_EQ(host_error("[::ffff:192.0.2.1]", false, &h), nullptr);
    EXPECT_EQ(host_error("2001:db8::1", true, &h), nullptr);
    EXPECT_EQ(h, "2001:db8::1");
}

TEST(Hosts, RejectMalformedOnes) {
    EXPECT_NE(host_error(""), nullptr);
    EXPECT_NE(host_error("2001:db8::1"), nullptr);  // brackets required in text formats
    EXPECT_NE(host_error("[2001:db8::1"), nullptr);
    EXPECT_NE(host_error("[xyz]"), nullptr);
    EXPECT_NE(host_error("[1:2:3:4:5:6:7:8:9]"), nullptr);
    EXPECT_NE(host_error("[2001:db8:::1]"), nullptr);
    EXPECT_NE(host_error("[2001:db8::1::2]"), nullptr);
    EXPECT_NE(host_error("192.0.2"), nullptr);
    EXPECT_NE(host_error("192.0.2.256"), nullptr);
    EXPECT_NE(host_error("bad..name"), nullptr);
    EXPECT_NE(host_error("-bad.example"), nullptr);
    EXPECT_NE(host_error("bad-.example"), nullptr);
    EXPECT_NE(host_error("sp ace.example"), nullptr);
    EXPECT_NE(host_error(std::string(64, 'a') + ".example"), nullptr);
    EXPECT_NE(host_error(std::string(254, 'a')), nullptr);
}

TEST(Labels, DefaultLabelIsHostColonPortWithBracketsForIpv6) {
    stbf::ServerConfig s;
    s.host.assign("2001:db8::2");
    s.port = 12000;
    stbf::set_default_label(&s);
    EXPECT_STREQ(s.label.c_str(), "[2001:db8::2]:12000");
    s.host.assign("cs.example.net");
    s.port = 7;
    stbf::set_default_label(&s);
    EXPECT_STREQ(s.label.c_str(), "cs.example.net:7");
}

TEST(Text, CompareIgnoresAsciiCase) {
    EXPECT_TRUE(stbf::equals_nocase("ReAdEr", 6, "reader"));
    EXPECT_FALSE(stbf::equals_nocase("reade", 5, "reader"));
    EXPECT_FALSE(stbf::equals_nocase("readers", 7, "reader"));
}

}  // namespace
