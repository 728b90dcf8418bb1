// `stbfailover simulate` run as a new user would: the real binary, on a CCcam.cfg of their own.
#include <gtest/gtest.h>

#include <string>

#include "temp_dir.h"

namespace {

// One account on three hosts, as provider lines usually come.
const char* kCccam =
    "C: s1.line.example 12000 alice Sup3rSecret\n"
    "C: s2.line.example 12000 alice Sup3rSecret\n"
    "C: s3.line.example 12000 alice Sup3rSecret\n";

stbf_test::RunResult simulate(const stbf_test::TempDir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), "simulate");
    return stbf_test::run(STBF_BINARY, args, dir);
}

TEST(CliSimulate, OwnConfigHostDiesPrintsOneRowPerHostAndNoSecret) {
    stbf_test::TempDir dir;
    const std::string cfg = dir.write("CCcam.cfg", kCccam, 0600);
    auto r = simulate(dir, {"-c", cfg, "-s", "host-dies", "--boxes", "60", "--slots", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("scenario host-dies: 60 boxes, 3 hosts, mode random, 1 slot(s)"),
              std::string::npos)
        << r.out;
    for (const char* row : {"\n0 ", "\n1 ", "\n2 "}) EXPECT_NE(r.out.find(row), std::string::npos) << row;
    EXPECT_NE(r.out.find("readers re-served after the fault"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("never: 0"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Sup3rSecret"), std::string::npos);
    EXPECT_EQ(r.out.find("alice"), std::string::npos);
}

TEST(CliSimulate, JsonAndModeOverride) {
    stbf_test::TempDir dir;
    auto r = simulate(dir, {"--hosts", "3", "--boxes", "30", "--mode", "ordered", "--minutes", "2",
                            "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.front(), '{') << r.out;
    EXPECT_NE(r.out.find("\"mode\":\"ordered\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"hosts\":3"), std::string::npos) << r.out;
}

TEST(CliSimulate, BadArgumentsAreUsageErrorsAndAMissingGroupIsAnError) {
    stbf_test::TempDir dir;
    EXPECT_EQ(simulate(dir, {"--boxes", "0"}).exit_code, 2);
    EXPECT_EQ(simulate(dir, {"-s", "tuesday"}).exit_code, 2);
    EXPECT_EQ(simulate(dir, {"--mode", "fastest"}).exit_code, 2);
    const std::string cfg = dir.write("CCcam.cfg", kCccam, 0600);
    auto r = simulate(dir, {"-c", cfg, "-g", "nosuch"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no group nosuch"), std::string::npos) << r.err;
}

}  // namespace
