// `stbfailover run`: the foreground daemon (see daemon.h).
#include <cstdio>
#include <cstring>

#include "command.h"
#include "daemon.h"
#include "stbf/posix_port.h"

namespace {

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "usage: stbfailover run -c FILE [--pidfile PATH] [--log-level LEVEL] [--syslog]\n"
        "  Runs in the foreground. SIGHUP reloads FILE, SIGTERM/SIGINT drain and exit.\n"
        "  LEVEL: error, warning, notice, info, debug (default: the config's log_level)\n");
}

int cmd_run(int argc, char** argv) {
    stbf::daemon::DaemonOptions options;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        bool has_value = i + 1 < argc;
        if ((std::strcmp(a, "-c") == 0 || std::strcmp(a, "--config") == 0) && has_value) {
            options.config_path = argv[++i];
        } else if (std::strcmp(a, "--pidfile") == 0 && has_value) {
            options.pidfile = argv[++i];
        } else if (std::strcmp(a, "--log-level") == 0 && has_value) {
            if (!stbf::parse_log_level(argv[++i], &options.log_level)) {
                std::fprintf(stderr, "stbfailover run: unknown log level '%s'\n", argv[i]);
                usage(stderr);
                return 2;
            }
            options.log_level_set = true;
        } else if (std::strcmp(a, "--syslog") == 0) {
            options.use_syslog = true;
        } else if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "stbfailover run: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (options.config_path.empty()) {
        std::fprintf(stderr, "stbfailover run: -c FILE is required\n");
        usage(stderr);
        return 2;
    }
    return stbf::daemon::run_daemon(options, &stbf::daemon::load_daemon_config);
}

}  // namespace

STBF_COMMAND("run", "run the failover daemon in the foreground", cmd_run);
