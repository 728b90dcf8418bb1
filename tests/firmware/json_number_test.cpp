// Decimal text to double (json_number.h), checked against the C library's strtod: the same
// value (exactly where the header promises a correctly rounded one) and the same end.
#include "json_number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace stbf::fw {
namespace {

// Distance in units in the last place between two finite doubles of the same sign.
uint64_t ulps_apart(double a, double b) {
    int64_t ia, ib;
    std::memcpy(&ia, &a, sizeof a);
    std::memcpy(&ib, &b, sizeof b);
    return ia > ib ? static_cast<uint64_t>(ia - ib) : static_cast<uint64_t>(ib - ia);
}

void expect_like_strtod(const std::string& text, uint64_t max_ulps) {
    char* want_end = nullptr;
    char* got_end = nullptr;
    const double want = std::strtod(text.c_str(), &want_end);
    const double got = parse_decimal_double(text.c_str(), &got_end);
    EXPECT_EQ(got_end - text.c_str(), want_end - text.c_str()) << '"' << text << '"';
    if (std::isinf(want) || want == 0) {
        EXPECT_EQ(got, want) << text;
        EXPECT_EQ(std::signbit(got), std::signbit(want)) << text;
        return;
    }
    EXPECT_LE(ulps_apart(got, want), max_ulps) << text << ": " << got << " vs " << want;
}

TEST(JsonNumber, ConfigValuesComeOutExactly) {
    for (const char* text :
         {"0",      "-0",  "1",          "12000", "65535",   "-7",       "0.5",
          "2.25e3", "1e3", "1E+3",       "3.0",   "250",     "0.001",    "9007199254740992",
          "60000",  "1.5", "123456.789", "1e22",  "4.35e-3", "86400000", "0.1"}) {
        expect_like_strtod(text, 0);
    }
}

TEST(JsonNumber, TheEndIsWhereStrtodStops) {
    for (const char* text :
         {"",   "-",     "+",     ".",   "-.",  "e5",    "1e",    "1e+",   "1e-x", "5.",
          ".5", "+.5e1", "1.2.3", "--1", "1-2", "12abc", "1e5e5", "00012", "1.e2", "-0.0e-0"}) {
        expect_like_strtod(text, 0);
    }
}

TEST(JsonNumber, NothingToConvertLeavesEndAtTheStart) {
    const char* text = "-e1";
    char* end = nullptr;
    EXPECT_EQ(parse_decimal_double(text, &end), 0);
    EXPECT_EQ(end, text);
    EXPECT_EQ(parse_decimal_double("42", nullptr), 42);  // end is optional
}

// What strtod takes beyond the JSON grammar (cJSON hands over only [0-9+-.eE]) converts as far
// as the decimal syntax goes, and no further.
TEST(JsonNumber, NoWhiteSpaceHexadecimalInfinityOrNan) {
    struct Case {
        const char* text;
        double value;
        long consumed;
    };
    for (const Case& c :
         {Case{" 1", 0, 0}, Case{"0x10", 0, 1}, Case{"inf", 0, 0}, Case{"-nan", 0, 0}}) {
        char* end = nullptr;
        EXPECT_EQ(parse_decimal_double(c.text, &end), c.value) << c.text;
        EXPECT_EQ(end - c.text, c.consumed) << c.text;
    }
}

TEST(JsonNumber, OutOfRangeIsInfinityOrSignedZero) {
    for (const char* text :
         {"1e400", "-1e400", "1e-400", "-1e-400", "1e99999999999", "1e-99999999999", "0e500"}) {
        expect_like_strtod(text, 0);
    }
}

TEST(JsonNumber, ManyDigitsStayWithinAFewUlps) {
    for (const char* text : {"3.141592653589793238462643383279", "123456789012345678901234567890",
                             "0.000000000000000000000000000001234", "1.7976931348623157e308",
                             "2.2250738585072014e-308", "4.9406564584124654e-324",
                             "98765432109876543210e-5", "1.00000000000000000001"}) {
        expect_like_strtod(text, 4);
    }
}

// Values as cJSON prints them ("%1.15g", "%1.17g") and as configs write them, drawn at random:
// the 15-digit forms of integers and short decimals are exact, everything else close.
TEST(JsonNumber, RandomValuesMatchStrtod) {
    std::mt19937_64 random(20261202);
    char text[64];
    for (int i = 0; i < 20000; ++i) {
        const int64_t integer = static_cast<int64_t>(random() >> 11) - (int64_t{1} << 52);
        std::snprintf(text, sizeof text, "%lld", static_cast<long long>(integer));
        expect_like_strtod(text, 0);
        std::snprintf(text, sizeof text, "%1.6g", static_cast<double>(random() % 100000000) / 1000);
        expect_like_strtod(text, 0);
        double wide;
        const uint64_t bits = random();
        std::memcpy(&wide, &bits, sizeof wide);
        if (!std::isfinite(wide)) continue;
        std::snprintf(text, sizeof text, "%1.17g", wide);
        expect_like_strtod(text, 8);
        std::snprintf(text, sizeof text, "%1.15g", wide);
        expect_like_strtod(text, 8);
    }
}

}  // namespace
}  // namespace stbf::fw
