// The daemon: event-loop glue around the core runtime for `stbfailover run`.
//
// It loads the config, opens the POSIX port, the runtime (one listener per group), the control
// socket (control.h) and, if configured, the metrics endpoint (metrics.h) and the web status page
// (web.h), then runs the loop:
//  - SIGTERM / SIGINT: stop accepting, close every session, remove the pidfile and the control
//    socket, exit 0.
//  - SIGHUP or "reload" on the control socket: re-read the config (and fetch every provider
//    list again). A config that does not load
//    is logged as "FILE:LINE: message" and the old one stays in force with every live session;
//    a good one is applied by the runtime (unchanged groups keep listeners and sessions).
// Signals arrive through a signalfd watched by the same loop, so no handler runs between two
// core calls.
//
// TLS upstreams and provider server lists come from a TlsExtension (below), made by
// make_tls_extension(): the TLS build links the real one (firmware/tls/daemon_extension.cpp),
// a build without TLS one that makes none (tls_none.cpp). Without an extension, a config with
// a `"tls"` server or a `"source"` is refused with a message saying this build lacks TLS. With
// one: servers marked TLS are connected, probed and hang-checked through TLS; each source's
// cached list is loaded at start, refreshed on its jittered schedule from this loop (never
// blocking the relay), and a new good list is applied like a reload (live sessions kept); a
// failed refresh keeps the last good list. The config in force is always the file's config plus
// every source's current list.
#ifndef STBF_FIRMWARE_DAEMON_H
#define STBF_FIRMWARE_DAEMON_H

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config_json.h"
#include "status_report.h"
#include "stbf/model.h"
#include "stbf/port.h"
#include "stbf/runtime.h"

namespace stbf::daemon {

/// A config as the daemon needs it: the core model plus the daemon's own settings.
struct LoadedConfig {
    std::unique_ptr<Config> config;
    std::string control_socket;  ///< empty: kDefaultControlSocket
    std::string metrics_listen;  ///< "127.0.0.1:9105" / "[::1]:9105"; empty: no metrics
    std::string web_listen;      ///< web status page (web.h); empty: off
    std::string web_password;    ///< its password hash; empty: none (loopback only)
    std::string log_level;       ///< from the config; used unless the command line sets one
    std::string warnings;        ///< the loader's warning lines (logged, not fatal)
    std::vector<fw::SourceSpec> sources;  ///< provider lists whose servers join the config
    std::string cache_dir;                ///< where their last good copies are kept
};

/// TLS and provider lists for the daemon. One per daemon, made by make_tls_extension() with
/// the daemon's port (which it must not outlive). Never blocks.
class TlsExtension {
  public:
    virtual ~TlsExtension() = default;
    /// Makes the TLS transport of every TLS server of `config` (reads CA files). Returns false
    /// with one line per unusable server in *error ("label: cannot load CA file ..."); the
    /// config must then not be applied. Transports of earlier configs stay alive for the
    /// connections they carry.
    virtual bool prepare(const Config& config, std::string* error) = 0;
    /// The runtime's transport for `server`: its TLS transport, null for plain TCP. For a TLS
    /// server that prepare() did not accept, a transport that refuses to connect (never TCP).
    virtual const Transport* transport_for(const ServerConfig& server) = 0;
    /// Latest TLS refusal for `server` ("" when none since its last good handshake).
    virtual std::string tls_failure(const ServerConfig& server) const = 0;
    /// Takes the config's sources: unchanged ones (same URL and options) keep their list and
    /// schedule; new ones load their cache and fetch at once; removed ones are dropped.
    virtual void set_sources(const std::vector<fw::SourceSpec>& sources,
                             const std::string& cache_dir) = 0;
    /// Makes every source fetch at its next poll() (a manual reload asks for fresh lists).
    virtual void refresh_now() = 0;
    /// Moves fetches on; true when some source's list changed (merge and apply again).
    virtual bool poll() = 0;
    /// Adds every source's current list to `config` (fw::merge_source_list). A list that does
    /// not merge is left out and its source reports why.
    virtual void merge_lists(Config* config) = 0;
    /// One report per source, in config order.
    virtual std::vector<SourceReport> source_reports() const = 0;
    /// When poll() next needs calling (port clock); kNever when no source.
    virtual TimeUs next_deadline() const = 0;
};

/// The config to run: `loaded`'s own, plus every provider list `tls` holds (it takes the
/// config's sources first), with the TLS transports prepared. `tls` null: a binary without TLS
/// support. False with *error (no file name in it) when the config needs TLS that cannot be had.
bool config_with_tls(const LoadedConfig& loaded, TlsExtension* tls, Config* out,
                     std::string* error);

/// A TransportSelector (runtime.h) over a TlsExtension passed as `extension`: its transport for
/// TLS servers, null (plain TCP) for the others.
const Transport* select_tls_transport(void* extension, const ServerConfig& server);

/// This binary's TLS support, chosen when it is built rather than registered at start-up (no
/// static initialiser, so the daemon library links plainly). Defined by exactly one of the
/// libraries a binary or test links after stbf_daemon: stbf_tls_daemon
/// (firmware/tls/daemon_extension.cpp; STBF_WITH_TLS=ON and mbedTLS found) or stbf_tls_none
/// (tls_none.cpp). The extension for a daemon on `port` (which must outlive it); null without
/// TLS support.
std::unique_ptr<TlsExtension> make_tls_extension(const stbf_port& port);
/// Whether make_tls_extension() makes one (false: a config that needs TLS is refused).
bool tls_built_in();

/// What in a config needs TLS, named so a box owner finds it ("server X has \"tls\"", "source
/// URL is fetched over HTTPS"); "" when nothing does.
std::string tls_requirement(const Config& config, const std::vector<fw::SourceSpec>& sources);
/// "" when this binary can run the config; else why not (tls_requirement + "but this
/// stbfailover was built without TLS support ...").
std::string missing_tls_message(const Config& config, const std::vector<fw::SourceSpec>& sources);

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

/// Descriptors of this process: open ones and the sockets among them (from /proc/self/fd),
/// and the RLIMIT_NOFILE limit. -1 for what cannot be read.
void count_descriptors(long* open_fds, long* open_sockets, long* max_fds);

/// Parses "127.0.0.1:9105" or "[::1]:9105" (numeric only) into `*out`. False if malformed.
bool parse_listen_addr(const std::string& text, stbf_addr* out);

/// Runs the daemon until SIGTERM/SIGINT. Returns the process exit code: 0 after a clean stop,
/// 1 when it could not start (config, listen, control socket; the reason is logged).
/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (they are read from a signalfd),
/// ignores SIGPIPE, and points closed descriptors 0-2 at /dev/null.
int run_daemon(const DaemonOptions& options, const ConfigLoader& loader);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_DAEMON_H
