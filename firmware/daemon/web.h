// Web status page: an opt-in HTTP port (`web_listen`) with one self-contained page for box
// owners who look at their box from a TV browser or a phone, as they do with their softcam's
// web interface.
//
// Routes (HTTP/1.0 or 1.1, one request per connection, Connection: close):
//   GET  /            the page: HTML with its CSS and script inline, no external asset (boxes
//                     may have no internet); it refreshes itself from /api/status every 3 s and
//                     shows groups, slots, servers (state, since, latency, sessions, last
//                     failure, admin state), the event history and drain/disable/enable buttons
//   GET  /api/status  the status JSON (control.h's "status json")
//   POST /api/server?state=drain|disable|enable&group=G&server=S (or &all=1) [&grace=SECONDS]
//                     an admin change; needs the header X-CSRF-Token with the token the page
//                     carries (a per-start random value), else 403. Answers {"ok":..,"message":..}
// Anything else is 404 / 405 / 400 as for the metrics port.
//
// Access: with `web_password` set, every request needs HTTP Basic credentials whose password
// matches the hash (401 otherwise; the user name is not checked). The loader refuses a
// non-loopback web_listen without a password. Without a password, the Host header must name a
// loopback address or "localhost" (so a web site the owner visits cannot reach the page through
// DNS rebinding). No answer ever carries a secret: the status JSON has none, the password hash
// is never sent, and the CSRF token only goes to clients that passed the checks above.
// Connections have the caps and timeouts of RequestServer.
#ifndef STBF_FIRMWARE_WEB_H
#define STBF_FIRMWARE_WEB_H

#include <functional>
#include <string>

#include "control.h"
#include "request_server.h"

namespace stbf::daemon {

struct WebHandlers {
    std::function<std::string()> status_json;
    /// Carries out an admin change; `by` names who asked ("web 127.0.0.1"). Returns the
    /// control protocol's answer lines ("ok: ..." / "error: ...").
    std::function<std::string(const AdminRequest& request, const std::string& by)> server;
};

struct WebAccess {
    std::string password_hash;  ///< "" = no password (loopback only)
    std::string csrf_token;     ///< required on every POST
};

/// The full HTTP response to `request` (head and body as read, without the final blank line)
/// from peer address `peer`.
std::string web_http_answer(const std::string& request, bool complete, const std::string& peer,
                            const WebAccess& access, const WebHandlers& handlers);

/// The page for `csrf_token` (exposed for tests).
std::string web_page(const std::string& csrf_token);

/// Decodes standard base64 (RFC 4648); false on a bad character or length.
bool base64_decode(const std::string& in, std::string* out);

/// A RequestServer answering web_http_answer. `handlers` must outlive it.
class WebServer : public RequestServer {
  public:
    explicit WebServer(const WebHandlers& handlers);
    /// Sets the password hash ("" = none) and makes a new CSRF token if there is none yet.
    void set_access(const std::string& password_hash);
    const WebAccess& access() const { return access_; }

  private:
    const WebHandlers& handlers_;
    WebAccess access_;
};

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_WEB_H
