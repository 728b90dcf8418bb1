// `stbfailover check -c FILE`: validate a config and everything it imports, and say what it
// means (groups, their listen ports and servers), or list every problem with its place.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "cli_options.h"
#include "command.h"
#include "config_json.h"
#include "config_diagnostics.h"
#include "config_sources.h"
#include "config_tls.h"
#include "daemon.h"
#include "status_report.h"
#include "stbf/engine.h"
#include "stbf/grouping.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/stbfailover/stbfailover.json";
constexpr const char* kMasked = "****";  // same length whatever the secret is

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: stbfailover check [-c FILE] [-v] [--strict]\n"
                 "  -c, --config FILE  config to check (default %s); a CCcam.cfg or\n"
                 "                     oscam.server is checked as it would be imported\n"
                 "  -v, --verbose      also print notes (lines recognised and skipped)\n"
                 "  --strict           warnings are errors (for image maintainers: a softcam\n"
                 "                     file's skipped readers and lines fail the check)\n"
                 "Exit status: 0 config is usable, 1 it has errors, 2 usage error.\n",
                 kDefaultConfig);
}

std::string where(const stbf::Config& cfg, const stbf::SourceRef& src) {
    if (src.file >= cfg.file_count) return "";
    std::string s = cfg.files[src.file].c_str();
    if (src.line > 0) s += ":" + std::to_string(src.line);
    return s;
}

void print_summary(const stbf::Config& cfg, const stbf::fw::Globals& globals) {
    std::printf("%s: OK: %u group%s, %u server%s\n", cfg.files[0].c_str(), cfg.group_count,
                cfg.group_count == 1 ? "" : "s", cfg.server_count,
                cfg.server_count == 1 ? "" : "s");
    std::printf("control socket %s, metrics %s, web %s%s, log level %s\n",
                globals.control_socket.c_str(),
                globals.metrics_listen.empty() ? "off" : globals.metrics_listen.c_str(),
                globals.web_listen.empty() ? "off" : globals.web_listen.c_str(),
                globals.web_listen.empty()     ? ""
                : globals.web_password.empty() ? " (no password)"
                                               : " (password set)",
                globals.log_level.c_str());
    for (uint16_t gi = 0; gi < cfg.group_count; ++gi) {
        const stbf::GroupConfig& g = cfg.groups[gi];
        std::printf("\ngroup %s: listen %s%s, mode %s%s, %u server%s\n", g.name.c_str(),
                    stbf::daemon::group_listen_text(g).c_str(), g.listen_pinned ? "" : " (derived)",
                    stbf::mode_name(g.mode), g.sticky ? " sticky" : "", g.server_count,
                    g.server_count == 1 ? "" : "s");
        const uint8_t slots = stbf::group_slot_count(cfg, g);
        if (slots > 1) {
            std::string ports;
            for (uint8_t k = 0; k < slots; ++k)
                ports += (k > 0 ? ", " : "") + std::to_string(g.slot_ports[k]);
            std::printf("  %u slots on ports %s (one softcam reader each)\n", slots, ports.c_str());
        }
        const long linked = stbf::linked_group(cfg, gi);
        if (linked >= 0) {
            const stbf::GroupConfig& other = cfg.groups[linked];
            stbf::daemon::GroupReport link;
            link.linked_group = other.name.c_str();
            link.linked_protocol = stbf::protocol_name(cfg.servers[other.servers[0]].protocol);
            std::printf("  %s\n", stbf::daemon::linked_group_text(link).c_str());
        }
        for (uint16_t k = 0; k < g.server_count; ++k) {
            const stbf::ServerConfig& s = cfg.servers[g.servers[k]];
            std::string line = std::string("  ") + std::to_string(k + 1) + ". " +
                               stbf::protocol_name(s.protocol) + " " +
                               stbf::daemon::host_port_text(s.host.c_str(), s.port);
            if (!s.user.empty()) line += std::string(" user ") + s.user.c_str();
            if (!s.password.empty()) line += std::string(" password ") + kMasked;
            if (s.has_key) line += std::string(" key ") + kMasked;
            if (s.backup) line += " backup";
            if (!s.enabled) line += " disabled";
            if (s.weight != 100) line += " weight " + std::to_string(s.weight);
            if (s.priority != 0) line += " priority " + std::to_string(s.priority);
            const std::string tls = stbf::fw::server_tls_text(s.tls);
            if (!tls.empty()) line += " " + tls;
            const std::string from = where(cfg, s.source);
            if (!from.empty()) line += " (" + from + ")";
            std::printf("%s\n", line.c_str());
        }
    }
    if (!globals.imports.empty()) std::printf("\nsoftcam files\n");
    for (const stbf::fw::ImportSummary& im : globals.imports)
        std::printf(
            "  %s: %zu imported, %zu skipped (see the warnings), %zu left alone (disabled "
            "or not relayed)\n",
            im.path.c_str(), im.counts.imported, im.counts.skipped, im.counts.left);
    if (!globals.sources.empty()) std::printf("\nserver lists (fetched by the daemon)\n");
    for (const stbf::fw::SourceSpec& src : globals.sources)
        std::printf("  %s\n", stbf::fw::source_text(globals, src).c_str());
}

int cmd_check(int argc, char** argv) {
    const char* path = kDefaultConfig;
    bool verbose = false;
    bool strict = false;
    stbf::cli::OptionReader args("check", argc, argv, usage);
    while (args.next()) {
        if (args.value("-c", "--config", &path)) continue;
        if (args.flag(nullptr, "--strict")) {
            strict = true;
            continue;
        }
        if (args.flag("-v", "--verbose")) {
            verbose = true;
            continue;
        }
        return args.unmatched();
    }
    auto cfg = std::make_unique<stbf::Config>();
    auto diags = std::make_unique<stbf::Diagnostics>();
    stbf::fw::Globals globals;
    stbf::fw::LoadResult result = stbf::fw::load_config(path, cfg.get(), &globals, diags.get());
    if (strict && diags->warnings() > 0) {
        auto promoted = std::make_unique<stbf::Diagnostics>();
        for (size_t i = 0; i < diags->count(); ++i) {
            const stbf::Diagnostic& d = diags->at(i);
            const stbf::Severity sev =
                d.severity == stbf::Severity::Warning ? stbf::Severity::Error : d.severity;
            promoted->add(sev, d.where, d.column, d.message, d.detail.c_str(), d.detail.size());
        }
        diags = std::move(promoted);
        result = stbf::fw::LoadResult::Invalid;
    }
    stbf::fw::print_diagnostics(stderr, *cfg, *diags, verbose);
    if (result != stbf::fw::LoadResult::Ok) {
        std::fprintf(stderr, "%s: %zu error%s, %zu warning%s; the config is not usable\n", path,
                     diags->errors(), diags->errors() == 1 ? "" : "s", diags->warnings(),
                     diags->warnings() == 1 ? "" : "s");
        return 1;
    }
    const std::string missing = stbf::daemon::missing_tls_message(*cfg, globals.sources);
    if (!missing.empty()) {
        std::fprintf(stderr, "%s: error: %s\n", path, missing.c_str());
        return 1;
    }
    print_summary(*cfg, globals);
    if (!verbose && diags->notes() > 0)
        std::printf("\n%zu note%s about skipped lines (see them with -v)\n", diags->notes(),
                    diags->notes() == 1 ? "" : "s");
    return 0;
}

}  // namespace

STBF_COMMAND(check, "validate a config (JSON, CCcam.cfg or oscam.server) and show its groups",
             cmd_check);
