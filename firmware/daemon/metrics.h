// Metrics: Prometheus text exposition format (version 0.0.4) on an opt-in loopback HTTP port
// (`metrics_listen` in the config, e.g. 127.0.0.1:9105).
//
// The HTTP side is deliberately minimal and strict: only "GET /metrics HTTP/1.0|1.1" gets 200;
// another path gets 404, another method 405, anything malformed or over 4 KiB of headers 400.
// One request per connection (Connection: close). Labels carry group and server labels only,
// never an account name or secret.
#ifndef STBF_FIRMWARE_METRICS_H
#define STBF_FIRMWARE_METRICS_H

#include <functional>
#include <string>

#include "request_server.h"
#include "status_report.h"

namespace stbf::daemon {

/// A sample value as the exposition text shows it: integers exactly, other values with six
/// decimals and no trailing zeros ("0.007018").
std::string metric_number(double v);

/// The metrics text for one snapshot.
std::string render_metrics(const StatusReport& report);

/// The full HTTP response to `request` (head up to, without, the blank line). `body` is called
/// only for a valid GET /metrics.
std::string metrics_http_answer(const std::string& request, bool complete,
                                const std::function<std::string()>& body);

/// A RequestServer answering metrics_http_answer with `body` (which must outlive it).
class MetricsServer : public RequestServer {
  public:
    explicit MetricsServer(const std::function<std::string()>& body);
};

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_METRICS_H
