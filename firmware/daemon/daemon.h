// The daemon: event-loop glue around the core runtime for `stbfailover run`.
//
// It loads the config, opens the POSIX port, the runtime (one listener per group), the control
// socket (control.h) and, if configured, the metrics endpoint (metrics.h), then runs the loop:
//  - SIGTERM / SIGINT: stop accepting, close every session, remove the pidfile and the control
//    socket, exit 0.
//  - SIGHUP or "reload" on the control socket: re-read the config. A config that does not load
//    is logged as "FILE:LINE: message" and the old one stays in force with every live session;
//    a good one is applied by the runtime (unchanged groups keep listeners and sessions).
// Signals arrive through a signalfd watched by the same loop, so no handler runs between two
// core calls.
#ifndef STBF_FIRMWARE_DAEMON_H
#define STBF_FIRMWARE_DAEMON_H

#include <functional>
#include <memory>
#include <string>

#include "stbf/model.h"
#include "stbf/port.h"

namespace stbf::daemon {

/// A config as the daemon needs it: the core model plus the daemon's own settings.
struct LoadedConfig {
    std::unique_ptr<Config> config;
    std::string control_socket;  ///< empty: kDefaultControlSocket
    std::string metrics_listen;  ///< "127.0.0.1:9105" / "[::1]:9105"; empty: no metrics
    std::string log_level;       ///< from the config; used unless the command line sets one
    std::string warnings;        ///< the loader's warning lines (logged, not fatal)
};

/// Loads the config at `path`. On failure returns false and sets `*error` to one
/// "FILE:LINE: message" line per problem (no secret in it).
using ConfigLoader =
    std::function<bool(const std::string& path, LoadedConfig* out, std::string* error)>;

/// The JSON config loader of firmware/daemon (config_json.h) behind the ConfigLoader shape.
bool load_daemon_config(const std::string& path, LoadedConfig* out, std::string* error);

struct DaemonOptions {
    std::string config_path;
    std::string pidfile;         ///< empty: none
    std::string control_socket;  ///< overrides the config's path when not empty
    stbf_log_level log_level = STBF_LOG_INFO;
    bool log_level_set = false;  ///< true: `log_level` wins over the config's log_level
    bool use_syslog = false;
};

/// Parses "127.0.0.1:9105" or "[::1]:9105" (numeric only) into `*out`. False if malformed.
bool parse_listen_addr(const std::string& text, stbf_addr* out);

/// Runs the daemon until SIGTERM/SIGINT. Returns the process exit code: 0 after a clean stop,
/// 1 when it could not start (config, listen, control socket; the reason is logged).
/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (they are read from a signalfd),
/// ignores SIGPIPE, and points closed descriptors 0-2 at /dev/null.
int run_daemon(const DaemonOptions& options, const ConfigLoader& loader);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_DAEMON_H
