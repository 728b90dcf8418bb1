// The web status page in a real browser: headless Chromium (Debian `chromium`), driven through
// chromedriver (Debian `chromium-driver`) over the WebDriver protocol, against a real daemon on
// loopback. It reads the DOM (groups, servers, states), clicks "Drain" and sees the daemon
// change, and saves screenshots at 1280x720 (a TV browser) and 390x844 (a phone) into
// STBF_SCREENSHOT_DIR for a person to look at. Skipped, saying why, when Chromium is missing.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "daemon_harness.h"
#include "web.h"

namespace stbf::test {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kDriver = "/usr/bin/chromedriver";

using Json = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

// A WebDriver session on a chromedriver child process. Every call is bounded in time.
class Browser {
  public:
    bool start(const std::string& profile_dir, std::string* why) {
        port_ = free_port();
        if (!driver_.start({kDriver, "--port=" + std::to_string(port_), "--allowed-ips=127.0.0.1"},
                           profile_dir + ".driver.log")) {
            *why = "chromedriver did not start";
            return false;
        }
        for (int i = 0; i < 100 && call("GET", "/status", "").find("\"ready\":true") == std::string::npos; ++i)
            ::usleep(100 * 1000);
        // The flags a box-independent, offline, throwaway browser needs (see the issue).
        const std::string caps =
            "{\"capabilities\":{\"alwaysMatch\":{\"goog:chromeOptions\":{\"binary\":\"" +
            std::string(kChromium) +
            "\",\"args\":[\"--headless\",\"--no-sandbox\",\"--disable-gpu\",\"--disable-quic\","
            "\"--no-first-run\",\"--disable-background-networking\",\"--disable-component-update\","
            "\"--disable-sync\",\"--user-data-dir=" +
            profile_dir + "\"]}}}}";
        const std::string answer = call("POST", "/session", caps, 60000);
        Json j(cJSON_Parse(answer.c_str()), &cJSON_Delete);
        const cJSON* value = j ? cJSON_GetObjectItem(j.get(), "value") : nullptr;
        const cJSON* id = value ? cJSON_GetObjectItem(value, "sessionId") : nullptr;
        if (!cJSON_IsString(id)) {
            *why = "no WebDriver session: " + answer.substr(0, 300);
            return false;
        }
        session_ = id->valuestring;
        return true;
    }
    ~Browser() {
        if (!session_.empty()) call("DELETE", "/session/" + session_, "");  // closes Chromium
        driver_.kill_now();
    }
    // One WebDriver command; the JSON body of the answer ("" on failure).
    std::string call(const std::string& method, const std::string& path, const std::string& body,
                     int timeout_ms = 20000) {
        const std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" +
                                std::to_string(port_) +
                                "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                "Content-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
        const std::string r = http_exchange("127.0.0.1", port_, req, timeout_ms);
        const size_t at = r.find("\r\n\r\n");
        return at == std::string::npos ? "" : r.substr(at + 4);
    }
    std::string session(const std::string& method, const std::string& path, const std::string& body) {
        return call(method, "/session/" + session_ + path, body);
    }
    // Runs `script` in the page; its JSON "value".
    std::string run(const std::string& script) {
        Json body(cJSON_CreateObject(), &cJSON_Delete);
        cJSON_AddStringToObject(body.get(), "script", script.c_str());
        cJSON_AddArrayToObject(body.get(), "args");
        char* text = cJSON_PrintUnformatted(body.get());
        const std::string answer = session("POST", "/execute/sync", text);
        cJSON_free(text);
        Json j(cJSON_Parse(answer.c_str()), &cJSON_Delete);
        const cJSON* v = j ? cJSON_GetObjectItem(j.get(), "value") : nullptr;
        if (cJSON_IsString(v)) return v->valuestring;
        char* printed = v ? cJSON_PrintUnformatted(v) : nullptr;
        std::string out = printed ? printed : "";
        cJSON_free(printed);
        return out;
    }
    bool viewport(int width, int height, bool mobile) {
        const std::string params = "{\"cmd\":\"Emulation.setDeviceMetricsOverride\",\"params\":{\"width\":" +
                                   std::to_string(width) + ",\"height\":" + std::to_string(height) +
                                   ",\"deviceScaleFactor\":1,\"mobile\":" + (mobile ? "true" : "false") + "}}";
        return session("POST", "/goog/cdp/execute", params).find("\"value\"") != std::string::npos;
    }
    // The screenshot as PNG bytes.
    std::string screenshot() {
        Json j(cJSON_Parse(session("GET", "/screenshot", "").c_str()), &cJSON_Delete);
        const cJSON* v = j ? cJSON_GetObjectItem(j.get(), "value") : nullptr;
        std::string png;
        if (cJSON_IsString(v)) daemon::base64_decode(v->valuestring, &png);
        return png;
    }

  private:
    Child driver_;
    uint16_t port_ = 0;
    std::string session_;
};

uint32_t be32(const std::string& s, size_t at) {
    return static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24 |
           static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8 |
           static_cast<uint8_t>(s[at + 3]);
}

// Polls `script` until it returns `want` (bounded).
bool wait_for(Browser& b, const std::string& script, const std::string& want, std::string* last) {
    for (int i = 0; i < 100; ++i) {
        *last = b.run(script);
        if (*last == want) return true;
        ::usleep(100 * 1000);
    }
    return false;
}

void save_and_check(Browser& b, const std::string& name, int width, int height) {
    const std::string png = b.screenshot();
    ASSERT_GT(png.size(), 2000u) << name;
    ASSERT_EQ(png.compare(0, 8, "\x89PNG\r\n\x1a\n"), 0) << name;
    EXPECT_EQ(be32(png, 16), static_cast<uint32_t>(width)) << name;
    EXPECT_EQ(be32(png, 20), static_cast<uint32_t>(height)) << name;
    const std::string path = std::string(STBF_SCREENSHOT_DIR) + "/" + name;
    std::ofstream(path, std::ios::binary) << png;
    std::printf("screenshot: %s (%dx%d)\n", path.c_str(), width, height);
}

TEST(WebBrowser, PageShowsTheDaemonAndItsDrainButtonWorks) {
    if (::access(kChromium, X_OK) != 0 || ::access(kDriver, X_OK) != 0)
        GTEST_SKIP() << "Chromium is not installed (Debian packages chromium and chromium-driver)";
    TempDir dir;
    Upstream a, b;
    ASSERT_TRUE(a.start(1));
    ASSERT_TRUE(b.start(2));
    const uint16_t web = free_port(), listen = free_port();
    DaemonProcess d(dir);
    const std::string c = test_config(d.socket_path(), listen, {a.port(), b.port()}, 1000, "sky-de", 2);
    ASSERT_TRUE(d.start("{\"web_listen\": \"" + std::to_string(web) + "\", \"cache_dir\": \"" +
                        dir.file("cache") + "\"," + c.substr(1)))
        << d.log();
    Client live;  // a softcam on slot 1, so the page has a session to show
    ASSERT_EQ(served_by(listen, &live, 20, 100), 1) << d.log();
    const std::string sa = "s" + std::to_string(a.port()), sb = "s" + std::to_string(b.port());

    Browser browser;
    std::string why;
    ASSERT_TRUE(browser.start(dir.file("chromium-profile"), &why)) << why;
    ASSERT_TRUE(browser.viewport(1280, 720, false));
    const std::string url = "http://127.0.0.1:" + std::to_string(web) + "/";
    browser.session("POST", "/url", "{\"url\":\"" + url + "\"}");

    // The DOM as the page rendered it: groups, servers and states, as the daemon says.
    std::string dom;
    ASSERT_TRUE(wait_for(browser, "return document.querySelectorAll('tr.server').length", "2", &dom))
        << dom << d.log();
    dom = browser.run(
        "return JSON.stringify(Array.from(document.querySelectorAll('section.group')).map(g => "
        "({group: g.dataset.group, servers: Array.from(g.querySelectorAll('tr.server')).map(r => "
        "[r.dataset.server, r.dataset.state, r.dataset.admin])})))");
    const std::string st = d.status_json();
    const std::string want = "[{\"group\":\"sky-de\",\"servers\":[[\"" + sa + "\",\"" +
                             json_string(st, "groups.0.servers.0.state") + "\",\"enabled\"],[\"" + sb +
                             "\",\"" + json_string(st, "groups.0.servers.1.state") + "\",\"enabled\"]]}]";
    EXPECT_EQ(dom, want) << st;
    EXPECT_EQ(browser.run("return document.querySelector('.slot').textContent.indexOf('" + sa + "') >= 0"),
              "true")
        << "slot 1 shows its server";
    // Usable on a 1280x720 TV: the events panel is on screen next to the groups, nothing overflows.
    EXPECT_EQ(browser.run("return document.documentElement.scrollWidth <= 1280 && "
                          "document.getElementById('events').getBoundingClientRect().top < 720"),
              "true");
    save_and_check(browser, "web-1280x720.png", 1280, 720);

    // Click "Drain" on the first server; the daemon changes and the page shows it.
    const std::string find = browser.session(
        "POST", "/element",
        "{\"using\":\"css selector\",\"value\":\"tr.server[data-server='" + sa + "'] button.drain\"}");
    Json found(cJSON_Parse(find.c_str()), &cJSON_Delete);
    const cJSON* value = found ? cJSON_GetObjectItem(found.get(), "value") : nullptr;
    ASSERT_NE(value, nullptr) << find;
    ASSERT_NE(value->child, nullptr) << find;
    const std::string element = value->child->valuestring;
    browser.session("POST", "/element/" + element + "/click", "{}");
    std::string admin;
    for (int i = 0; i < 50 && admin != "drain"; ++i) {
        ::usleep(100 * 1000);
        const std::string now = d.status_json();
        admin = json_string(now, "groups.0.servers.0.label") == sa
                    ? json_string(now, "groups.0.servers.0.admin.state")
                    : json_string(now, "groups.0.servers.1.admin.state");
    }
    EXPECT_EQ(admin, "drain") << d.log();
    EXPECT_NE(d.log().find(sa + " of group sky-de: drain (by web 127.0.0.1)"), std::string::npos)
        << d.log();
    EXPECT_TRUE(wait_for(browser,
                         "return document.querySelector(\"tr.server[data-server='" + sa +
                             "']\").dataset.admin",
                         "drain", &dom))
        << dom;
    EXPECT_TRUE(live.echo("still relayed")) << "drain leaves the live session alone";
    EXPECT_EQ(browser.run("return document.getElementById('eventlist').textContent.indexOf('drain (by web') >= 0"),
              "true");

    // A phone: one column, server rows as cards, nothing wider than the screen.
    ASSERT_TRUE(browser.viewport(390, 844, true));
    browser.session("POST", "/refresh", "{}");
    ASSERT_TRUE(wait_for(browser, "return document.querySelectorAll('tr.server').length", "2", &dom));
    EXPECT_EQ(browser.run("return document.documentElement.scrollWidth <= 390"), "true")
        << browser.run("return document.documentElement.scrollWidth");
    save_and_check(browser, "web-390x844.png", 390, 844);
}

}  // namespace
}  // namespace stbf::test
