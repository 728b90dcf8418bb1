#include "web.h"

#include <cjson/cJSON.h>

#include <cstring>
#include <memory>

#include "password_hash.h"

namespace stbf::daemon {
namespace {

constexpr size_t kMaxHttpHead = 8192;
constexpr TimeUs kHttpTimeoutUs = 10 * 1000000ull;  // a TV browser on a slow box link

const char* const kPage =
#include "web_page.inc"
    ;

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string response(const char* status, const char* type, const std::string& body,
                     const std::string& extra = "") {
    return std::string("HTTP/1.1 ") + status + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
           "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
           "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
           "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'\r\n" +
           extra + "Connection: close\r\n\r\n" + body;
}

std::string text_response(const char* status, const std::string& body, const std::string& extra = "") {
    return response(status, "text/plain; charset=utf-8", body, extra);
}

std::string json_response(const char* status, bool ok, const std::string& message) {
    std::unique_ptr<cJSON, decltype(&cJSON_Delete)> o(cJSON_CreateObject(), &cJSON_Delete);
    cJSON_AddBoolToObject(o.get(), "ok", ok);
    cJSON_AddStringToObject(o.get(), "message", message.c_str());
    char* t = cJSON_PrintUnformatted(o.get());
    std::string body = t != nullptr ? t : "{}";
    cJSON_free(t);
    return response(status, "application/json", body);
}

// "%41b+c" -> "Ab c"; false on a bad escape.
bool url_decode(const std::string& in, std::string* out) {
    out->clear();
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            *out += ' ';
        } else if (in[i] == '%') {
            if (i + 2 >= in.size()) return false;
            int v = 0;
            for (size_t k = i + 1; k <= i + 2; ++k) {
                const char c = in[k];
                const int d = c >= '0' && c <= '9'   ? c - '0'
                              : c >= 'a' && c <= 'f' ? c - 'a' + 10
                              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                     : -1;
                if (d < 0) return false;
                v = v * 16 + d;
            }
            *out += static_cast<char>(v);
            i += 2;
        } else {
            *out += in[i];
        }
    }
    return true;
}

struct Request {
    std::string method, path, query;
    std::string header(const std::string& name) const {
        const std::string want = lower(name) + ":";
        size_t at = 0;
        while ((at = head.find("\r\n", at)) != std::string::npos) {
            at += 2;
            const size_t end = head.find("\r\n", at);
            const std::string line = head.substr(at, end == std::string::npos ? std::string::npos : end - at);
            if (lower(line.substr(0, want.size())) == want) {
                std::string v = line.substr(want.size());
                while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
                while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
                return v;
            }
        }
        return "";
    }
    std::string head;
};

bool parse_request(const std::string& text, Request* r) {
    const std::string line = text.substr(0, text.find("\r\n"));
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos) return false;
    const std::string version = line.substr(sp2 + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
    r->method = line.substr(0, sp1);
    const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const size_t q = target.find('?');
    r->path = target.substr(0, q);
    r->query = q == std::string::npos ? "" : target.substr(q + 1);
    r->head = text;
    return !r->path.empty() && r->path[0] == '/';
}

std::string query_value(const std::string& query, const std::string& key) {
    size_t start = 0;
    while (start <= query.size()) {
        size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        const std::string part = query.substr(start, end - start);
        const size_t eq = part.find('=');
        std::string k, v;
        if (url_decode(part.substr(0, eq), &k) && k == key &&
            url_decode(eq == std::string::npos ? "" : part.substr(eq + 1), &v))
            return v;
        start = end + 1;
    }
    return "";
}

// Host names that reach this box only: a loopback literal or localhost (DNS rebinding guard).
bool loopback_host(const std::string& host_header) {
    std::string h = lower(host_header);
    if (!h.empty() && h[0] == '[') return h.compare(0, 5, "[::1]") == 0;
    h = h.substr(0, h.find(':'));
    return h == "localhost" || h.compare(0, 4, "127.") == 0;
}

// The last credentials that passed (as a SHA-256, never the password): PBKDF2 is slow on a
// box by design, and the page asks every 3 s.
std::string g_verified;

bool authorized(const Request& r, const WebAccess& access) {
    if (access.password_hash.empty()) return loopback_host(r.header("Host"));
    const std::string auth = r.header("Authorization");
    if (lower(auth.substr(0, 6)) != "basic ") return false;
    uint8_t digest[32];
    const std::string key = access.password_hash + "\n" + auth;
    sha256(key.data(), key.size(), digest);
    const std::string seen(reinterpret_cast<const char*>(digest), 32);
    if (!g_verified.empty() && seen == g_verified) return true;
    std::string decoded;
    if (!base64_decode(auth.substr(6), &decoded)) return false;
    const size_t colon = decoded.find(':');
    if (colon == std::string::npos || !check_password(decoded.substr(colon + 1), access.password_hash))
        return false;
    g_verified = seen;
    return true;
}

bool tokens_equal(const std::string& a, const std::string& b) {
    if (a.size() != b.size() || a.empty()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string admin_post(const Request& r, const std::string& peer, const WebAccess& access,
                       const WebHandlers& handlers) {
    if (!tokens_equal(r.header("X-CSRF-Token"), access.csrf_token))
        return json_response("403 Forbidden", false, "missing or wrong CSRF token (reload the page)");
    AdminRequest req;
    const std::string state = query_value(r.query, "state");
    if (state == "drain")
        req.state = AdminState::Drain;
    else if (state == "disable" || state == "disabled")
        req.state = AdminState::Disabled;
    else if (state == "enable" || state == "enabled")
        req.state = AdminState::Enabled;
    else
        return json_response("400 Bad Request", false, "state must be drain, disable or enable");
    req.group = query_value(r.query, "group");
    req.all = query_value(r.query, "all") == "1";
    req.server = req.all ? "" : query_value(r.query, "server");
    const std::string grace = query_value(r.query, "grace");
    if (!grace.empty()) {
        if (grace.size() > 5 || grace.find_first_not_of("0123456789") != std::string::npos)
            return json_response("400 Bad Request", false, "grace must be 0..86400 seconds");
        req.grace_ms = static_cast<uint32_t>(std::stoul(grace)) * 1000u;
    }
    for (const std::string* s : {&req.group, &req.server})
        for (char c : *s)
            if (static_cast<unsigned char>(c) < 0x20)
                return json_response("400 Bad Request", false, "names have no control characters");
    if (req.group.empty() || (!req.all && req.server.empty()))
        return json_response("400 Bad Request", false, "group and server (or all=1) are needed");
    std::string answer = handlers.server(req, "web " + peer);
    while (!answer.empty() && answer.back() == '\n') answer.pop_back();
    const bool ok = answer.find("error:") == std::string::npos;
    return json_response(ok ? "200 OK" : "409 Conflict", ok, answer);
}

}  // namespace

bool base64_decode(const std::string& in, std::string* out) {
    out->clear();
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0;
    for (char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') { ++pad; continue; }
        else return false;
        if (pad > 0) return false;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return pad <= 2 && (in.size() % 4 == 0 || pad == 0);
}

std::string web_page(const std::string& csrf_token) {
    std::string page = kPage;
    const size_t at = page.find("@CSRF@");
    if (at != std::string::npos) page.replace(at, 6, csrf_token);
    return page;
}

std::string web_http_answer(const std::string& text, bool complete, const std::string& peer,
                            const WebAccess& access, const WebHandlers& handlers) {
    Request r;
    if (!complete || !parse_request(text, &r)) return text_response("400 Bad Request", "bad request\n");
    if (!authorized(r, access)) {
        if (access.password_hash.empty())
            return text_response("403 Forbidden", "open this page by its address (127.0.0.1)\n");
        return text_response("401 Unauthorized", "password needed\n",
                             "WWW-Authenticate: Basic realm=\"stbfailover\", charset=\"UTF-8\"\r\n");
    }
    if (r.path == "/" || r.path == "/index.html") {
        if (r.method != "GET" && r.method != "HEAD") return text_response("405 Method Not Allowed", "GET only\n");
        return response("200 OK", "text/html; charset=utf-8", web_page(access.csrf_token));
    }
    if (r.path == "/api/status") {
        if (r.method != "GET") return text_response("405 Method Not Allowed", "GET only\n");
        return response("200 OK", "application/json", handlers.status_json());
    }
    if (r.path == "/api/server") {
        if (r.method != "POST") return text_response("405 Method Not Allowed", "POST only\n");
        return admin_post(r, peer, access, handlers);
    }
    return text_response("404 Not Found", "not found\n");
}

WebServer::WebServer(const WebHandlers& handlers)
    : RequestServer("\r\n\r\n", kMaxHttpHead, kHttpTimeoutUs,
                    [this](const std::string& request, bool complete, const std::string& peer) {
                        return web_http_answer(request, complete, peer, access_, handlers_);
                    }),
      handlers_(handlers) {}

void WebServer::set_access(const std::string& password_hash) {
    access_.password_hash = password_hash;
    if (access_.csrf_token.empty()) access_.csrf_token = random_hex(16);
}

}  // namespace stbf::daemon
