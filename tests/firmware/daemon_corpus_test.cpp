// `stbfailover run` starts on every file of the realistic corpus (tests/parsers/corpus), imported
// as the default config imports a box's files: skipped entries are logged, never a refusal, and
// a reload logs each skip only once.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>
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

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Ports of the active (not commented) C: lines.
std::vector<uint16_t> c_line_ports(const std::string& text) {
    std::vector<uint16_t> ports;
    std::istringstream in(text);
    std::string kind, host;
    long port = 0;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        if (words >> kind >> host >> port && kind == "C:") ports.push_back(static_cast<uint16_t>(port));
    }
    return ports;
}

// The box owner's path end to end: `setup` rewrites a CCcam.cfg holding one account on two
// hosts, the daemon runs the JSON setup wrote, and the softcam's two lines (one per slot) are
// each served, by two different upstreams: setup's ports are the daemon's listeners.
TEST(DaemonCorpus, AfterSetupEachSlotLineIsServedByADifferentUpstream) {
    TempDir dir;
    DaemonProcess daemon(dir);
    Upstream a, b;
    ASSERT_TRUE(a.start(1));
    ASSERT_TRUE(b.start(2));
    const std::string root = dir.file("root");
    ::mkdir(root.c_str(), 0755);
    ::mkdir((root + "/etc").c_str(), 0755);
    ::mkdir((root + "/etc/stbfailover").c_str(), 0755);
    const std::string cccam = root + "/etc/CCcam.cfg";
    std::ofstream(cccam) << "C: 127.0.0.1 " << a.port() << " owner pw yes\nC: 127.0.0.1 " << b.port()
                         << " owner pw yes\n";
    bool started = false;
    for (int attempt = 0; attempt < 4 && !started; ++attempt) {
        const uint16_t base = static_cast<uint16_t>(21000 + (free_port() % 9) * 1000);
        // the config setup replaces names the control socket and port base; setup keeps them
        std::ofstream(root + "/etc/stbfailover/stbfailover.json")
            << "{ \"control_socket\": \"" << daemon.socket_path()
            << "\", \"listen_port_base\": " << base << " }\n";
        std::string out, err;
        ASSERT_EQ(daemon.run_cli({"setup", "--root", root}, &out, &err), 3) << out << err;  // no init scripts
        started = daemon.start(slurp(root + "/etc/stbfailover/stbfailover.json"));
        if (!started) {
            ASSERT_NE(daemon.log().find("address in use"), std::string::npos) << daemon.log();
            ASSERT_EQ(daemon.run_cli({"restore", "--root", root}, &out, &err), 3) << out << err;
        }
    }
    ASSERT_TRUE(started) << daemon.log();
    const std::vector<uint16_t> ports = c_line_ports(slurp(cccam));
    ASSERT_EQ(ports.size(), 2u) << slurp(cccam);
    Client slot1, slot2;
    const int first = served_by(ports[0], &slot1, 30, 100);
    ASSERT_NE(first, -1) << daemon.log();
    const int second = served_by(ports[1], &slot2, 30, 100);
    ASSERT_NE(second, -1) << daemon.log();
    EXPECT_NE(first, second) << "the two slots of one account must log in on different servers";
}

}  // namespace
}  // namespace stbf::test
