// AdminStore: admin states survive in a small JSON file, replaced atomically.
#include "admin_store.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <vector>

#include "temp_dir.h"

namespace stbf::daemon {
namespace {

TEST(AdminStore, RoundTripsThroughTheFileAndEnableRemoves) {
    stbf_test::TempDir dir;
    const std::string path = AdminStore::path_in(dir.path() + "/cache");  // folder made on save
    AdminStore store;
    std::string error;
    ASSERT_TRUE(store.load(path, &error)) << "a missing file is an empty store: " << error;
    EXPECT_TRUE(store.records().empty());
    store.set({"sky de", "s1", AdminState::Drain, "cli uid 0", 1764622800, 0});
    store.set({"sky de", "s2", AdminState::Disabled, "web 127.0.0.1", 1764622801, 30000});
    ASSERT_TRUE(store.save(&error)) << error;

    AdminStore again;
    ASSERT_TRUE(again.load(path, &error)) << error;
    ASSERT_EQ(again.records().size(), 2u);
    const AdminRecord* s2 = again.find("sky de", "s2");
    ASSERT_NE(s2, nullptr);
    EXPECT_EQ(s2->state, AdminState::Disabled);
    EXPECT_EQ(s2->set_by, "web 127.0.0.1");
    EXPECT_EQ(s2->since, 1764622801);
    EXPECT_EQ(s2->grace_ms, 30000u);
    EXPECT_EQ(again.find("sky de", "s3"), nullptr);

    again.set({"sky de", "s1", AdminState::Enabled, "cli uid 0", 1764622900, 0});
    EXPECT_EQ(again.find("sky de", "s1"), nullptr) << "enabled servers have no record";
    ASSERT_TRUE(again.save(&error)) << error;
    AdminStore third;
    ASSERT_TRUE(third.load(path, &error));
    EXPECT_EQ(third.records().size(), 1u);
}

TEST(AdminStore, AFileThatIsNotAStateFileIsRefusedAndEmpty) {
    stbf_test::TempDir dir;
    const std::string path = dir.write("admin-state.json", "{\"servers\": [{\"group\": 1}]}");
    AdminStore store;
    std::string error;
    EXPECT_FALSE(store.load(path, &error));
    EXPECT_NE(error.find("not an admin state file"), std::string::npos) << error;
    EXPECT_TRUE(store.records().empty());
}

// Found by the admin_state fuzz target: a "since" past int64_t's range was converted anyway.
TEST(AdminStore, ATimeOutOfRangeIsUnknown) {
    std::vector<AdminRecord> records;
    ASSERT_TRUE(AdminStore::from_json(
        R"({"version":1,"servers":[{"group":"sky","server":"s1","state":"drain","since":1.7e19},)"
        R"({"group":"sky","server":"s2","state":"drain","since":-5},)"
        R"({"group":"sky","server":"s3","state":"drain","since":1764622800}]})",
        &records));
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].since, 0);
    EXPECT_EQ(records[1].since, 0);
    EXPECT_EQ(records[2].since, 1764622800);
}

TEST(AdminStore, StateNamesAndTimes) {
    AdminState s = AdminState::Enabled;
    EXPECT_TRUE(parse_admin_state("drain", &s));
    EXPECT_EQ(s, AdminState::Drain);
    EXPECT_FALSE(parse_admin_state("Drain", &s));
    EXPECT_EQ(utc_time_text(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(utc_time_text(1764622800), "2025-12-01T21:00:00Z");
}

// The stamp is plain arithmetic: it must agree with the C library's gmtime_r for any second
// (leap years, century rules, before 1970) that time_t holds, and go on past it: a 32-bit
// time_t (mips32el's glibc) ends in 2038, int64_t seconds do not.
TEST(AdminStore, TimesAgreeWithGmtime) {
    EXPECT_EQ(utc_time_text(951782400), "2000-02-29T00:00:00Z");
    EXPECT_EQ(utc_time_text(-86401), "1969-12-30T23:59:59Z");
    EXPECT_EQ(utc_time_text(4107542400), "2100-03-01T00:00:00Z");
    EXPECT_EQ(utc_time_text(253402300799), "9999-12-31T23:59:59Z");
    EXPECT_EQ(utc_time_text(-62135596800), "0001-01-01T00:00:00Z");
    std::mt19937_64 random(1202);
    std::vector<int64_t> seconds = {-1, -86400, 951868799};
    for (int i = 0; i < 20000; ++i)
        seconds.push_back(static_cast<int64_t>(random() % 20000000000ull) - 5000000000);
    int compared = 0;
    for (int64_t s : seconds) {
        const time_t t = static_cast<time_t>(s);
        if (static_cast<int64_t>(t) != s) continue;  // beyond this time_t
        struct tm tm {};
        ASSERT_NE(gmtime_r(&t, &tm), nullptr);
        char want[64];
        std::snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        EXPECT_EQ(utc_time_text(s), want) << s;
        ++compared;
    }
    EXPECT_GT(compared, 3000);  // a 32-bit time_t still covers 1901..2038
}

}  // namespace
}  // namespace stbf::daemon
