// The option reader every `stbfailover <command>` uses: values, flags, --help, unknown
// arguments, missing values.
#include "cli_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stbf::cli {
namespace {

// What the usage callback was asked to print, and where.
std::vector<std::FILE*> g_usage_calls;
void record_usage(std::FILE* to) { g_usage_calls.push_back(to); }

// argv for a command: argv[0] is the command name.
struct Args {
    explicit Args(std::vector<std::string> words) : storage(std::move(words)) {
        for (std::string& w : storage) pointers.push_back(w.data());
    }
    int argc() const { return static_cast<int>(pointers.size()); }
    char** argv() { return pointers.data(); }
    std::vector<std::string> storage;
    std::vector<char*> pointers;
};

class OptionReaderTest : public ::testing::Test {
protected:
    void SetUp() override { g_usage_calls.clear(); }
};

TEST_F(OptionReaderTest, ReadsValuesAndFlagsInAnyOrder) {
    Args a({"check", "-v", "--config", "/tmp/x.json", "--json", "-c", "/tmp/y.json"});
    OptionReader args("check", a.argc(), a.argv(), record_usage);
    const char* config = nullptr;
    int verbose = 0, json = 0, configs = 0;
    while (args.next()) {
        if (args.value("-c", "--config", &config)) {
            ++configs;
        } else if (args.flag("-v", "--verbose")) {
            ++verbose;
        } else if (args.flag(nullptr, "--json")) {
            ++json;
        } else {
            FAIL() << "unmatched " << args.current();
        }
    }
    EXPECT_EQ(configs, 2);
    EXPECT_STREQ(config, "/tmp/y.json");  // the last one wins
    EXPECT_EQ(verbose, 1);
    EXPECT_EQ(json, 1);
    EXPECT_TRUE(g_usage_calls.empty());
}

TEST_F(OptionReaderTest, NoArgumentsMeansNothingToRead) {
    Args a({"demo"});
    OptionReader args("demo", a.argc(), a.argv(), record_usage);
    EXPECT_FALSE(args.next());
    EXPECT_FALSE(args.next()) << "stays at the end";
}

TEST_F(OptionReaderTest, HelpPrintsUsageToStdoutAndExitsZero) {
    for (const char* help : {"-h", "--help"}) {
        g_usage_calls.clear();
        Args a({"probe", help});
        OptionReader args("probe", a.argc(), a.argv(), record_usage);
        ASSERT_TRUE(args.next());
        EXPECT_FALSE(args.flag(nullptr, "--json"));
        testing::internal::CaptureStderr();
        EXPECT_EQ(args.unmatched(), 0) << help;
        EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
        ASSERT_EQ(g_usage_calls.size(), 1u);
        EXPECT_EQ(g_usage_calls[0], stdout);
    }
}

TEST_F(OptionReaderTest, UnknownArgumentIsAUsageErrorNamingCommandAndArgument) {
    Args a({"status", "--jsn"});
    OptionReader args("status", a.argc(), a.argv(), record_usage);
    ASSERT_TRUE(args.next());
    EXPECT_FALSE(args.flag(nullptr, "--json"));
    testing::internal::CaptureStderr();
    EXPECT_EQ(args.unmatched(), 2);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "stbfailover status: unexpected argument '--jsn'\n");
    ASSERT_EQ(g_usage_calls.size(), 1u);
    EXPECT_EQ(g_usage_calls[0], stderr);
}

TEST_F(OptionReaderTest, OptionWithoutItsValueIsNotConsumedAndEndsUnmatched) {
    Args a({"run", "--pidfile"});
    OptionReader args("run", a.argc(), a.argv(), record_usage);
    const char* pidfile = "unchanged";
    ASSERT_TRUE(args.next());
    EXPECT_FALSE(args.value(nullptr, "--pidfile", &pidfile));
    EXPECT_STREQ(pidfile, "unchanged");
    testing::internal::CaptureStderr();
    EXPECT_EQ(args.unmatched(), 2);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "stbfailover run: unexpected argument '--pidfile'\n");
    EXPECT_FALSE(args.next());
}

TEST_F(OptionReaderTest, AValueMayLookLikeAnOption) {
    // `-c --json` names a file called "--json": the value is taken as it is.
    Args a({"probe", "-c", "--json"});
    OptionReader args("probe", a.argc(), a.argv(), record_usage);
    const char* config = nullptr;
    ASSERT_TRUE(args.next());
    ASSERT_TRUE(args.value("-c", "--config", &config));
    EXPECT_STREQ(config, "--json");
    EXPECT_FALSE(args.next());
}

TEST_F(OptionReaderTest, UsageErrorPrintsTheMessageAndTheUsage) {
    Args a({"probe"});
    OptionReader args("probe", a.argc(), a.argv(), record_usage);
    testing::internal::CaptureStderr();
    EXPECT_EQ(args.usage_error("-c FILE is required"), 2);
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "stbfailover probe: -c FILE is required\n");
    ASSERT_EQ(g_usage_calls.size(), 1u);
    EXPECT_EQ(g_usage_calls[0], stderr);
}

}  // namespace
}  // namespace stbf::cli
