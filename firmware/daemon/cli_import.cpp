// `stbfailover import --from FILE [--softcam-config OUT]`: turn a box owner's CCcam.cfg or
// oscam.server into stbfailover's JSON config (printed), and optionally write the softcam side
// that points the softcam at stbfailover.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "cli_options.h"
#include "command.h"
#include "config_json.h"
#include "config_diagnostics.h"
#include "text_file.h"
#include "softcam_writer.h"
#include "stbf/grouping.h"

namespace {

void usage(std::FILE* to) {
    std::fprintf(
        to,
        "usage: stbfailover import --from FILE [--format auto|cccam|oscam]\n"
        "                          [--listen-port-base N] [--softcam-config OUT]\n"
        "  Prints the JSON config FILE (a CCcam.cfg or oscam.server) maps to: servers\n"
        "  with the same account form one group with one local listen port.\n"
        "  --softcam-config OUT  also write FILE rewritten so the softcam connects to\n"
        "                        those ports on 127.0.0.1, one reader/line per slot\n"
        "                        (OUT may be FILE itself; the old OUT is kept as\n"
        "                        OUT.bak; written atomically). On a box, use\n"
        "                        `stbfailover setup` instead: it also writes the\n"
        "                        daemon's config, restarts the softcam and can be undone.\n"
        "Passwords and keys are never printed; the JSON does not need them.\n"
        "Exit status: 0 done, 1 FILE has errors or OUT could not be written (nothing\n"
        "written), 2 usage error.\n");
}

bool points_at_this_box(const stbf::ServerConfig& s) {
    const char* h = s.host.c_str();
    return std::strcmp(h, "localhost") == 0 || std::strcmp(h, "::1") == 0 ||
           std::strncmp(h, "127.", 4) == 0;
}

int cmd_import(int argc, char** argv) {
    const char* from = nullptr;
    const char* out_path = nullptr;
    stbf::fw::FileFormat format = stbf::fw::FileFormat::Auto;
    long port_base = -1;
    stbf::cli::OptionReader args("import", argc, argv, usage);
    const char* value = nullptr;
    while (args.next()) {
        if (args.value(nullptr, "--from", &from) ||
            args.value(nullptr, "--softcam-config", &out_path)) {
            continue;
        }
        if (args.value(nullptr, "--format", &value)) {
            const std::string f = value;
            if (f == "cccam")
                format = stbf::fw::FileFormat::Cccam;
            else if (f == "oscam")
                format = stbf::fw::FileFormat::Oscam;
            else if (f != "auto") {
                std::fprintf(stderr, "stbfailover import: --format must be auto, cccam or oscam\n");
                return 2;
            }
        } else if (args.value(nullptr, "--listen-port-base", &value)) {
            char* end = nullptr;
            port_base = std::strtol(value, &end, 10);
            if (*end != '\0' || port_base < 1 || port_base > 65535) {
                std::fprintf(stderr, "stbfailover import: --listen-port-base must be 1..65535\n");
                return 2;
            }
        } else {
            return args.unmatched();
        }
    }
    if (from == nullptr) {
        usage(stderr);
        return 2;
    }

    std::string text, why;
    if (!stbf::fw::read_text_file(from, &text, &why)) {
        std::fprintf(stderr, "%s: error: cannot read: %s\n", from, why.c_str());
        return 1;
    }
    if (format == stbf::fw::FileFormat::Auto) format = stbf::fw::detect_format(text);
    if (format == stbf::fw::FileFormat::Json) {
        std::fprintf(stderr, "%s: error: import takes a CCcam.cfg or oscam.server, not JSON\n",
                     from);
        return 1;
    }
    auto cfg = std::make_unique<stbf::Config>();
    auto diags = std::make_unique<stbf::Diagnostics>();
    stbf::fw::Globals globals;
    std::vector<stbf::fw::SoftcamSource> sources;
    stbf::fw::LoadResult result = stbf::fw::load_config_text(
        text, from, format, cfg.get(), &globals, diags.get(), &sources, false);
    if (result == stbf::fw::LoadResult::Ok && port_base > 0) {
        cfg->listen_port_base = static_cast<uint16_t>(port_base);
        if (stbf::assign_listen_ports(cfg.get(), diags.get()) != stbf::Status::Ok)
            result = stbf::fw::LoadResult::Invalid;
    }
    stbf::fw::print_diagnostics(stderr, *cfg, *diags, false);
    if (result != stbf::fw::LoadResult::Ok) {
        std::fprintf(stderr, "%s: %zu error%s; nothing imported%s\n", from, diags->errors(),
                     diags->errors() == 1 ? "" : "s",
                     out_path != nullptr ? ", nothing written" : "");
        return 1;
    }
    for (uint16_t i = 0; i < cfg->server_count; ++i) {
        if (points_at_this_box(cfg->servers[i])) {
            std::fprintf(stderr,
                         "%s:%u: warning: server points at this box; was this file already "
                         "rewritten by stbfailover import?\n",
                         from, cfg->servers[i].source.line);
        }
    }
    // Pin every port in the printed JSON: that JSON is what the daemon will run with, and the
    // softcam side gets the slot ports the daemon derives from it.
    std::string json, why_not;
    if (!stbf::fw::json_for_softcam(cfg.get(), globals, &json, &why_not)) {
        std::fprintf(stderr, "stbfailover import: %s; nothing written\n", why_not.c_str());
        return 1;
    }
    if (out_path != nullptr) {
        const std::string rewritten = stbf::fw::rewrite_softcam_config(sources[0], *cfg);
        std::string backup, error;
        if (!stbf::fw::write_file_atomic(out_path, rewritten, &backup, &error)) {
            std::fprintf(stderr, "stbfailover import: %s; %s is unchanged\n", error.c_str(),
                         out_path);
            return 1;
        }
        std::fprintf(stderr, "wrote %s%s%s\n", out_path,
                     backup.empty() ? "" : ", old file kept as ", backup.c_str());
    }
    std::fwrite(json.data(), 1, json.size(), stdout);
    return 0;
}

}  // namespace

STBF_COMMAND(import,
             "print the JSON config for a CCcam.cfg / oscam.server; --softcam-config rewrites it",
             cmd_import);
