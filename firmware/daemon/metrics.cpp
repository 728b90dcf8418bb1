#include "metrics.h"

#include <cstdio>

namespace stbf::daemon {
namespace {

constexpr size_t kMaxHttpHead = 4096;
constexpr TimeUs kHttpTimeoutUs = 5 * 1000000ull;

const char* const kStates[] = {"up", "suspect", "down", "rising", "disabled", "retired"};

std::string escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

// Counters and gauges of whole things print as integers; seconds and ratios with six decimals
// (microseconds, the engine's resolution), trailing zeros dropped: "0.007018", never
// "0.0070179999999999999".
std::string metric_number(double v) {
    char buf[48];
    if (v == static_cast<double>(static_cast<long long>(v)) && v > -9e15 && v < 9e15) {
        std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
        return buf;
    }
    std::snprintf(buf, sizeof(buf), "%.6f", v);
    std::string out = buf;
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.push_back('0');
    return out;
}

namespace {

// Builds one metric family: HELP/TYPE once, then samples.
class Family {
  public:
    Family(std::string* out, const char* name, const char* type, const char* help)
        : out_(out), name_(name) {
        *out_ +=
            std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    void sample(const std::string& labels, double value) {
        *out_ += name_;
        if (!labels.empty()) *out_ += "{" + labels + "}";
        *out_ += " " + metric_number(value) + "\n";
    }

  private:
    std::string* out_;
    const char* name_;
};

std::string group_labels(const GroupReport& g) {
    return "group=\"" + escape_label(g.name) + "\"";
}

std::string server_labels(const GroupReport& g, const ServerReport& s) {
    return group_labels(g) + ",server=\"" + escape_label(s.label) + "\"";
}

std::string source_labels(const SourceReport& s) {
    return "url=\"" + escape_label(s.url) + "\"";
}

// One family over every server of every group.
template <class Value>
void per_server(std::string* out, const StatusReport& r, const char* name, const char* type,
                const char* help, Value value) {
    Family f(out, name, type, help);
    for (const GroupReport& g : r.groups)
        for (const ServerReport& s : g.servers) value(f, server_labels(g, s), s);
}

template <class Value>
void per_group(std::string* out, const StatusReport& r, const char* name, const char* type,
               const char* help, Value value) {
    Family f(out, name, type, help);
    for (const GroupReport& g : r.groups) f.sample(group_labels(g), value(g));
}

std::string http_response(const char* status, const char* type, const std::string& body) {
    return std::string("HTTP/1.1 ") + status + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body;
}

}  // namespace

std::string render_metrics(const StatusReport& r) {
    std::string out;
    Family(&out, "stbf_uptime_seconds", "gauge", "Seconds since the daemon started.")
        .sample("", static_cast<double>(r.daemon.uptime_s));
    Family(&out, "stbf_config_generation", "gauge", "Config loads so far (1 after start).")
        .sample("", r.config_generation);
    Family(&out, "stbf_last_reload_ok", "gauge", "1 if the last reload was applied.")
        .sample("", r.daemon.last_reload_ok ? 1 : 0);

    // The box's own resources: when descriptors run out, sessions fail for local reasons.
    const DaemonFacts& d = r.daemon;
    if (d.open_fds >= 0)
        Family(&out, "stbf_process_open_fds", "gauge", "Open descriptors of the daemon.")
            .sample("", static_cast<double>(d.open_fds));
    if (d.max_fds >= 0)
        Family(&out, "stbf_process_max_fds", "gauge", "Descriptor limit of the daemon.")
            .sample("", static_cast<double>(d.max_fds));
    if (d.open_sockets >= 0)
        Family(&out, "stbf_process_open_sockets", "gauge",
               "Open sockets of the daemon (relay, probes, control, metrics, web).")
            .sample("", static_cast<double>(d.open_sockets));

    Family conns(&out, "stbf_local_connections", "gauge",
                 "Clients connected to the daemon's control, metrics and web ports.");
    for (const DaemonFacts::LocalPort& p : d.local_ports)
        conns.sample("port=\"" + p.name + "\"", static_cast<double>(p.connections));
    Family refused(&out, "stbf_local_refused_total", "counter",
                   "Local clients closed at once because every place was busy.");
    for (const DaemonFacts::LocalPort& p : d.local_ports)
        refused.sample("port=\"" + p.name + "\"", static_cast<double>(p.refused));
    Family evicted(&out, "stbf_local_evicted_total", "counter",
                   "Idle local clients closed to make room for another.");
    for (const DaemonFacts::LocalPort& p : d.local_ports)
        evicted.sample("port=\"" + p.name + "\"", static_cast<double>(p.evicted));
    Family(&out, "stbf_log_lines_suppressed_total", "counter",
           "Log lines folded into \"repeated N times\" lines by the rate limit.")
        .sample("", static_cast<double>(d.log_lines_suppressed));

    per_server(&out, r, "stbf_server_state", "gauge", "1 for the server's current health state.",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   for (const char* st : kStates)
                       f.sample(l + ",state=\"" + st + "\"", s.state == st ? 1 : 0);
               });
    per_server(&out, r, "stbf_server_admin_state", "gauge",
               "1 for the server's admin state (stbfailover server drain|disable|enable).",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   for (const char* st : {"enabled", "drain", "disabled"})
                       f.sample(l + ",state=\"" + st + "\"", s.admin_state == st ? 1 : 0);
               });
    per_server(&out, r, "stbf_server_state_seconds", "gauge",
               "Seconds the server has been in its current health state.",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   f.sample(l, static_cast<double>(s.state_since_s));
               });
    Family slot(&out, "stbf_slot_info", "gauge",
                "One per slot of a group: its local port and the server of its live session.");
    for (const GroupReport& g : r.groups)
        for (const SlotReport& sl : g.slots)
            slot.sample(group_labels(g) + ",slot=\"" + std::to_string(sl.number) + "\",port=\"" +
                            std::to_string(sl.port) + "\",server=\"" + escape_label(sl.server) +
                            "\"",
                        sl.idle.empty() ? 1 : 0);
    Family slot_since(&out, "stbf_slot_since_seconds", "gauge",
                      "Seconds the slot's live session has been on its server (absent if none).");
    for (const GroupReport& g : r.groups)
        for (const SlotReport& sl : g.slots)
            if (sl.has_since)
                slot_since.sample(group_labels(g) + ",slot=\"" + std::to_string(sl.number) + "\"",
                                  static_cast<double>(sl.since_s));
    per_server(
        &out, r, "stbf_server_picks_total", "counter", "Times the server was chosen.",
        [](Family& f, const std::string& l, const ServerReport& s) { f.sample(l, s.picks); });
    per_server(&out, r, "stbf_server_connects_total", "counter",
               "Upstream connects for client sessions, by result.",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   f.sample(l + ",result=\"ok\"", s.connects_ok);
                   f.sample(l + ",result=\"failed\"", s.connects_failed);
               });
    per_server(&out, r, "stbf_server_probes_total", "counter", "Health checks, by result.",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   f.sample(l + ",result=\"ok\"", s.probes_ok);
                   f.sample(l + ",result=\"failed\"", s.probes_failed);
               });
    per_server(&out, r, "stbf_server_sessions_hung_total", "counter",
               "Live sessions cut because the server stopped answering.",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   f.sample(l, s.sessions_hung);
               });
    per_server(&out, r, "stbf_server_live_sessions", "gauge", "Sessions relayed to the server.",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   f.sample(l, s.live_sessions);
               });
    per_server(&out, r, "stbf_server_ewma_connect_seconds", "gauge",
               "Smoothed connect latency (absent until measured).",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   if (s.has_ewma_connect) f.sample(l, s.ewma_connect_ms / 1000.0);
               });
    per_server(&out, r, "stbf_server_ewma_response_seconds", "gauge",
               "Smoothed response time on live sessions (absent until measured).",
               [](Family& f, const std::string& l, const ServerReport& s) {
                   if (s.has_ewma_response) f.sample(l, s.ewma_response_ms / 1000.0);
               });

    per_group(&out, r, "stbf_group_live_sessions", "gauge", "Client sessions open on the group.",
              [](const GroupReport& g) { return g.live_sessions; });
    per_group(&out, r, "stbf_group_sessions_total", "counter", "Client sessions accepted.",
              [](const GroupReport& g) { return g.sessions_total; });
    per_group(&out, r, "stbf_group_sessions_refused_total", "counter",
              "Client sessions refused (group full).",
              [](const GroupReport& g) { return g.sessions_refused; });
    per_group(&out, r, "stbf_group_failovers_total", "counter",
              "Times new sessions moved to another server.",
              [](const GroupReport& g) { return g.failovers; });
    per_group(&out, r, "stbf_group_panic", "gauge", "1 while no server of the group is usable.",
              [](const GroupReport& g) { return g.panic ? 1u : 0u; });

    // Provider server lists ("source" in the config), one sample per URL.
    Family ok(&out, "stbf_source_ok", "gauge",
              "1 while the provider list is in use and its latest refresh succeeded.");
    for (const SourceReport& s : r.sources) ok.sample(source_labels(s), s.ok ? 1 : 0);
    Family failing(&out, "stbf_source_failure", "gauge",
                   "1 for the reason a provider list is not ok (its last good list stays).");
    for (const SourceReport& s : r.sources)
        if (!s.ok) failing.sample(source_labels(s) + ",reason=\"" + escape_label(s.failure) + "\"", 1);
    Family servers(&out, "stbf_source_servers", "gauge", "Servers of the provider list in use.");
    for (const SourceReport& s : r.sources) servers.sample(source_labels(s), s.servers);
    Family age(&out, "stbf_source_last_success_age_seconds", "gauge",
               "Seconds since the provider list was last fetched (absent until then).");
    for (const SourceReport& s : r.sources)
        if (s.has_success) age.sample(source_labels(s), static_cast<double>(s.last_success_ago_s));
    return out;
}

std::string metrics_http_answer(const std::string& request, bool complete,
                                const std::function<std::string()>& body) {
    const char* text = "text/plain; charset=utf-8";
    if (!complete) return http_response("400 Bad Request", text, "bad request\n");
    size_t eol = request.find("\r\n");
    std::string line = request.substr(0, eol);
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos)
        return http_response("400 Bad Request", text, "bad request\n");
    std::string method = line.substr(0, sp1);
    std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string version = line.substr(sp2 + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return http_response("400 Bad Request", text, "bad request\n");
    if (method != "GET") return http_response("405 Method Not Allowed", text, "GET only\n");
    if (target != "/metrics") return http_response("404 Not Found", text, "try /metrics\n");
    return http_response("200 OK", "text/plain; version=0.0.4; charset=utf-8", body());
}

MetricsServer::MetricsServer(const std::function<std::string()>& body)
    : RequestServer("\r\n\r\n", kMaxHttpHead, kHttpTimeoutUs,
                    [&body](const std::string& request, bool complete, const std::string&) {
                        return metrics_http_answer(request, complete, body);
                    }) {}

}  // namespace stbf::daemon
