// `stbfailover probe`: check every server of a config once, through the same runtime and
// engine probe code the daemon uses, and print a table. Safe next to a running daemon: the
// groups' listeners are opened on free ports, so the daemon's ports are not touched.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli_options.h"
#include "command.h"
#include "daemon.h"
#include "sized_engine.h"
#include "status_report.h"
#include "stbf/engine.h"
#include "stbf/grouping.h"
#include "stbf/posix_port.h"
#include "stbf/runtime.h"

namespace {

void usage(std::FILE* out) {
    std::fprintf(out,
                 "usage: stbfailover probe -c FILE [--json]\n"
                 "  Connects to every enabled server once and checks its greeting.\n"
                 "  Exit status 0 when every enabled server answered, 1 otherwise.\n");
}

struct ProbeRow {
    std::string group, label, address, protocol, reason;
    bool enabled = true, done = false, ok = false, greeting_checked = false;
    double check_ms = 0;
};

bool greeting_expected(const stbf::ServerConfig& s) {
    return s.probe != stbf::ProbeKind::Tcp;
}

std::string greeting_text(const ProbeRow& r) {
    if (!r.enabled || !r.done) return "-";
    if (!r.greeting_checked) return "n/a";
    if (r.ok) return "yes";
    bool reached = r.reason == "bad greeting" || r.reason == "no greeting";
    return reached ? "no" : "-";
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out += buf;
            continue;
        }
        out += c;
    }
    return out;
}

void print_json(const std::vector<ProbeRow>& rows) {
    std::printf("{\"version\":1,\"servers\":[");
    for (size_t i = 0; i < rows.size(); ++i) {
        const ProbeRow& r = rows[i];
        std::printf(
            "%s{\"group\":\"%s\",\"label\":\"%s\",\"address\":\"%s\",\"protocol\":\"%s\","
            "\"enabled\":%s,\"ok\":%s,\"reason\":\"%s\",",
            i ? "," : "", json_escape(r.group).c_str(), json_escape(r.label).c_str(),
            json_escape(r.address).c_str(), r.protocol.c_str(), r.enabled ? "true" : "false",
            r.ok ? "true" : "false", json_escape(r.reason).c_str());
        if (r.ok)
            std::printf("\"check_ms\":%.1f,", r.check_ms);
        else
            std::printf("\"check_ms\":null,");
        std::string g = greeting_text(r);
        std::printf("\"greeting_ok\":%s}", g == "yes" ? "true" : g == "no" ? "false" : "null");
    }
    std::printf("]}\n");
}

void print_table(const std::vector<ProbeRow>& rows) {
    std::printf("%-16s %-20s %-28s %-22s %8s  %s\n", "GROUP", "SERVER", "ADDRESS", "STATE",
                "CHECK ms", "GREETING");
    for (const ProbeRow& r : rows) {
        std::string state = !r.enabled ? "disabled"
                            : !r.done  ? "fail (no answer in time)"
                            : r.ok     ? "ok"
                                       : "fail (" + r.reason + ")";
        char ms[32] = "-";
        if (r.ok) std::snprintf(ms, sizeof(ms), "%.1f", r.check_ms);
        std::printf("%-16s %-20s %-28s %-22s %8s  %s\n", r.group.c_str(), r.label.c_str(),
                    r.address.c_str(), state.c_str(), ms, greeting_text(r).c_str());
    }
}

int cmd_probe(int argc, char** argv) {
    std::string config_path;
    bool json = false;
    stbf::cli::OptionReader args("probe", argc, argv, usage);
    const char* value = nullptr;
    while (args.next()) {
        if (args.value("-c", "--config", &value)) {
            config_path = value;
        } else if (args.flag(nullptr, "--json")) {
            json = true;
        } else {
            return args.unmatched();
        }
    }
    if (config_path.empty()) return args.usage_error("-c FILE is required");
    stbf::daemon::LoadedConfig loaded;
    std::string error;
    if (!stbf::daemon::load_daemon_config(config_path, &loaded, &error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }

    stbf::PosixPortOptions po;
    po.log_level = STBF_LOG_WARNING;
    auto port = stbf::PosixPort::create(po, &error);
    if (!port) {
        std::fprintf(stderr, "stbfailover probe: %s\n", error.c_str());
        return 1;
    }
    const stbf_port* table = port->table();
    // TLS servers are checked through TLS, and cached provider lists are checked too; a binary
    // without TLS refuses such a config as `run` does. Declared before the runtime: it must
    // outlive the runtime's connections.
    const std::unique_ptr<stbf::daemon::TlsExtension> tls =
        stbf::daemon::make_tls_extension(*table);
    auto effective = std::make_unique<stbf::Config>();
    if (!stbf::daemon::config_with_tls(loaded, tls.get(), effective.get(), &error)) {
        std::fprintf(stderr, "%s: %s\n", config_path.c_str(), error.c_str());
        return 1;
    }
    stbf::Config& config = *effective;
    uint32_t longest_timeout_ms = 0;
    for (uint16_t g = 0; g < config.group_count; ++g) {
        config.groups[g].listen_port = 0;  // free ports: never collide with a running daemon
        if (config.groups[g].health.timeout_ms > longest_timeout_ms)
            longest_timeout_ms = config.groups[g].health.timeout_ms;
    }
    std::unique_ptr<stbf::SizedEngine> sized = stbf::make_sized_engine(config.capacity);
    if (!sized) {
        std::fprintf(stderr, "stbfailover probe: capacity out of range\n");
        return 1;
    }
    stbf::Engine* engine = &sized->engine;
    auto runtime = std::make_unique<stbf::SizedRuntime>(*engine, table);
    if (tls) runtime->set_transport_selector(&stbf::daemon::select_tls_transport, tls.get());
    stbf::Status st = runtime->init(config, table->now(table->ctx));
    if (st != stbf::Status::Ok) {
        std::fprintf(stderr, "stbfailover probe: cannot start: %s\n", stbf::status_name(st));
        return 1;
    }

    // The engine checks every enabled server within its first 2 s; each check ends by its
    // timeout. Wait for the first result of each, bounded by that.
    std::vector<ProbeRow> rows;
    std::vector<stbf::ServerSlot> slots;
    for (uint16_t g = 0; g < engine->group_count(); ++g) {
        for (uint16_t i = 0; i < config.groups[g].server_count; ++i) {
            stbf::ServerSlot slot = engine->group_server(g, i);
            const stbf::ServerConfig* s = engine->server_config(slot);
            if (s == nullptr) continue;
            ProbeRow r;
            r.group = config.groups[g].name.c_str();
            r.label = s->label.c_str();
            r.address = stbf::daemon::host_port_text(s->host.c_str(), s->port);
            r.protocol = stbf::protocol_name(s->protocol);
            r.enabled = s->enabled;
            r.greeting_checked = greeting_expected(*s);
            rows.push_back(r);
            slots.push_back(slot);
        }
    }
    const stbf::TimeUs give_up = runtime->now() + (3000ull + longest_timeout_ms) * 1000ull;
    for (int round = 0; round < 100000 && runtime->now() < give_up; ++round) {
        size_t pending = 0;
        for (size_t i = 0; i < rows.size(); ++i) {
            ProbeRow& r = rows[i];
            if (!r.enabled || r.done) continue;
            stbf::ServerStatus ss = engine->server_status(slots[i]);
            if (ss.probes_ok + ss.probes_failed == 0) {
                ++pending;
                continue;
            }
            r.done = true;
            r.ok = ss.probes_ok > 0;
            r.check_ms = ss.ewma_connect_us / 1000.0;
            r.reason = r.ok ? "" : stbf::reason_name(ss.last_failure);
        }
        if (pending == 0) break;
        runtime->step(100000);
    }
    runtime->shutdown();

    if (json)
        print_json(rows);
    else
        print_table(rows);
    for (const ProbeRow& r : rows)
        if (r.enabled && !r.ok) return 1;
    return 0;
}

}  // namespace

STBF_COMMAND(probe, "check every server of a config once and print a table", cmd_probe);
