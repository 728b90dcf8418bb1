// Reading a whole text file (text_file.h): the one size limit and the reasons it gives.
#include "text_file.h"

#include <gtest/gtest.h>

#include <string>

#include "temp_dir.h"

namespace stbf::fw {
namespace {

TEST(TextFile, ReadsTheWholeFile) {
    stbf_test::TempDir dir;
    const std::string body = std::string(20000, 'x') + "\nend\n";  // more than one read
    std::string text = "old", why;
    ASSERT_TRUE(read_text_file(dir.write("a.cfg", body), &text, &why)) << why;
    EXPECT_EQ(text, body);
}

TEST(TextFile, AMissingFileSaysWhy) {
    std::string text, why;
    EXPECT_FALSE(read_text_file("/nonexistent/a.cfg", &text, &why));
    EXPECT_EQ(why, "No such file or directory");
}

TEST(TextFile, MoreThanFourMebibytesIsRefused) {
    stbf_test::TempDir dir;
    std::string text, why;
    ASSERT_TRUE(read_text_file(dir.write("max.cfg", std::string(4u << 20, 'x')), &text, &why))
        << why;
    EXPECT_FALSE(
        read_text_file(dir.write("big.cfg", std::string((4u << 20) + 1, 'x')), &text, &why));
    EXPECT_EQ(why, "file is larger than 4 MiB");
}

}  // namespace
}  // namespace stbf::fw
