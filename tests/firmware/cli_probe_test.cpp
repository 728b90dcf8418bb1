// `stbfailover probe`: one check per server through the runtime, as a table or JSON.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include "daemon_harness.h"

namespace stbf::test {
namespace {

TEST(CliProbe, TableShowsOkRefusedAndSilentServers) {
    TempDir dir;
    Upstream up, frozen;
    ASSERT_TRUE(up.start(1));
    ASSERT_TRUE(frozen.start(2));
    frozen.freeze();  // accepts (kernel) but never greets
    const uint16_t refused = free_port();
    DaemonProcess files(dir);  // only for its paths and run_cli
    files.write_config(
        test_config(files.socket_path(), free_port(), {up.port(), frozen.port(), refused}));
    std::string out, err;
    EXPECT_EQ(files.run_cli({"probe", "-c", files.config_path()}, &out, &err), 1) << out << err;
    auto row = [&](uint16_t port) {
        size_t at = out.find("127.0.0.1:" + std::to_string(port));
        return at == std::string::npos ? std::string() : out.substr(at, out.find('\n', at) - at);
    };
    EXPECT_NE(row(up.port()).find(" ok "), std::string::npos) << out;
    EXPECT_NE(row(up.port()).find("yes"), std::string::npos) << out;
    EXPECT_NE(row(frozen.port()).find("fail (no greeting)"), std::string::npos) << out;
    EXPECT_NE(row(refused).find("fail (refused)"), std::string::npos) << out;
    frozen.thaw();
}

TEST(CliProbe, JsonForAllUpExitsZero) {
    TempDir dir;
    Upstream a, b;
    ASSERT_TRUE(a.start(1));
    ASSERT_TRUE(b.start(2));
    DaemonProcess files(dir);
    files.write_config(test_config(files.socket_path(), free_port(), {a.port(), b.port()}));
    std::string out, err;
    ASSERT_EQ(files.run_cli({"probe", "-c", files.config_path(), "--json"}, &out, &err), 0)
        << out << err;
    EXPECT_EQ(json_number(out, "version"), 1) << out;
    EXPECT_EQ(json_string(out, "servers.1.label"), "s" + std::to_string(b.port()));
    cJSON* root = cJSON_Parse(out.c_str());
    const cJSON* s0 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "servers"), 0);
    EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(s0, "ok")));
    EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(s0, "greeting_ok")));
    EXPECT_TRUE(cJSON_IsNumber(cJSON_GetObjectItem(s0, "check_ms")));
    cJSON_Delete(root);
}

TEST(CliProbe, BadConfigAndUsageErrors) {
    TempDir dir;
    DaemonProcess files(dir);
    files.write_config("{ \"groups\": 5 }\n");
    std::string out, err;
    EXPECT_EQ(files.run_cli({"probe", "-c", files.config_path()}, &out, &err), 1);
    EXPECT_NE(err.find(files.config_path() + ":1"), std::string::npos) << err;
    EXPECT_EQ(files.run_cli({"probe"}, &out, &err), 2);
    EXPECT_NE(err.find("-c FILE is required"), std::string::npos) << err;
}

}  // namespace
}  // namespace stbf::test
