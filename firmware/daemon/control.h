// Control socket: how `stbfailover status` (and the Enigma2 plugin) talk to the running daemon.
//
// A unix stream socket (path from the config, default /var/run/stbfailover.sock, mode 0600).
// Protocol: the client sends one line and the daemon answers and closes:
//   "status"       -> the text table (status_report.h)
//   "status json"  -> the status JSON, version 1, followed by "\n"
//   "reload"       -> "ok generation N\n", or "error: reload rejected, ...\n" followed by the
//                     loader's "FILE:LINE:COL: severity: message" lines (old config stays)
//   "status events" -> the event history, one line per event, oldest first
//   "server\tSTATE\tGROUP\tSERVER\tGRACE_MS" (admin_request_line) -> "ok: ..." lines, one per
//                     server changed, or "error: ..." (unknown group or server). STATE is
//                     enabled, drain or disabled; an empty SERVER means every server of GROUP.
//                     Tabs separate the fields because names may hold spaces (never tabs:
//                     the loader refuses control characters in names).
// Anything else gets "error: unknown request '...'\n". No answer ever carries a secret.
#ifndef STBF_FIRMWARE_CONTROL_H
#define STBF_FIRMWARE_CONTROL_H

#include <functional>
#include <string>

#include "request_server.h"
#include "stbf/engine.h"

namespace stbf::daemon {

/// Default control socket path when the config names none.
constexpr const char* kDefaultControlSocket = "/var/run/stbfailover.sock";

/// An admin change asked for by `stbfailover server ...` or the web page.
struct AdminRequest {
    AdminState state = AdminState::Enabled;
    std::string group;   ///< group name
    std::string server;  ///< server label (or host:port); "" with `all`
    bool all = false;    ///< every server of the group
    uint32_t grace_ms = 0;  ///< disabled: live sessions are cut after this
};

/// The control line for `request`.
std::string admin_request_line(const AdminRequest& request);
/// Parses a control line made by admin_request_line; false with *error otherwise.
bool parse_admin_request(const std::string& line, AdminRequest* out, std::string* error);

/// What the control socket can do; filled by the daemon.
struct ControlHandlers {
    std::function<std::string(bool json)> status;
    /// Reloads the config; returns the answer line without "\n".
    std::function<std::string()> reload;
    /// The event history as text (may be unset: "error: ...").
    std::function<std::string()> events;
    /// Carries out an admin request from local user `peer` ("uid 0"); the answer lines.
    std::function<std::string(const AdminRequest& request, const std::string& peer)> server;
};

/// The answer to one request line (without its "\n"; a trailing "\r" is ignored) from `peer`.
std::string control_answer(const std::string& line, const ControlHandlers& handlers,
                           const std::string& peer = "");

/// A RequestServer speaking the control protocol through `handlers` (which must outlive it).
class ControlServer : public RequestServer {
  public:
    explicit ControlServer(const ControlHandlers& handlers);
};

/// Peer key of a unix-socket client for RequestServer::set_peer_key: "uid N" from SO_PEERCRED
/// ("uid ?" if unknown), so the per-peer cap is per local user.
std::string unix_peer_key(int fd);

/// Creates the listening unix socket at `path`. A socket file left by a daemon that died is
/// replaced; if a daemon still answers there, fails with "already running". Returns the
/// descriptor (hand it to PosixPort::adopt_fd) or -1 with `*error` set.
int open_control_socket(const std::string& path, std::string* error);

/// Client side: sends `request` + "\n" to the daemon at `path` and reads the answer until the
/// daemon closes. Fails (false, `*error`) when no daemon listens, or after `timeout_ms`.
/// (Which socket a client command talks to: cli_socket.h.)
bool control_request(const std::string& path, const std::string& request, std::string* answer,
                     std::string* error, int timeout_ms = 5000);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_CONTROL_H
