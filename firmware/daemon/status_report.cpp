#include "status_report.h"

#include <cjson/cJSON.h>

#include <cstdio>
#include <memory>

#include "admin_store.h"
#include "stbf/address.h"
#include "stbf/grouping.h"

namespace stbf::daemon {
namespace {

std::string label_of(const Engine& engine, ServerSlot slot) {
    const ServerConfig* cfg = slot == kNoServer ? nullptr : engine.server_config(slot);
    return cfg != nullptr ? cfg->label.c_str() : "";
}

ServerReport server_report(const Engine& engine, ServerSlot slot, TimeUs now,
                           const DaemonFacts& facts) {
    const ServerStatus st = engine.server_status(slot);
    const ServerConfig& cfg = *st.config;
    ServerReport r;
    r.label = cfg.label.c_str();
    r.host = cfg.host.c_str();
    r.port = cfg.port;
    r.protocol = protocol_name(cfg.protocol);
    r.user = cfg.user.c_str();  // the password and key stay out of every report
    r.state = server_state_name(st.state);
    r.enabled = cfg.enabled;
    r.backup = cfg.backup;
    r.priority = cfg.priority;
    r.weight = cfg.weight;
    r.has_ewma_connect = st.ewma_connect_us != 0;
    r.ewma_connect_ms = st.ewma_connect_us / 1000.0;  // whole microseconds: 3 decimals
    r.has_ewma_response = st.ewma_response_us != 0;
    r.ewma_response_ms = st.ewma_response_us / 1000.0;
    r.live_sessions = st.live_sessions;
    r.fail_streak = st.fail_streak;
    r.last_failure = st.last_failure == Reason::None ? "" : reason_name(st.last_failure);
    r.has_last_failure_age = st.last_failure != Reason::None;
    r.last_failure_ago_s = now > st.last_failure_at ? (now - st.last_failure_at) / 1000000 : 0;
    r.probes_ok = st.probes_ok;
    r.probes_failed = st.probes_failed;
    r.picks = st.picks;
    r.connects_ok = st.connects_ok;
    r.connects_failed = st.connects_failed;
    r.sessions_hung = st.sessions_hung;
    r.has_next_check = st.next_check != kNever;
    r.next_check_s = st.next_check > now ? (st.next_check - now) / 1e6 : 0.0;
    r.tls = cfg.tls.enabled;
    if (r.tls && facts.tls_failure_of) r.tls_failure = facts.tls_failure_of(cfg);
    r.state_since_s = now > st.last_change ? (now - st.last_change) / 1000000 : 0;
    r.has_slowstart = st.slowstart_until > now;
    r.slowstart_left_s = r.has_slowstart ? (st.slowstart_until - now) / 1e6 : 0.0;
    r.admin_state = admin_state_name(engine.admin_state(slot));
    return r;
}



uint64_t seconds_ago(TimeUs when, TimeUs now) {
    return now > when ? (now - when) / 1000000 : 0;
}

}  // namespace

std::string host_port_text(const char* host, uint16_t port) {
    char buf[STBF_HOST_MAX + 16];
    format_host_port(host, port, buf, sizeof(buf));
    return buf;
}

std::string group_listen_text(const GroupConfig& group) {
    return host_port_text(group.listen_addr.c_str(), group.listen_port);
}

std::string linked_group_text(const GroupReport& g) {
    return "same account on " + g.linked_protocol + " (group " + g.linked_group +
           "): no failover between protocols; the softcam's fallback reader covers it";
}

StatusReport build_status_report(const Engine& engine, TimeUs now, const DaemonFacts& facts) {
    StatusReport report;
    report.daemon = facts;
    report.config_generation = engine.config_generation();
    for (uint16_t g = 0; g < engine.group_count(); ++g) {
        const GroupStatus gs = engine.group_status(g);
        GroupReport gr;
        gr.name = gs.config->name.c_str();
        gr.listen = group_listen_text(*gs.config);
        gr.mode = mode_name(gs.config->mode);
        gr.active_server = label_of(engine, gs.active);
        gr.live_sessions = gs.live_sessions;
        gr.sessions_total = gs.sessions_total;
        gr.sessions_refused = gs.sessions_refused;
        gr.failovers = gs.failovers;
        gr.panic = gs.panic;
        if (gs.last_failover.when != 0) {
            gr.last_failover.happened = true;
            gr.last_failover.ago_s = seconds_ago(gs.last_failover.when, now);
            gr.last_failover.from = label_of(engine, gs.last_failover.from);
            gr.last_failover.to = label_of(engine, gs.last_failover.to);
            gr.last_failover.reason = reason_name(gs.last_failover.reason);
        }
        for (uint8_t k = 0; k < engine.group_slots(g); ++k) {
            const SlotStatus ss = engine.slot_status(g, k);
            SlotReport sr;
            sr.number = static_cast<uint8_t>(k + 1);
            sr.port = gs.config->slot_ports[k] != 0 ? gs.config->slot_ports[k]
                      : k == 0                      ? gs.config->listen_port
                                                    : 0;
            sr.server = label_of(engine, ss.server);
            sr.has_since = ss.server != kNoServer && ss.since != 0;
            sr.since_s = sr.has_since ? seconds_ago(ss.since, now) : 0;
            if (ss.idle)
                sr.idle = "no usable server left that the other slots do not use";
            gr.slots.push_back(sr);
        }
        for (uint16_t i = 0; i < gs.config->server_count; ++i) {
            ServerSlot slot = engine.group_server(g, i);
            if (slot == kNoServer || !engine.server_in_use(slot)) continue;
            gr.servers.push_back(server_report(engine, slot, now, facts));
        }
        report.groups.push_back(std::move(gr));
    }
    // Linked groups: the same account on two protocols (the provider's two daemons).
    for (uint16_t g = 0; g < engine.group_count(); ++g) {
        const ServerConfig* mine = engine.server_config(engine.group_server(g, 0));
        for (uint16_t h = 0; mine != nullptr && h < engine.group_count(); ++h) {
            const ServerConfig* other = engine.server_config(engine.group_server(h, 0));
            if (h == g || other == nullptr || !same_account_other_protocol(*mine, *other)) continue;
            report.groups[g].linked_group = report.groups[h].name;
            report.groups[g].linked_protocol = protocol_name(other->protocol);
            break;
        }
    }
    // Servers removed by a reload, still draining their sessions, under their former group.
    for (ServerSlot slot = 0; slot < engine.server_slot_limit(); ++slot) {
        if (!engine.server_in_use(slot)) continue;
        const ServerStatus ss = engine.server_status(slot);
        if (ss.state != ServerState::Retired) continue;
        for (GroupReport& gr : report.groups)
            if (gr.name == ss.group_name)
                gr.servers.push_back(server_report(engine, slot, now, facts));
    }
    return report;
}

namespace {

using JsonPtr = std::unique_ptr<cJSON, decltype(&cJSON_Delete)>;

void add_string_or_null(cJSON* obj, const char* key, const std::string& value) {
    if (value.empty())
        cJSON_AddNullToObject(obj, key);
    else
        cJSON_AddStringToObject(obj, key, value.c_str());
}

void add_number_or_null(cJSON* obj, const char* key, bool has, double value) {
    if (has)
        cJSON_AddNumberToObject(obj, key, value);
    else
        cJSON_AddNullToObject(obj, key);
}

cJSON* server_json(const ServerReport& s) {
    cJSON* o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", s.label.c_str());
    cJSON_AddStringToObject(o, "host", s.host.c_str());
    cJSON_AddNumberToObject(o, "port", s.port);
    cJSON_AddStringToObject(o, "protocol", s.protocol.c_str());
    cJSON_AddStringToObject(o, "user", s.user.c_str());
    cJSON_AddStringToObject(o, "state", s.state.c_str());
    cJSON_AddBoolToObject(o, "enabled", s.enabled);
    cJSON_AddBoolToObject(o, "backup", s.backup);
    cJSON_AddNumberToObject(o, "priority", s.priority);
    cJSON_AddNumberToObject(o, "weight", s.weight);
    add_number_or_null(o, "ewma_connect_ms", s.has_ewma_connect, s.ewma_connect_ms);
    add_number_or_null(o, "ewma_response_ms", s.has_ewma_response, s.ewma_response_ms);
    cJSON_AddNumberToObject(o, "live_sessions", s.live_sessions);
    cJSON_AddNumberToObject(o, "fail_streak", s.fail_streak);
    cJSON_AddStringToObject(o, "last_failure", s.last_failure.c_str());
    cJSON_AddNumberToObject(o, "probes_ok", s.probes_ok);
    cJSON_AddNumberToObject(o, "probes_failed", s.probes_failed);
    add_number_or_null(o, "next_check_s", s.has_next_check, s.next_check_s);
    cJSON_AddBoolToObject(o, "tls", s.tls);
    add_string_or_null(o, "tls_failure", s.tls_failure);
    cJSON_AddNumberToObject(o, "state_since_s", static_cast<double>(s.state_since_s));
    add_number_or_null(o, "last_failure_ago_s", s.has_last_failure_age,
                       static_cast<double>(s.last_failure_ago_s));
    add_number_or_null(o, "slowstart_left_s", s.has_slowstart, s.slowstart_left_s);
    cJSON* admin = cJSON_AddObjectToObject(o, "admin");
    cJSON_AddStringToObject(admin, "state", s.admin_state.c_str());
    add_string_or_null(admin, "set_by", s.admin_set_by);
    add_string_or_null(admin, "since", s.admin_since != 0 ? utc_time_text(s.admin_since) : "");
    return o;
}

cJSON* group_json(const GroupReport& g) {
    cJSON* o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", g.name.c_str());
    cJSON_AddStringToObject(o, "listen", g.listen.c_str());
    cJSON_AddStringToObject(o, "mode", g.mode.c_str());
    add_string_or_null(o, "active_server", g.active_server);
    cJSON_AddNumberToObject(o, "live_sessions", g.live_sessions);
    cJSON_AddNumberToObject(o, "sessions_total", g.sessions_total);
    cJSON_AddBoolToObject(o, "panic", g.panic);
    cJSON_AddNumberToObject(o, "failovers", g.failovers);
    if (!g.linked_group.empty()) {
        cJSON* l = cJSON_AddObjectToObject(o, "linked");
        cJSON_AddStringToObject(l, "group", g.linked_group.c_str());
        cJSON_AddStringToObject(l, "protocol", g.linked_protocol.c_str());
    } else {
        cJSON_AddNullToObject(o, "linked");
    }
    if (g.last_failover.happened) {
        cJSON* f = cJSON_AddObjectToObject(o, "last_failover");
        cJSON_AddNumberToObject(f, "ago_s", static_cast<double>(g.last_failover.ago_s));
        cJSON_AddStringToObject(f, "from", g.last_failover.from.c_str());
        add_string_or_null(f, "to", g.last_failover.to);
        cJSON_AddStringToObject(f, "reason", g.last_failover.reason.c_str());
    } else {
        cJSON_AddNullToObject(o, "last_failover");
    }
    cJSON* slots = cJSON_AddArrayToObject(o, "slots");
    for (const SlotReport& sl : g.slots) {
        cJSON* so = cJSON_CreateObject();
        cJSON_AddNumberToObject(so, "slot", sl.number);
        cJSON_AddNumberToObject(so, "port", sl.port);
        add_string_or_null(so, "server", sl.server);
        add_number_or_null(so, "since_s", sl.has_since, static_cast<double>(sl.since_s));
        add_string_or_null(so, "idle", sl.idle);
        cJSON_AddItemToArray(slots, so);
    }
    cJSON* servers = cJSON_AddArrayToObject(o, "servers");
    for (const ServerReport& s : g.servers) cJSON_AddItemToArray(servers, server_json(s));
    return o;
}

uint64_t event_age_s(const Event& e, TimeUs now) {
    return now > e.when ? (now - e.when) / 1000000 : 0;
}

}  // namespace

std::string status_json(const StatusReport& report) {
    JsonPtr root(cJSON_CreateObject(), &cJSON_Delete);
    cJSON* r = root.get();
    cJSON_AddNumberToObject(r, "version", 1);
    cJSON* d = cJSON_AddObjectToObject(r, "daemon");
    cJSON_AddNumberToObject(d, "pid", static_cast<double>(report.daemon.pid));
    cJSON_AddNumberToObject(d, "uptime_s", static_cast<double>(report.daemon.uptime_s));
    cJSON_AddStringToObject(d, "config", report.daemon.config_path.c_str());
    cJSON_AddNumberToObject(d, "config_generation", report.config_generation);
    cJSON_AddNumberToObject(d, "restarts", report.daemon.restarts);
    add_string_or_null(d, "last_restart_reason", report.daemon.last_restart_reason);
    cJSON* lr = cJSON_AddObjectToObject(d, "last_reload");
    cJSON_AddBoolToObject(lr, "ok", report.daemon.last_reload_ok);
    cJSON_AddStringToObject(lr, "message", report.daemon.last_reload_message.c_str());
    if (report.daemon.reloaded)
        cJSON_AddNumberToObject(lr, "ago_s", static_cast<double>(report.daemon.last_reload_ago_s));
    else
        cJSON_AddNullToObject(lr, "ago_s");
    cJSON* groups = cJSON_AddArrayToObject(r, "groups");
    for (const GroupReport& g : report.groups) cJSON_AddItemToArray(groups, group_json(g));
    cJSON* sources = cJSON_AddArrayToObject(r, "sources");
    for (const SourceReport& src : report.sources) {
        cJSON* o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "url", src.url.c_str());
        add_string_or_null(o, "group", src.group);
        cJSON_AddBoolToObject(o, "ok", src.ok);
        add_string_or_null(o, "reason", src.reason);
        add_number_or_null(o, "last_success_ago_s", src.has_success,
                           static_cast<double>(src.last_success_ago_s));
        cJSON_AddNumberToObject(o, "next_fetch_s", src.next_fetch_s);
        cJSON_AddNumberToObject(o, "servers", src.servers);
        cJSON_AddItemToArray(sources, o);
    }
    cJSON* events = cJSON_AddArrayToObject(r, "events");
    for (const Event& e : report.events) {
        cJSON* o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "seq", static_cast<double>(e.seq));
        cJSON_AddStringToObject(o, "time", utc_time_text(e.wall).c_str());
        cJSON_AddNumberToObject(o, "ago_s", static_cast<double>(event_age_s(e, report.now)));
        cJSON_AddStringToObject(o, "kind", e.kind.c_str());
        add_string_or_null(o, "group", e.group);
        add_string_or_null(o, "server", e.server);
        cJSON_AddStringToObject(o, "text", e.text.c_str());
        cJSON_AddNumberToObject(o, "count", e.count);
        cJSON_AddItemToArray(events, o);
    }
    char* text = cJSON_PrintUnformatted(r);
    std::string out = text != nullptr ? text : "{}";
    cJSON_free(text);
    return out;
}

namespace {

// "42s", "5m12s", "3h05m", "2d04h": short enough for a table column.
std::string duration_text(uint64_t s) {
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof(buf), "%llus", static_cast<unsigned long long>(s));
    else if (s < 3600)
        std::snprintf(buf, sizeof(buf), "%llum%02llus", static_cast<unsigned long long>(s / 60),
                      static_cast<unsigned long long>(s % 60));
    else if (s < 86400)
        std::snprintf(buf, sizeof(buf), "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                      static_cast<unsigned long long>(s / 60 % 60));
    else
        std::snprintf(buf, sizeof(buf), "%llud%02lluh", static_cast<unsigned long long>(s / 86400),
                      static_cast<unsigned long long>(s / 3600 % 24));
    return buf;
}

std::string ms_text(bool has, double ms) {
    if (!has) return "-";
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", ms);
    return buf;
}

}  // namespace

std::string events_text(const StatusReport& report) {
    std::string out;
    for (const Event& e : report.events) {
        out += utc_time_text(e.wall) + " (" + duration_text(event_age_s(e, report.now)) + " ago) " +
               e.text;
        if (e.count > 1) out += " (" + std::to_string(e.count) + " times)";
        out += "\n";
    }
    if (out.empty()) out = "no events yet\n";
    return out;
}

std::string status_text(const StatusReport& report) {
    std::string out;
    char line[512];
    std::snprintf(line, sizeof(line), "stbfailover pid %ld, up %llus, config %s (generation %u)\n",
                  report.daemon.pid, static_cast<unsigned long long>(report.daemon.uptime_s),
                  report.daemon.config_path.c_str(), report.config_generation);
    out += line;
    if (report.daemon.reloaded) {
        std::snprintf(
            line, sizeof(line), "last reload %llus ago: %s\n",
            static_cast<unsigned long long>(report.daemon.last_reload_ago_s),
            report.daemon.last_reload_ok ? "ok" : report.daemon.last_reload_message.c_str());
        out += line;
    }
    if (report.daemon.restarts > 0) {
        std::snprintf(line, sizeof(line), "restarted %u time(s) after a crash; last: %s\n",
                      report.daemon.restarts, report.daemon.last_restart_reason.c_str());
        out += line;
    }
    for (const GroupReport& g : report.groups) {
        std::snprintf(line, sizeof(line),
                      "\ngroup %s  listen %s  mode %s  active %s  sessions %u live / %u total%s\n",
                      g.name.c_str(), g.listen.c_str(), g.mode.c_str(),
                      g.active_server.empty() ? "-" : g.active_server.c_str(), g.live_sessions,
                      g.sessions_total, g.panic ? "  PANIC: no usable server" : "");
        out += line;
        if (!g.linked_group.empty())
            out += "  " + linked_group_text(g) + "\n";
        if (g.last_failover.happened) {
            std::snprintf(line, sizeof(line),
                          "  last failover %llus ago: %s -> %s (%s), %u in total\n",
                          static_cast<unsigned long long>(g.last_failover.ago_s),
                          g.last_failover.from.c_str(),
                          g.last_failover.to.empty() ? "none" : g.last_failover.to.c_str(),
                          g.last_failover.reason.c_str(), g.failovers);
            out += line;
        }
        for (const SlotReport& sl : g.slots) {
            out += "  slot " + std::to_string(sl.number) + " port " + std::to_string(sl.port) +
                   ": " + (sl.server.empty() ? "no session" : "on " + sl.server);
            if (sl.has_since) out += " since " + duration_text(sl.since_s) + " ago";
            if (!sl.idle.empty()) out += " (idle: " + sl.idle + ")";
            out += "\n";
        }
        std::snprintf(line, sizeof(line), "  %-20s %-28s %-8s %-16s %7s %9s %9s %5s  %s\n",
                      "SERVER", "ADDRESS", "PROTO", "STATE", "SINCE", "CONN ms", "RESP ms", "LIVE",
                      "LAST FAILURE");
        out += line;
        std::string admin_lines;
        for (const ServerReport& s : g.servers) {
            std::string addr = host_port_text(s.host.c_str(), s.port);
            std::string state = s.state + (s.backup ? "*" : "");
            if (s.admin_state != "enabled") state += "/" + s.admin_state;
            if (s.has_slowstart) state += "/ramp";
            std::string proto = s.protocol + (s.tls ? "+tls" : "");
            std::string failure = s.last_failure.empty() ? "-" : s.last_failure;
            if (!s.last_failure.empty() && s.has_last_failure_age)
                failure += " " + duration_text(s.last_failure_ago_s) + " ago";
            if (!s.tls_failure.empty()) failure += " (tls: " + s.tls_failure + ")";
            if (s.admin_state != "enabled")
                admin_lines += "  " + s.label + ": " + s.admin_state +
                               (s.admin_since != 0 ? " since " + utc_time_text(s.admin_since) : "") +
                               (s.admin_set_by.empty() ? "" : " by " + s.admin_set_by) + "\n";
            std::snprintf(line, sizeof(line), "  %-20s %-28s %-8s %-16s %7s %9s %9s %5u  %s\n",
                          s.label.c_str(), addr.c_str(), proto.c_str(), state.c_str(),
                          duration_text(s.state_since_s).c_str(),
                          ms_text(s.has_ewma_connect, s.ewma_connect_ms).c_str(),
                          ms_text(s.has_ewma_response, s.ewma_response_ms).c_str(), s.live_sessions,
                          failure.c_str());
            out += line;
        }
        out += admin_lines;
    }
    if (!report.sources.empty()) out += "\nserver lists\n";
    for (const SourceReport& src : report.sources) {
        std::string last = src.has_success ? std::to_string(src.last_success_ago_s) + "s ago" : "never";
        out += "  " + src.url + (src.group.empty() ? "" : " -> group " + src.group) + ": " +
               (src.ok ? "ok" : "FAILING") + ", " + std::to_string(src.servers) +
               " server(s), last success " + last + ", next fetch in " +
               std::to_string(static_cast<long long>(src.next_fetch_s)) + "s" +
               (src.reason.empty() ? "" : "\n    reason: " + src.reason) + "\n";
    }
    return out;
}

}  // namespace stbf::daemon
