// The real `stbfailover run` with TLS upstreams and a provider server list over HTTPS, on
// loopback only: TLS stand-ins are tls_test_server.py processes with a test PKI made at test
// time (tls_test_env.h); plain CCcam stand-ins and the daemon process come from the daemon
// harness (daemon_harness.h). Every wait is bounded.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "daemon_harness.h"
#include "tls_test_env.h"

namespace stbf::tls::test {
namespace {

using stbf::test::Client;
using stbf::test::DaemonProcess;
using stbf::test::TempDir;
using stbf::test::Upstream;
using stbf::test::free_port;
using stbf::test::json_number;
using stbf::test::json_string;
using stbf::test::served_by;

// Polls the daemon's status JSON until `ok(json)` holds; at most 15 s.
bool wait_status(DaemonProcess& d, const std::function<bool(const std::string&)>& ok,
                 std::string* last) {
    for (int i = 0; i < 150; ++i) {
        *last = d.status_json();
        if (!last->empty() && ok(*last)) return true;
        usleep(100 * 1000);
    }
    return false;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Group "line" on `listen` with checks fast enough for tests, then `body` (servers / source).
std::string config(const DaemonProcess& d, uint16_t listen, const std::string& body,
                   const std::string& top = "") {
    return "{\"control_socket\": \"" + d.socket_path() + "\", \"seed\": 7, " + top +
           "\"groups\": [{\"name\": \"line\", \"listen\": \"127.0.0.1:" + std::to_string(listen) +
           "\", \"check\": {\"inter\": \"60s\", \"fastinter\": \"200ms\", \"downinter\": "
           "\"200ms\", \"downinter_max\": \"500ms\", \"timeout\": \"1500ms\", \"rise\": 1, "
           "\"fall\": 1}, \"session\": {\"connect_timeout_ms\": 1500, \"hang_timeout_ms\": "
           "1000}, " +
           body + "}]}\n";
}

std::string tls_server(uint16_t port, const std::string& tls) {
    return "\"servers\": [{\"host\": \"127.0.0.1\", \"port\": " + std::to_string(port) +
           ", \"protocol\": \"cccam\", \"label\": \"tls1\", \"tls\": " + tls + "}]";
}

std::string ca_tls() {
    return "{\"sni\": \"" + std::string(kServerName) + "\", \"ca_file\": \"" +
           TestPki::get().path("ca.pem") + "\"}";
}

// TLS options pinning the key in PKI file `pin_file`.
std::string pin_tls(const std::string& pin_file) {
    return "{\"sni\": \"" + std::string(kServerName) + "\", \"pin_sha256\": \"" +
           TestPki::get().read(pin_file) + "\"}";
}

std::string list_of(const std::vector<const Upstream*>& ups) {
    std::string out = "[";
    for (const Upstream* u : ups)
        out += std::string(out.size() > 1 ? "," : "") + "{\"host\": \"127.0.0.1\", \"port\": " +
               std::to_string(u->port()) + ", \"protocol\": \"cccam\", \"label\": \"u" +
               std::to_string(u->id()) + "\"}";
    return out + "]";
}

// A TLS stand-in upstream (tls_test_server.py in `mode`) and the daemon relaying group "line"
// to it with `tls` options.
class TlsLine : public ::testing::Test {
protected:
    void start(const std::string& mode, const std::string& tls) {
        std::string error;
        ASSERT_TRUE(upstream.start(mode, "good", "/", &error)) << error;
        ASSERT_TRUE(d.start(config(d, listen, tls_server(upstream.port(), tls)))) << d.log();
    }

    TestServer upstream;
    TempDir dir;
    DaemonProcess d{dir};
    const uint16_t listen = free_port();
};

TEST_F(TlsLine, RelaysACccamLineThroughTls) {
    start("cccam", ca_tls());
    Client client;
    ASSERT_GE(served_by(listen, &client, 30, 100), 0) << d.log();
    EXPECT_TRUE(client.echo("through tls")) << d.log();
    std::string status;
    ASSERT_TRUE(wait_status(d, [](const std::string& j) {
        return json_number(j, "groups.0.live_sessions") == 1;
    }, &status)) << status;
    EXPECT_TRUE(contains(status, "\"tls\":true")) << status;
    EXPECT_EQ(json_string(status, "groups.0.servers.0.tls_failure"), "") << status;
    // `probe` checks the line through TLS too (the greeting comes only after the handshake).
    std::string out, err;
    EXPECT_EQ(d.run_cli({"probe", "-c", d.config_path()}, &out, &err), 0) << out << err;
}

TEST_F(TlsLine, HungTlsUpstreamIsCut) {
    start("cccam-mute", ca_tls());
    Client client;
    ASSERT_GE(served_by(listen, &client, 30, 100), 0) << d.log();
    EXPECT_FALSE(client.echo("anyone there?", 500));
    // hang_timeout_ms is 1000: unanswered bytes through TLS get the session cut.
    EXPECT_TRUE(client.closed_within(5000)) << d.log();
}

TEST_F(TlsLine, WrongPinIsRefusedWithItsReasonInStatus) {
    start("cccam", pin_tls("other.pin.b64"));
    Client client;
    EXPECT_EQ(served_by(listen, &client, 3, 100), -1) << "a wrong pin must never be relayed";
    std::string status;
    EXPECT_TRUE(wait_status(d, [](const std::string& j) {
        return contains(json_string(j, "groups.0.servers.0.tls_failure"), "pin mismatch");
    }, &status)) << status << "\n" << d.log();
    std::string out, err;
    d.run_cli({"status", "--socket", d.socket_path()}, &out, &err);
    EXPECT_TRUE(contains(out, "tls: pin mismatch")) << out << err;
    EXPECT_EQ(d.run_cli({"probe", "-c", d.config_path()}, &out, &err), 1) << out << err;
}

TEST(DaemonTls, CheckShowsTlsAndSources) {
    TempDir dir;
    DaemonProcess d(dir);
    const std::string pin = TestPki::get().read("good.pin.hex");
    d.write_config(config(d, free_port(), tls_server(4443, pin_tls("good.pin.hex")),
                          "\"source\": {\"url\": \"https://lists.example/box.txt\", \"format\": "
                          "\"cccam\", \"pin_sha256\": \"" + pin + "\"}, "));
    std::string out, err;
    ASSERT_EQ(d.run_cli({"check", "-c", d.config_path()}, &out, &err), 0) << out << err;
    EXPECT_TRUE(contains(out, "tls (sni stbf-test.local, pin " + pin.substr(0, 8) + "..)")) << out;
    EXPECT_FALSE(contains(out, pin)) << "the whole pin is not printed: " << out;
    EXPECT_TRUE(contains(out, "https://lists.example/box.txt -> own groups")) << out;
    EXPECT_TRUE(contains(out, "cccam, every 21600 s")) << out;
}

TEST(DaemonTls, ProviderListIsAppliedKeptOnFailureAndCached) {
    Upstream a, b;
    ASSERT_TRUE(a.start(1));
    ASSERT_TRUE(b.start(2));
    const std::string docroot = make_temp_dir("daemon-list");
    write_file(docroot + "/list.json", list_of({&a}));
    auto https = std::make_unique<TestServer>();
    std::string error;
    ASSERT_TRUE(https->start("http", "good", docroot, &error)) << error;

    TempDir dir;
    const uint16_t listen = free_port();
    const std::string source =
        "\"source\": {\"url\": \"https://127.0.0.1:" + std::to_string(https->port()) +
        "/files/list.json\", \"ca_file\": \"" + TestPki::get().path("ca.pem") +
        "\", \"sni\": \"" + kServerName + "\", \"format\": \"json\", \"refresh_s\": 3600}";
    const std::string cache = "\"cache_dir\": \"" + dir.file("cache") + "\", ";
    auto d = std::make_unique<DaemonProcess>(dir);
    const std::string cfg = config(*d, listen, source, cache);
    ASSERT_TRUE(d->start(cfg)) << d->log();
    std::string status;
    ASSERT_TRUE(wait_status(*d, [&](const std::string& j) {
        return json_number(j, "groups.0.servers.0.port") == a.port() &&
               json_number(j, "sources.0.servers") == 1;
    }, &status)) << status << "\n" << d->log();
    EXPECT_TRUE(contains(status, "\"ok\":true")) << status;

    Client live;
    ASSERT_EQ(served_by(listen, &live, 30, 100), 1) << d->log();
    ASSERT_TRUE(live.echo("before"));

    // A good new list: applied like a reload, the live session stays.
    write_file(docroot + "/list.json", list_of({&a, &b}));
    d->process().signal(SIGHUP);
    ASSERT_TRUE(wait_status(*d, [&](const std::string& j) {
        return json_number(j, "groups.0.servers.1.port") == b.port();
    }, &status)) << status << "\n" << d->log();
    EXPECT_TRUE(live.echo("after a new list"));

    // A bad list: refused with its reason, the last good one stays.
    write_file(docroot + "/list.json", "[{\"host\": \"127.0.0.1\", \"prot\": 1}]");
    d->process().signal(SIGHUP);
    ASSERT_TRUE(wait_status(*d, [](const std::string& j) {
        return contains(json_string(j, "sources.0.reason"), "bad body");
    }, &status)) << status << "\n" << d->log();
    EXPECT_TRUE(contains(json_string(status, "sources.0.reason"), "unknown key")) << status;
    EXPECT_EQ(json_number(status, "groups.0.servers.1.port"), b.port()) << status;
    EXPECT_TRUE(contains(status, "\"ok\":false")) << status;
    std::string text, err;
    d->run_cli({"status", "--socket", d->socket_path()}, &text, &err);
    EXPECT_TRUE(contains(text, "/files/list.json -> group line: FAILING, 2 server(s), last "
                               "success ")) << text;
    // Line and column are those of the list as served.
    EXPECT_TRUE(contains(text, "reason: bad body: https://127.0.0.1:" +
                                   std::to_string(https->port()) +
                                   "/files/list.json:1:24: error: unknown key: servers[0].prot"))
        << text;
    EXPECT_TRUE(live.echo("after a bad list"));

    // The list server gone: the last good list stays.
    https.reset();
    d->process().signal(SIGHUP);
    ASSERT_TRUE(wait_status(*d, [](const std::string& j) {
        return contains(json_string(j, "sources.0.reason"), "tcp");
    }, &status)) << status << "\n" << d->log();
    EXPECT_EQ(json_number(status, "groups.0.servers.1.port"), b.port()) << status;
    EXPECT_GE(json_number(status, "sources.0.last_success_ago_s"), 0) << status;
    EXPECT_TRUE(live.echo("after the list server went away"));
    live.close();

    // Restart without the list server: the cached last good list serves at once.
    d->process().signal(SIGTERM);
    int code = -2;
    ASSERT_TRUE(d->process().wait_exit(10000, &code));
    EXPECT_EQ(code, 0);
    d = std::make_unique<DaemonProcess>(dir);
    ASSERT_TRUE(d->start(cfg)) << d->log();
    status = d->status_json();
    EXPECT_EQ(json_number(status, "groups.0.servers.0.port"), a.port()) << status;
    EXPECT_EQ(json_number(status, "groups.0.servers.1.port"), b.port()) << status;
    Client again;
    EXPECT_EQ(served_by(listen, &again, 30, 100), 1) << d->log();
    EXPECT_TRUE(contains(d->log(), "using the cached copy (2 servers)")) << d->log();
}

TEST(DaemonTls, TopLevelCccamListFormsAGroupPerAccount) {
    Upstream plain, listed;
    ASSERT_TRUE(plain.start(1));
    ASSERT_TRUE(listed.start(2));
    const std::string docroot = make_temp_dir("daemon-cccam-list");
    write_file(docroot + "/list.json",
               "# provider list\nC: 127.0.0.1 " + std::to_string(listed.port()) +
                   " bob Sup3rSecretPw\n");
    TestServer https;
    std::string error;
    ASSERT_TRUE(https.start("http", "good", docroot, &error)) << error;

    TempDir dir;
    DaemonProcess d(dir);
    const std::string top =
        "\"cache_dir\": \"" + dir.file("cache") + "\", \"source\": {\"url\": \"https://127.0.0.1:" +
        std::to_string(https.port()) + "/close/list.json\", \"pin_sha256\": \"" +
        TestPki::get().read("good.pin.b64") + "\", \"sni\": \"" + kServerName +
        "\", \"format\": \"cccam\"}, ";
    const std::string own = "\"servers\": [{\"host\": \"127.0.0.1\", \"port\": " +
                            std::to_string(plain.port()) + ", \"protocol\": \"cccam\"}]";
    ASSERT_TRUE(d.start(config(d, free_port(), own, top))) << d.log();
    std::string status;
    ASSERT_TRUE(wait_status(d, [&](const std::string& j) {
        return json_string(j, "groups.1.name") == "cccam-bob" &&
               json_number(j, "groups.1.servers.0.port") == listed.port();
    }, &status)) << status << "\n" << d.log();
    EXPECT_TRUE(json_string(status, "sources.0.group").empty()) << status;
    const std::string listen = json_string(status, "groups.1.listen");
    ASSERT_EQ(listen.rfind("127.0.0.1:", 0), 0u) << status;
    Client client;
    EXPECT_EQ(served_by(static_cast<uint16_t>(std::stoi(listen.substr(10))), &client, 30, 100), 2)
        << d.log();
    for (const std::string& out : {status, d.log()})
        EXPECT_EQ(out.find("Sup3rSecretPw"), std::string::npos) << out;
}

}  // namespace
}  // namespace stbf::tls::test
