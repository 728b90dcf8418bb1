// `stbfailover run`: the foreground daemon (see daemon.h).
#include <cstdio>
#include <string>

#include "cli_options.h"
#include "command.h"
#include "daemon.h"
#include "stbf/posix_port.h"
#include "supervisor.h"

namespace {

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "usage: stbfailover run -c FILE [--pidfile PATH] [--log-level LEVEL] [--syslog]"
        " [--restart]\n"
        "  Runs in the foreground. SIGHUP reloads FILE, SIGTERM/SIGINT drain and exit.\n"
        "  --restart: supervise the daemon; a crash is logged and restarted (supervisor.h).\n"
        "  LEVEL: error, warning, notice, info, debug (default: the config's log_level)\n");
}

int cmd_run(int argc, char** argv) {
    stbf::daemon::DaemonOptions options;
    stbf::cli::OptionReader args("run", argc, argv, usage);
    const char* value = nullptr;
    bool restart = false;
    while (args.next()) {
        if (args.value("-c", "--config", &value)) {
            options.config_path = value;
        } else if (args.value(nullptr, "--pidfile", &value)) {
            options.pidfile = value;
        } else if (args.value(nullptr, "--log-level", &value)) {
            if (!stbf::parse_log_level(value, &options.log_level))
                return args.usage_error(("unknown log level '" + std::string(value) + "'").c_str());
            options.log_level_set = true;
        } else if (args.flag(nullptr, "--syslog")) {
            options.use_syslog = true;
        } else if (args.flag(nullptr, "--restart")) {
            restart = true;
        } else {
            return args.unmatched();
        }
    }
    if (options.config_path.empty()) return args.usage_error("-c FILE is required");
    if (!restart) return stbf::daemon::run_daemon(options, &stbf::daemon::load_daemon_config);
    // The pidfile names the supervisor: that is the process the init script signals.
    stbf::daemon::SupervisorOptions supervisor;
    supervisor.use_syslog = options.use_syslog;
    supervisor.pidfile = options.pidfile;
    options.pidfile.clear();
    return stbf::daemon::supervise(supervisor, [&options] {
        return stbf::daemon::run_daemon(options, &stbf::daemon::load_daemon_config);
    });
}

}  // namespace

STBF_COMMAND(run, "run the failover daemon in the foreground", cmd_run);
