// `stbfailover status`: client-side behaviour (the daemon side is in daemon_test).
#include <gtest/gtest.h>

#include "daemon_harness.h"

namespace stbf::test {
namespace {

TEST(CliStatus, NoDaemonIsAClearErrorWithExitOne) {
    TempDir dir;
    DaemonProcess files(dir);
    std::string out, err;
    EXPECT_EQ(files.run_cli({"status", "--socket", dir.file("absent.sock")}, &out, &err), 1);
    EXPECT_NE(err.find("cannot reach the daemon at " + dir.file("absent.sock")), std::string::npos)
        << err;
    EXPECT_TRUE(out.empty()) << out;
}

TEST(CliStatus, SocketIsTakenFromTheConfig) {
    TempDir dir;
    DaemonProcess files(dir);
    files.write_config(test_config(dir.file("from-config.sock"), free_port(), {free_port()}));
    std::string out, err;
    EXPECT_EQ(files.run_cli({"status", "-c", files.config_path(), "--json"}, &out, &err), 1);
    EXPECT_NE(err.find(dir.file("from-config.sock")), std::string::npos) << err;
}

TEST(CliStatus, UsageErrorsExitTwo) {
    TempDir dir;
    DaemonProcess files(dir);
    std::string out, err;
    EXPECT_EQ(files.run_cli({"status", "-c", "a.json", "--socket", "b.sock"}, &out, &err), 2);
    EXPECT_EQ(files.run_cli({"status", "--bogus"}, &out, &err), 2);
    EXPECT_NE(err.find("usage: stbfailover status"), std::string::npos) << err;
}

}  // namespace
}  // namespace stbf::test
