#include "stbf/diagnostics.h"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(Diagnostics, KeepsPlaceMessageAndDetail) {
    stbf::Diagnostics d;
    d.add(stbf::Severity::Error, stbf::SourceRef{1, 7}, 3, "bad thing", "key", 3);
    ASSERT_EQ(d.count(), 1u);
    EXPECT_EQ(d.errors(), 1u);
    EXPECT_EQ(d.at(0).where.file, 1);
    EXPECT_EQ(d.at(0).where.line, 7u);
    EXPECT_EQ(d.at(0).column, 3);
    EXPECT_STREQ(d.at(0).message, "bad thing");
    EXPECT_STREQ(d.at(0).detail.c_str(), "key");
    EXPECT_STREQ(stbf::severity_name(d.at(0).severity), "error");
}

TEST(Diagnostics, CutsLongDetailAtNulAndCapacity) {
    stbf::Diagnostics d;
    std::string long_detail(500, 'x');
    d.add(stbf::Severity::Note, {}, 0, "m", long_detail.data(), long_detail.size());
    EXPECT_EQ(d.at(0).detail.size(), static_cast<size_t>(STBF_DIAG_DETAIL_MAX));
    d.add(stbf::Severity::Note, {}, 0, "m", "ab\0cd", 5);
    EXPECT_STREQ(d.at(1).detail.c_str(), "ab");
}

TEST(Diagnostics, ErrorsAreNeverCrowdedOutByNotes) {
    stbf::Diagnostics d;
    for (int i = 0; i < STBF_MAX_DIAGNOSTICS + 10; ++i)
        d.add(stbf::Severity::Note, stbf::SourceRef{0, static_cast<uint32_t>(i + 1)}, 1, "note");
    d.add(stbf::Severity::Error, stbf::SourceRef{0, 9999}, 1, "the error");
    EXPECT_EQ(d.count(), static_cast<size_t>(STBF_MAX_DIAGNOSTICS));
    EXPECT_EQ(d.errors(), 1u);
    EXPECT_EQ(d.notes(), static_cast<size_t>(STBF_MAX_DIAGNOSTICS + 10));
    EXPECT_EQ(d.dropped(), 11u);
    bool found = false;
    for (size_t i = 0; i < d.count(); ++i)
        if (d.at(i).where.line == 9999) found = true;
    EXPECT_TRUE(found);
    d.clear();
    EXPECT_EQ(d.count(), 0u);
    EXPECT_EQ(d.errors(), 0u);
}

}  // namespace
