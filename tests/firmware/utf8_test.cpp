#include "utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace stbf::daemon {
namespace {

const char* problem(const std::string& s, size_t* at = nullptr) {
    return name_problem(s.data(), s.size(), at);
}

TEST(NameProblem, AcceptsAsciiAndWellFormedUtf8) {
    EXPECT_STREQ(problem("sky-de s1"), "");
    EXPECT_STREQ(problem("M\xc3\xbcnchen"), "");             // ü
    EXPECT_STREQ(problem("\xe2\x82\xac line"), "");          // €
    EXPECT_STREQ(problem("\xf0\x9f\x93\xa1"), "");           // U+1F4E1
    EXPECT_STREQ(problem(""), "");
}

TEST(NameProblem, RefusesBrokenSequencesWithTheirOffset) {
    size_t at = 99;
    EXPECT_STREQ(problem("M\xfcnchen", &at), "invalid UTF-8");  // Latin-1 ü
    EXPECT_EQ(at, 1u);
    EXPECT_STREQ(problem("ab\xc3", &at), "invalid UTF-8");      // cut at the end
    EXPECT_EQ(at, 2u);
    EXPECT_STREQ(problem("\xc0\xaf"), "invalid UTF-8");         // overlong '/'
    EXPECT_STREQ(problem("\xed\xa0\x80"), "invalid UTF-8");     // surrogate
    EXPECT_STREQ(problem("\xf4\x90\x80\x80"), "invalid UTF-8"); // above U+10FFFF
    EXPECT_STREQ(problem("\x80"), "invalid UTF-8");             // lone continuation
    EXPECT_STREQ(problem("a\tb", &at), "control character");
    EXPECT_EQ(at, 1u);
    EXPECT_STREQ(problem(std::string("a\0b", 3)), "control character");
}

}  // namespace
}  // namespace stbf::daemon
