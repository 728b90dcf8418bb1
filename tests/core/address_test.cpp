// Numeric host literals and ASCII character classes (address.h).
#include "stbf/address.h"

#include <gtest/gtest.h>

#include <string>

namespace stbf {
namespace {

bool parse(const std::string& text, stbf_addr* a, uint16_t port = 1) {
    return parse_numeric_host(text.c_str(), port, a);
}

TEST(AsciiClasses, AgreeWithTheirDefinitionOnEveryByte) {
    const std::string digits = "0123456789";
    const std::string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const std::string hex = "0123456789abcdefABCDEF";
    for (int i = 0; i < 256; ++i) {
        const char c = static_cast<char>(i);
        const bool digit = digits.find(c) != std::string::npos;
        const bool letter = letters.find(c) != std::string::npos;
        EXPECT_EQ(ascii::is_digit(c), digit) << i;
        EXPECT_EQ(ascii::is_alpha(c), letter) << i;
        EXPECT_EQ(ascii::is_alnum(c), digit || letter) << i;
        const size_t h = hex.find(c);
        const int want = h == std::string::npos ? -1
                         : h < 16               ? static_cast<int>(h)
                                                : static_cast<int>(h) - 6;
        EXPECT_EQ(ascii::hex_value(c), want) << i;
        const size_t upper = letters.find(c, 26);
        const char lowered = upper != std::string::npos ? letters[upper - 26] : c;
        EXPECT_EQ(ascii::to_lower(c), lowered) << i;
    }
}

TEST(NumericHost, ParsesIpv4) {
    stbf_addr a{};
    ASSERT_TRUE(parse("192.0.2.17", &a, 12000));
    EXPECT_EQ(a.family, 4);
    EXPECT_EQ(a.addr[0], 192);
    EXPECT_EQ(a.addr[1], 0);
    EXPECT_EQ(a.addr[2], 2);
    EXPECT_EQ(a.addr[3], 17);
    EXPECT_EQ(a.port, 12000);
    ASSERT_TRUE(parse("255.255.255.255", &a));
    EXPECT_EQ(a.addr[3], 255);
}

TEST(NumericHost, ParsesIpv6Forms) {
    stbf_addr a{};
    ASSERT_TRUE(parse("2001:db8::1", &a));
    EXPECT_EQ(a.family, 6);
    EXPECT_EQ(a.addr[0], 0x20);
    EXPECT_EQ(a.addr[1], 0x01);
    EXPECT_EQ(a.addr[2], 0x0d);
    EXPECT_EQ(a.addr[3], 0xb8);
    EXPECT_EQ(a.addr[15], 1);
    ASSERT_TRUE(parse("::1", &a));
    for (int i = 0; i < 15; ++i) EXPECT_EQ(a.addr[i], 0) << i;
    EXPECT_EQ(a.addr[15], 1);
    ASSERT_TRUE(parse("::", &a));
    EXPECT_EQ(a.addr[15], 0);
    ASSERT_TRUE(parse("::ffff:10.1.2.3", &a));
    EXPECT_EQ(a.addr[10], 0xff);
    EXPECT_EQ(a.addr[11], 0xff);
    EXPECT_EQ(a.addr[12], 10);
    EXPECT_EQ(a.addr[15], 3);
    ASSERT_TRUE(parse("1:2:3:4:5:6:7:8", &a));
    EXPECT_EQ(a.addr[14], 0);
    EXPECT_EQ(a.addr[15], 8);
    ASSERT_TRUE(parse("fe80::", &a));
    EXPECT_EQ(a.addr[0], 0xfe);
    EXPECT_EQ(a.addr[15], 0);
    ASSERT_TRUE(parse("FE80::ABCD", &a));
    EXPECT_EQ(a.addr[14], 0xab);
    EXPECT_EQ(a.addr[15], 0xcd);
}

TEST(NumericHost, RejectsNamesAndMalformedLiterals) {
    stbf_addr a{};
    a.family = 9;
    for (const char* bad :
         {"", "example.org", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4x", "0001.2.3.4", "1..2.3",
          "1::2::3", ":1", "1:", "1:2:3:4:5:6:7:8:9", "12345::1", "fe80::1%eth0", "[::1]",
          "1:2:3:4:5:6:7::8:9", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "g::1"}) {
        EXPECT_FALSE(parse(bad, &a)) << bad;
    }
    EXPECT_EQ(a.family, 9) << "a failed parse must leave the output untouched";
    EXPECT_FALSE(parse_numeric_host(nullptr, 1, &a));
    EXPECT_FALSE(parse_numeric_host(nullptr, 0, 1, &a));
}

TEST(NumericHost, ReadsExactlyTheGivenLengthOfUnterminatedText) {
    // A literal inside a larger buffer (a config line): only [begin, begin+len) counts.
    const std::string line = "10.0.0.1:12000 2001:db8::7]";
    stbf_addr a{};
    ASSERT_TRUE(parse_numeric_host(line.data(), 8, 12000, &a));
    EXPECT_EQ(a.family, 4);
    EXPECT_EQ(a.addr[3], 1);
    EXPECT_EQ(a.port, 12000);
    ASSERT_TRUE(parse_numeric_host(line.data() + 15, 11, 1, &a));
    EXPECT_EQ(a.family, 6);
    EXPECT_EQ(a.addr[15], 7);
    // One byte too many or too few is no literal any more.
    EXPECT_FALSE(parse_numeric_host(line.data(), 9, 1, &a));
    EXPECT_FALSE(parse_numeric_host(line.data() + 15, 12, 1, &a));
    EXPECT_FALSE(parse_numeric_host(line.data(), 6, 1, &a));  // "10.0.0"
    // An embedded NUL ends nothing: it is a byte that is not part of a literal.
    const std::string with_nul("::1\0::", 6);
    EXPECT_FALSE(parse_numeric_host(with_nul.data(), with_nul.size(), 1, &a));
}

TEST(NumericHost, BothEntryPointsAgree) {
    for (const char* text : {"127.0.0.1", "::ffff:127.0.0.1", "2001:db8:0:0:1::2", "1.2.3"}) {
        stbf_addr terminated{}, counted{};
        const bool a = parse_numeric_host(text, 5, &terminated);
        const bool b = parse_numeric_host(text, std::string(text).size(), 5, &counted);
        EXPECT_EQ(a, b) << text;
        if (a && b) {
            EXPECT_TRUE(same_endpoint(terminated, counted)) << text;
        }
    }
}

TEST(SameHostAndEndpoint, CompareFamilyAddressAndPort) {
    stbf_addr a{}, b{};
    ASSERT_TRUE(parse("10.0.0.1", &a, 1));
    ASSERT_TRUE(parse("10.0.0.1", &b, 2));
    EXPECT_TRUE(same_host(a, b));
    EXPECT_FALSE(same_endpoint(a, b));
    b.port = 1;
    EXPECT_TRUE(same_endpoint(a, b));
    // IPv4 compares only its four bytes: junk past them does not matter.
    b.addr[10] = 0x55;
    EXPECT_TRUE(same_endpoint(a, b));
    ASSERT_TRUE(parse("10.0.0.2", &b, 1));
    EXPECT_FALSE(same_host(a, b));
    // The same bytes in another family are another host.
    ASSERT_TRUE(parse("::", &a));
    ASSERT_TRUE(parse("0.0.0.0", &b));
    EXPECT_FALSE(same_host(a, b));
    // IPv6 compares all sixteen bytes.
    ASSERT_TRUE(parse("2001:db8::1", &a));
    ASSERT_TRUE(parse("2001:db8::2", &b));
    EXPECT_FALSE(same_host(a, b));
    ASSERT_TRUE(parse("2001:db8::1", &b));
    EXPECT_TRUE(same_host(a, b));
}

TEST(FormatHostPort, Ipv6InBracketsAndDefaultHost) {
    char buf[64];
    EXPECT_EQ(format_host_port("::1", 23101, buf, sizeof(buf)), 11u);
    EXPECT_STREQ(buf, "[::1]:23101");
    format_host_port("192.0.2.1", 65535, buf, sizeof(buf));
    EXPECT_STREQ(buf, "192.0.2.1:65535");
    format_host_port("cam.example", 0, buf, sizeof(buf));
    EXPECT_STREQ(buf, "cam.example:0");
    format_host_port("", 20000, buf, sizeof(buf));
    EXPECT_STREQ(buf, "127.0.0.1:20000");
    // Cut like snprintf: NUL-terminated, the return says how much was needed.
    char small[6];
    EXPECT_EQ(format_host_port("2001:db8::1", 80, small, sizeof(small)), 16u);
    EXPECT_STREQ(small, "[2001");
}

}  // namespace
}  // namespace stbf
