// `stbfailover run` starts on every file of the realistic corpus (tests/parsers/corpus), imported
// as the default config imports a box's files: skipped entries are logged, never a refusal, and
// a reload logs each skip only once.
#include <gtest/gtest.h>

#include <string>

#include "daemon_harness.h"

namespace stbf::test {
namespace {

size_t count_of(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

void runs_on(const char* name, bool has_skips) {
    SCOPED_TRACE(name);
    TempDir dir;
    DaemonProcess daemon(dir);
    // The derived ports spread over 1000 from the base; another test on this machine may hold
    // one of them, so a start refused for "address in use" is tried again on another base.
    bool started = false;
    for (int attempt = 0; attempt < 4 && !started; ++attempt) {
        const uint16_t base = static_cast<uint16_t>(21000 + (free_port() % 9) * 1000);
        const std::string config = std::string("{ \"control_socket\": \"") + daemon.socket_path() +
                                   "\", \"listen_port_base\": " + std::to_string(base) +
                                   ", \"import\": [ { \"file\": \"" + STBF_CORPUS_DIR + "/" +
                                   name + "\" } ] }\n";
        started = daemon.start(config);
        if (!started && daemon.log().find("address in use") == std::string::npos) break;
    }
    ASSERT_TRUE(started) << daemon.log();
    const std::string json = daemon.status_json();
    EXPECT_FALSE(json.empty());
    const std::string log = daemon.log();
    if (has_skips) {
        EXPECT_NE(log.find("skipped"), std::string::npos) << log;
    }
    std::string out, err;
    EXPECT_EQ(daemon.run_cli({"status", "--reload", "--socket", daemon.socket_path()}, &out, &err), 0)
        << out << err;
    // the reload applied, and logged no skip a second time
    const std::string after = daemon.log();
    EXPECT_NE(after.find("reloaded"), std::string::npos) << after;
    EXPECT_EQ(count_of(after, "skipped"), count_of(log, "skipped")) << after;
}

TEST(DaemonCorpus, RunStartsOnEveryRealisticFile) {
    runs_on("package-default.oscam.server", false);
    runs_on("owner-mixed.oscam.server", true);
    runs_on("freelines.CCcam.cfg", true);
    runs_on("crlf-small.CCcam.cfg", true);
}

}  // namespace
}  // namespace stbf::test
