// Web status page: the HTTP rules (routes, CSRF token, password, Host check) in-process, and a
// real daemon on loopback playing a LAN box (bound to 127.0.0.2 with a password).
#include "web.h"

#include <gtest/gtest.h>

#include <string>

#include "daemon_harness.h"
#include "password_hash.h"

namespace stbf::daemon {
namespace {

struct Fake {
    int admin_calls = 0;
    AdminRequest last;
    std::string last_by;
    WebHandlers handlers{[] { return std::string("{\"version\":1}"); },
                         [this](const AdminRequest& r, const std::string& by) {
                             ++admin_calls;
                             last = r;
                             last_by = by;
                             return std::string("ok: server s1 of group sky: drain\n");
                         }};
};

std::string get(const std::string& path, const std::string& host = "127.0.0.1:8080",
                const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra;
}

std::string code(const std::string& response) { return response.substr(9, 3); }

TEST(WebHttp, PageAndStatusOnLoopbackWithoutPassword) {
    Fake f;
    WebAccess access{"", "0123456789abcdef0123456789abcdef"};
    std::string r = web_http_answer(get("/"), true, "127.0.0.1", access, f.handlers);
    EXPECT_EQ(code(r), "200");
    EXPECT_NE(r.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
    EXPECT_NE(r.find("<meta name=\"csrf-token\" content=\"0123456789abcdef0123456789abcdef\">"),
              std::string::npos);
    // Self-contained: nothing is fetched from elsewhere.
    for (const char* external : {"http://", "https://", "<link", "src=\"", "@import", "url("})
        EXPECT_EQ(r.find(external), std::string::npos) << external;
    EXPECT_NE(r.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
    r = web_http_answer(get("/api/status"), true, "127.0.0.1", access, f.handlers);
    EXPECT_EQ(code(r), "200");
    EXPECT_NE(r.find("\r\n\r\n{\"version\":1}"), std::string::npos);
    EXPECT_EQ(code(web_http_answer(get("/nope"), true, "127.0.0.1", access, f.handlers)), "404");
    EXPECT_EQ(code(web_http_answer("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n", true, "127.0.0.1",
                                   access, f.handlers)),
              "405");
    EXPECT_EQ(code(web_http_answer(get("/"), false, "127.0.0.1", access, f.handlers)), "400");
    EXPECT_EQ(code(web_http_answer("GET / HTTP/2\r\n", true, "127.0.0.1", access, f.handlers)), "400");
    // DNS rebinding: a page of evil.example that resolves to 127.0.0.1 sends its own Host.
    EXPECT_EQ(code(web_http_answer(get("/api/status", "evil.example:8080"), true, "127.0.0.1",
                                   access, f.handlers)),
              "403");
    EXPECT_EQ(code(web_http_answer(get("/", "localhost:8080"), true, "127.0.0.1", access, f.handlers)),
              "200");
}

TEST(WebHttp, PostNeedsTheCsrfToken) {
    Fake f;
    WebAccess access{"", "0123456789abcdef0123456789abcdef"};
    const std::string target = "/api/server?state=drain&group=sky%20de&server=s1";
    std::string r = web_http_answer("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n", true,
                                    "127.0.0.1", access, f.handlers);
    EXPECT_EQ(code(r), "403") << r;
    r = web_http_answer("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-CSRF-Token: 0123\r\n",
                        true, "127.0.0.1", access, f.handlers);
    EXPECT_EQ(code(r), "403");
    EXPECT_EQ(f.admin_calls, 0);
    r = web_http_answer("POST " + target +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-csrf-token: "
                            "0123456789abcdef0123456789abcdef\r\nContent-Length: 0\r\n",
                        true, "127.0.0.1", access, f.handlers);
    EXPECT_EQ(code(r), "200") << r;
    EXPECT_NE(r.find("{\"ok\":true,\"message\":\"ok: server s1 of group sky: drain\"}"),
              std::string::npos)
        << r;
    ASSERT_EQ(f.admin_calls, 1);
    EXPECT_EQ(f.last.group, "sky de");
    EXPECT_EQ(f.last.server, "s1");
    EXPECT_EQ(f.last.state, AdminState::Drain);
    EXPECT_EQ(f.last_by, "web 127.0.0.1");
    // GET cannot change anything.
    EXPECT_EQ(code(web_http_answer(get(target), true, "127.0.0.1", access, f.handlers)), "405");
    EXPECT_EQ(f.admin_calls, 1);
}

TEST(WebHttp, PasswordIsCheckedAndNeverSent) {
    Fake f;
    const std::string hash = make_password_hash("Sup3rSecretPw", 50);
    WebAccess access{hash, "0123456789abcdef0123456789abcdef"};
    std::string r = web_http_answer(get("/", "192.168.1.20:8080"), true, "192.168.1.30", access,
                                    f.handlers);
    EXPECT_EQ(code(r), "401");
    EXPECT_NE(r.find("WWW-Authenticate: Basic realm=\"stbfailover\""), std::string::npos);
    EXPECT_EQ(r.find("csrf-token"), std::string::npos) << "no token without the password";
    // "admin:wrong" and "admin:Sup3rSecretPw"
    r = web_http_answer(get("/", "192.168.1.20:8080", "Authorization: Basic YWRtaW46d3Jvbmc=\r\n"),
                        true, "192.168.1.30", access, f.handlers);
    EXPECT_EQ(code(r), "401");
    r = web_http_answer(
        get("/", "192.168.1.20:8080", "Authorization: Basic YWRtaW46U3VwM3JTZWNyZXRQdw==\r\n"), true,
        "192.168.1.30", access, f.handlers);
    EXPECT_EQ(code(r), "200");
    EXPECT_EQ(r.find(hash.substr(20)), std::string::npos) << "the hash is never sent";
    EXPECT_EQ(r.find("Sup3rSecretPw"), std::string::npos);
}

TEST(Base64, DecodesStandardAlphabet) {
    std::string out;
    ASSERT_TRUE(base64_decode("YWRtaW46cHc=", &out));
    EXPECT_EQ(out, "admin:pw");
    EXPECT_FALSE(base64_decode("YWR*", &out));
}

}  // namespace
}  // namespace stbf::daemon

namespace stbf::test {
namespace {

// As a new user would: make the hash for the config from a password on stdin.
TEST(Passwd, PrintsOnlyASaltedHashThatChecks) {
    TempDir dir;
    std::string out, err;
    EXPECT_EQ(run_stbfailover(dir, {"passwd"}, "Sup3rSecretPw\n", &out, &err), 0) << err;
    ASSERT_FALSE(out.empty()) << err;
    out.pop_back();  // the newline
    EXPECT_TRUE(daemon::valid_password_hash(out)) << out;
    EXPECT_TRUE(daemon::check_password("Sup3rSecretPw", out));
    EXPECT_EQ(out.find("Sup3rSecretPw"), std::string::npos);
    EXPECT_EQ(err.find("Sup3rSecretPw"), std::string::npos);
    std::string refused_out, refused;
    EXPECT_NE(run_stbfailover(dir, {"passwd"}, "abc\n", &refused_out, &refused), 0);
    EXPECT_NE(refused.find("at least 6 characters"), std::string::npos) << refused;
}

// As a box owner who opens the page from a phone on the LAN: the test binds 127.0.0.2 and
// treats it as the LAN address (only loopback is ever used).
TEST(WebDaemon, LanRequestsNeedThePasswordAndPostsTheToken) {
    TempDir dir;
    Upstream up;
    ASSERT_TRUE(up.start(1));
    const uint16_t web = free_port();
    std::string err;
    DaemonProcess d(dir);
    const std::string c = test_config(d.socket_path(), free_port(), {up.port()});
    const std::string hash = daemon::make_password_hash("Sup3rSecretPw", 1000);
    ASSERT_TRUE(d.start("{\"web_listen\": \"127.0.0.2:" + std::to_string(web) +
                        "\", \"web_password\": \"" + hash + "\", \"cache_dir\": \"" +
                        dir.file("cache") + "\"," + c.substr(1)))
        << d.log();
    const std::string host = "Host: 192.168.1.20:" + std::to_string(web) + "\r\n";
    std::string r = http_exchange("127.0.0.2", web, "GET / HTTP/1.1\r\n" + host + "\r\n");
    ASSERT_EQ(r.compare(0, 12, "HTTP/1.1 401"), 0) << r;
    const std::string auth = "Authorization: Basic YWRtaW46U3VwM3JTZWNyZXRQdw==\r\n";  // admin:Sup3rSecretPw
    r = http_exchange("127.0.0.2", web, "GET / HTTP/1.1\r\n" + host + auth + "\r\n");
    ASSERT_EQ(r.compare(0, 12, "HTTP/1.1 200"), 0) << r;
    const size_t at = r.find("csrf-token\" content=\"");
    ASSERT_NE(at, std::string::npos);
    const std::string token = r.substr(at + 21, 32);
    const std::string post = "POST /api/server?state=drain&group=line&server=s" +
                             std::to_string(up.port()) + " HTTP/1.1\r\n" + host + auth;
    r = http_exchange("127.0.0.2", web, post + "\r\n");
    EXPECT_EQ(r.compare(0, 12, "HTTP/1.1 403"), 0) << "a POST without the token: " << r;
    EXPECT_EQ(json_string(d.status_json(), "groups.0.servers.0.admin.state"), "enabled");
    r = http_exchange("127.0.0.2", web, post + "X-CSRF-Token: " + token + "\r\n\r\n");
    EXPECT_EQ(r.compare(0, 12, "HTTP/1.1 200"), 0) << r;
    const std::string st = d.status_json();
    EXPECT_EQ(json_string(st, "groups.0.servers.0.admin.state"), "drain") << st;
    EXPECT_EQ(json_string(st, "groups.0.servers.0.admin.set_by").compare(0, 12, "web 127.0.0."), 0)
        << st;
    for (const std::string& out : {r, st, d.log()}) {
        EXPECT_EQ(out.find("Sup3rSecretPw"), std::string::npos);
        EXPECT_EQ(out.find(hash.substr(20)), std::string::npos);
    }
    // The password is needed on the LAN: the loader refuses a LAN address without one.
    std::string out;
    d.write_config("{\"web_listen\": \"0.0.0.0:" + std::to_string(web) + "\"," + c.substr(1));
    EXPECT_EQ(d.run_cli({"check", "-c", d.config_path()}, &out, &err), 1);
    EXPECT_NE((out + err).find("web_listen on a non-loopback address needs web_password"),
              std::string::npos)
        << out << err;
}

}  // namespace
}  // namespace stbf::test
