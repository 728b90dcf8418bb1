// The failover scenario that `stbfailover demo` shows and bench_failover measures, on this
// machine's loopback with the core runtime over the POSIX port (no real line needed).
//
// Three stand-in CCcam upstreams A, B, C (standin.h) form one ordered group; one stand-in
// softcam keeps a session and reconnects a fixed delay after every close. The scenario kills
// the upstream serving the client; once the client is served again it hangs (freezes) the
// upstream serving it then; it ends when the client is served a third time, or gives up after
// a bound.
#ifndef STBF_FIRMWARE_FAILOVER_SCENARIO_H
#define STBF_FIRMWARE_FAILOVER_SCENARIO_H

#include <stdint.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "standin.h"
#include "stbf/model.h"

namespace stbf::standin {

/// A config with one ordered group "demo" on 127.0.0.1 (free port) over `upstreams`, in that
/// order, with the given hang window.
std::unique_ptr<Config> make_group_config(const std::vector<const Upstream*>& upstreams,
                                          uint32_t hang_timeout_ms);

struct ScenarioOptions {
    double reconnect_ms = 100;        ///< the client's own reconnect delay after a close
    double keepalive_ms = 500;        ///< client keepalive period (a real softcam: ~15 s)
    uint32_t hang_timeout_ms = SessionSettings{}.hang_timeout_ms;  ///< the product default
    double settle_ms = 1500;          ///< time served before the next fault
    double bound_ms = 14000;          ///< the whole scenario gives up after this
};

struct ScenarioResult {
    bool ok = false;
    std::string error;                          ///< why not ok
    std::string first, after_kill, after_hang;  ///< upstreams that served, in order
    double kill_to_close_ms = -1;         ///< upstream killed -> the client saw the close
    double close_to_served_ms = -1;       ///< close -> served again (includes its reconnect delay)
    double unanswered_to_close_ms = -1;   ///< first unanswered keepalive -> session cut
    double unanswered_to_served_ms = -1;  ///< first unanswered keepalive -> served by another
};

/// Runs the scenario once. `narrate` (may be empty) gets one timeline line at a time, from this
/// thread or the client's, never both at once. ok is true when each fault moved the client to
/// a different upstream.
ScenarioResult run_failover_scenario(const ScenarioOptions& options,
                                     const std::function<void(const std::string&)>& narrate);

}  // namespace stbf::standin

#endif  // STBF_FIRMWARE_FAILOVER_SCENARIO_H
