// Status report: one snapshot of the daemon and its engine, rendered three ways — the status
// JSON (version 1, the shape the Enigma2 plugin codes against), the text table of
// `stbfailover status`, and Prometheus metrics (metrics.h). Building the snapshot once keeps the
// three views consistent.
//
// No secret ever enters a report: passwords and DES keys are not copied into it. The account
// user name is shown (it is how a box owner recognises a line).
#ifndef STBF_FIRMWARE_STATUS_REPORT_H
#define STBF_FIRMWARE_STATUS_REPORT_H

#include <stdint.h>

#include <functional>
#include <string>
#include <vector>

#include "event_log.h"
#include "stbf/engine.h"

namespace stbf::daemon {

/// Daemon-level facts the engine does not know.
struct DaemonFacts {
    long pid = 0;
    uint64_t uptime_s = 0;
    std::string config_path;
    unsigned restarts = 0;          ///< restarts by `run --restart` after crashes (supervisor.h)
    std::string last_restart_reason;  ///< exit reason of the crashed predecessor, "" if none
    bool reloaded = false;  ///< false until the first reload attempt
    bool last_reload_ok = true;
    std::string last_reload_message;  ///< "FILE:LINE: message" of a failed reload, or "ok"
    uint64_t last_reload_ago_s = 0;   ///< valid when `reloaded`
    /// Reason the latest TLS connection to a server was refused ("pin mismatch: ..."), "" when
    /// none or the server is not TLS. Unset: no TLS support in this binary.
    std::function<std::string(const ServerConfig&)> tls_failure_of;
    /// Descriptors of the daemon process (-1: unknown): open ones, the sockets among them, and
    /// the limit (RLIMIT_NOFILE). Running out of them is the box's problem, not a server's.
    long open_fds = -1, open_sockets = -1, max_fds = -1;
    /// The daemon's local ports (control, metrics, web): clients now, and since start those
    /// closed at once (every place busy) and idle ones closed to make room.
    struct LocalPort {
        std::string name;
        uint64_t connections = 0, refused = 0, evicted = 0;
    };
    std::vector<LocalPort> local_ports;
    uint64_t log_lines_suppressed = 0;  ///< log lines folded by the rate limit
};

/// State of one provider server list (a "source" of the config).
struct SourceReport {
    std::string url;
    std::string group;   ///< group its servers join; "" = its own groups
    bool ok = false;     ///< a list is in use and the latest refresh (or cache load) succeeded
    std::string reason;  ///< why not ok ("dns: ...", "http status: 404", "bad body: ..."); "" if ok
    std::string failure;  ///< its kind for metrics: "dns", "tcp", "tls", "http status", "bad body",
                          ///< "timeout", ..., "cache", "not applied", "no list yet"; "" if ok
    bool has_success = false;
    uint64_t last_success_ago_s = 0;  ///< since the latest successful fetch (valid if has_success)
    double next_fetch_s = 0;          ///< until the next refresh (0 = running now)
    uint32_t servers = 0;             ///< servers of the list in use (0 = none yet)
};

struct ServerReport {
    std::string label, host, protocol, user, state, last_failure;
    uint16_t port = 0;
    bool enabled = true, backup = false;
    uint8_t priority = 0;
    uint16_t weight = 0;
    bool has_ewma_connect = false, has_ewma_response = false;
    double ewma_connect_ms = 0, ewma_response_ms = 0;
    uint32_t live_sessions = 0, fail_streak = 0;
    uint32_t probes_ok = 0, probes_failed = 0;
    uint32_t picks = 0, connects_ok = 0, connects_failed = 0, sessions_hung = 0;
    bool tls = false;         ///< connected through TLS
    std::string tls_failure;  ///< latest TLS refusal (certificate, pin, handshake); "" = none
    bool has_next_check = false;
    double next_check_s = 0;
    uint64_t state_since_s = 0;        ///< seconds in the current state (since start if never changed)
    bool has_last_failure_age = false;  ///< the server has failed: last_failure_ago_s holds
    uint64_t last_failure_ago_s = 0;
    bool has_slowstart = false;         ///< ramping up after a recovery
    double slowstart_left_s = 0;
    std::string admin_state = "enabled";  ///< admin_state_name
    std::string admin_set_by;             ///< "" when enabled or unknown
    int64_t admin_since = 0;              ///< Unix seconds; 0 when enabled or unknown
};

/// One local port of a group: the softcam keeps one reader on each.
struct SlotReport {
    uint8_t number = 1;   ///< 1-based, as box owners count
    uint16_t port = 0;
    std::string server;   ///< server of its live session; "" when none (JSON null)
    bool has_since = false;
    uint64_t since_s = 0;  ///< how long it has been on that server
    std::string idle;      ///< why it refuses sessions ("only one usable server"); "" if it does not
};

struct FailoverReport {
    bool happened = false;
    uint64_t ago_s = 0;
    std::string from;
    std::string to;  ///< empty: no server took over (JSON null)
    std::string reason;
};

struct GroupReport {
    std::string name, listen, mode;
    std::string active_server;  ///< empty: none yet (JSON null)
    uint32_t live_sessions = 0, sessions_total = 0, sessions_refused = 0, failovers = 0;
    bool panic = false;
    FailoverReport last_failover;
    std::vector<SlotReport> slots;
    std::vector<ServerReport> servers;
    /// Another group holding the same account on another protocol (grouping.h
    /// same_account_other_protocol); empty if none. stbfailover never fails over between them.
    std::string linked_group, linked_protocol;
};

struct StatusReport {
    DaemonFacts daemon;
    uint32_t config_generation = 0;
    std::vector<GroupReport> groups;
    std::vector<SourceReport> sources;  ///< filled by the daemon; JSON "sources" (additive to v1)
    std::vector<Event> events;          ///< filled by the daemon, oldest first; JSON "events"
    TimeUs now = 0;                     ///< port clock of the snapshot (event ages)
    int64_t wall_now = 0;               ///< Unix seconds of the snapshot
};

/// The event history as text, one line per event: "2026-12-01T21:05:00Z (12s ago) TEXT".
std::string events_text(const StatusReport& report);

/// "same account on newcamd (group X): no failover between protocols; ..." for a linked group.
std::string linked_group_text(const GroupReport& g);

/// Snapshot of `engine` at `now` (port clock) plus `facts`.
StatusReport build_status_report(const Engine& engine, TimeUs now, const DaemonFacts& facts);

/// Status JSON version 1, one line, no trailing newline.
std::string status_json(const StatusReport& report);

/// Human-readable table: one block per group, one line per server.
std::string status_text(const StatusReport& report);

/// "host:port" with an IPv6 literal in brackets (stbf::format_host_port).
std::string host_port_text(const char* host, uint16_t port);

/// "127.0.0.1:20000" / "[::1]:20000" for a group's listen setting (empty address means
/// 127.0.0.1).
std::string group_listen_text(const GroupConfig& group);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_STATUS_REPORT_H
