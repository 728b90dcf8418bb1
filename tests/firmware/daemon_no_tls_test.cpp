// A daemon without TLS support (this test links stbf_daemon with stbf_tls_none, as a build with
// STBF_WITH_TLS=OFF does) refuses a config that asks for TLS, and says why.
#include <gtest/gtest.h>

#include <string>

#include "daemon.h"
#include "temp_dir.h"

namespace {

std::string refusal_for(const std::string& config) {
    stbf_test::TempDir dir;
    stbf::daemon::DaemonOptions options;
    options.config_path = dir.write("stbfailover.json", config);
    options.control_socket = dir.file("control.sock");
    testing::internal::CaptureStderr();
    const int code = stbf::daemon::run_daemon(options, &stbf::daemon::load_daemon_config);
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(code, 1) << log;
    return log;
}

TEST(DaemonWithoutTls, MakesNoExtension) {
    EXPECT_FALSE(stbf::daemon::tls_built_in());
    EXPECT_EQ(stbf::daemon::make_tls_extension(stbf_port{}), nullptr);
}

TEST(DaemonWithoutTls, CheckAndRunShareTheMessage) {
    stbf::Config config;
    config.server_count = 1;
    config.servers[0].label.assign("plain");
    EXPECT_EQ(stbf::daemon::missing_tls_message(config, {}), "");
    config.servers[0].tls.enabled = true;
    EXPECT_EQ(stbf::daemon::tls_requirement(config, {}), "server plain has \"tls\"");
    EXPECT_NE(stbf::daemon::missing_tls_message(config, {}).find("built without TLS support"),
              std::string::npos);
}

TEST(DaemonWithoutTls, RefusesATlsServer) {
    const std::string log = refusal_for(R"({"groups": [{"name": "g", "listen": 1, "servers": [
        {"host": "127.0.0.1", "port": 9, "label": "secure", "tls": true}]}]})");
    EXPECT_NE(log.find("server secure has \"tls\", but this stbfailover was built without TLS "
                       "support"),
              std::string::npos)
        << log;
}

TEST(DaemonWithoutTls, RefusesASource) {
    const std::string log = refusal_for(R"({"groups": [{"name": "g", "listen": 1,
        "source": {"url": "https://lists.example/g.json"}}]})");
    EXPECT_NE(log.find("source https://lists.example/g.json is fetched over HTTPS, but this "
                       "stbfailover was built without TLS support"),
              std::string::npos)
        << log;
}

}  // namespace
