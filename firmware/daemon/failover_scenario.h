// Failover scenarios on this machine's loopback with the core runtime over the POSIX port (no
// real line needed), all over three stand-in upstreams A, B, C (standin.h) in one ordered group:
//  - run_failover_scenario (bench_failover): one fast client that reconnects a fixed delay
//    after every close. Kills the upstream serving it; once it is served again hangs the
//    upstream serving it then; ends when it is served a third time, or gives up after a bound.
//  - run_black_screen (bench_black_screen --real, loopback tests): the OSCam-like softcam
//    direct or through one or two slots, through a kill, hang or flap.
//  - run_slots_demo (`stbfailover demo`): two slots, one upstream killed, then one hung.
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

/// A config with one ordered group "demo" on 127.0.0.1 over `upstreams`, in that order, with
/// the given hang window. One slot: on a free port the runtime picks (port 0). More slots: on
/// free ports picked here (slot_ports), so every reader knows its port before the runtime runs.
std::unique_ptr<Config> make_group_config(const std::vector<const Upstream*>& upstreams,
                                          uint32_t hang_timeout_ms, uint8_t slots = 1);

struct ScenarioOptions {
    double reconnect_ms = 100;  ///< the client's own reconnect delay after a close
    double keepalive_ms = 500;  ///< client keepalive period (a real softcam: ~15 s)
    uint32_t hang_timeout_ms = SessionSettings{}.hang_timeout_ms;  ///< the product default
    double settle_ms = 1500;  ///< time served before the next fault
    double bound_ms = 14000;  ///< the whole scenario gives up after this
};

struct ScenarioResult {
    bool ok = false;
    std::string error;                          ///< why not ok
    std::string first, after_kill, after_hang;  ///< upstreams that served, in order
    double kill_to_close_ms = -1;               ///< upstream killed -> the client saw the close
    double close_to_served_ms = -1;       ///< close -> served again (includes its reconnect delay)
    double unanswered_to_close_ms = -1;   ///< first unanswered keepalive -> session cut
    double unanswered_to_served_ms = -1;  ///< first unanswered keepalive -> served by another
};

/// Runs the scenario once. `narrate` (may be empty) gets one timeline line at a time, from this
/// thread or the client's, never both at once. ok is true when each fault moved the client to
/// a different upstream.
ScenarioResult run_failover_scenario(const ScenarioOptions& options,
                                     const std::function<void(const std::string&)>& narrate);

// ---- black-screen time: the OSCam-like softcam through faults (bench_black_screen, tests) ----

/// How the softcam reaches its line: on its own with one or two readers (the second a fallback
/// reader), or through stbfailover with one or two slots (one reader per slot).
enum class Setup : uint8_t { DirectOne, DirectTwo, RelayOneSlot, RelayTwoSlots };
/// What happens to the upstream serving the first reader.
enum class Fault : uint8_t { Kill, Hang, Flap };
const char* setup_name(Setup s);
const char* fault_name(Fault f);
/// Readers the softcam has in a setup.
unsigned setup_readers(Setup s);

struct BlackScreenOptions {
    Setup setup = Setup::DirectTwo;
    Fault fault = Fault::Kill;
    sim::SoftcamOptions softcam;  ///< readers are set from the setup
    double warmup_ms = 16000;     ///< before the fault
    double fault_ms = 30000;      ///< kill: down this long; hang: frozen; flap: flapping
    double flap_up_ms = 4000, flap_down_ms = 4000;
    double after_ms = 20000;  ///< after the failed upstream is back
    uint32_t hang_timeout_ms = SessionSettings{}.hang_timeout_ms;
    /// Relay setups: starts stbfailover over the upstreams' ports (A, B, C, in order) with
    /// `slots` slots and stores the slot ports; false with `*error` if it could not. Empty: the
    /// runtime over the POSIX port in this process. (Tests plug the `stbfailover run` process
    /// in here.)
    std::function<bool(const std::vector<uint16_t>& upstream_ports, unsigned slots,
                       std::vector<uint16_t>* slot_ports, std::string* error)>
        start_relay;
};

struct BlackScreenResult {
    bool ok = false;
    std::string error;
    std::vector<sim::SoftcamRequest> requests;
    std::vector<sim::ReaderEvent> events;
    uint64_t fault_at_us = 0, back_at_us = 0, end_us = 0;  ///< model time
    std::string victim;                     ///< upstream that served reader 0 at the fault
    std::vector<std::string> homes_during;  ///< per reader near the end of the fault ("-": none)
    std::vector<std::string> homes_end;     ///< per reader at the end
};

/// Three line upstreams A, B, C on loopback, the setup's path (the runtime over the POSIX port
/// for the relay setups, in ordered mode over A, B, C), the fault, then `after_ms` with the
/// upstream back. Real time: about warmup + fault + after. `narrate` (may be empty) gets one
/// line per notable event, from any thread, one at a time.
BlackScreenResult run_black_screen(const BlackScreenOptions& options,
                                   const std::function<void(const std::string&)>& narrate);

// ---- the demo: two slots, one upstream killed, then one hung --------------------------------

struct SlotsDemoOptions {
    sim::SoftcamOptions softcam = [] {
        sim::SoftcamOptions o;
        o.idle_tick_us = 4'000'000;  // shorter than OSCam's ~13 s so the demo stays short
        o.ecm_start_us = 1'000'000;
        return o;
    }();
    uint32_t hang_timeout_ms = SessionSettings{}.hang_timeout_ms;
    double settle_ms = 3000;       ///< time served before the next step
    double step_bound_ms = 15000;  ///< each step gives up after this
};

struct SlotsDemoResult {
    bool ok = false;
    std::string error;
    std::vector<std::string> homes_start, homes_after_kill, homes_after_hang;  ///< per slot
    std::string killed, hung;
    unsigned requests = 0, lost = 0, late = 0;  ///< due after both slots first logged in
    double longest_gap_ms = 0;
    unsigned min_logged_in = 0;  ///< fewest readers logged in at any time after both were
};

/// The softcam with one reader per slot of a two-slot group over A, B, C (runtime over the
/// POSIX port, loopback): kills the upstream serving slot 1; once slot 1 is served again (the
/// softcam's own fallback reader answers meanwhile) brings it back and hangs the upstream now
/// serving slot 1; ends when slot 1 is served again. ok when no request was lost, a reader was
/// logged in all the time and the slots ended on distinct healthy upstreams after each fault.
SlotsDemoResult run_slots_demo(const SlotsDemoOptions& options,
                               const std::function<void(const std::string&)>& narrate);

}  // namespace stbf::standin

#endif  // STBF_FIRMWARE_FAILOVER_SCENARIO_H
