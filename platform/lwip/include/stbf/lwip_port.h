// The lwIP port: the port contract (port.h) on lwIP's raw TCP API, as a receiver running an
// RTOS with lwIP would use it, proven here on Debian's liblwip (lwIP 2.1) inside one process.
//
// How it maps the contract:
//  - One thread, no tcpip thread: the port calls lwIP's raw API itself and runs the stack from
//    `poll` (loopback delivery through netif_poll, then lwIP's timers with
//    sys_check_timeouts). lwIP's clock (sys_now) is the port's clock, so lwIP's timers
//    (retransmission, delayed ACK, TIME_WAIT) run on the same time base the runtime schedules
//    on; with `virtual_clock` the clock only moves inside `poll` when nothing is ready, which
//    makes a whole failover scenario deterministic and fast (as on the sim port).
//  - Socket handles index a fixed table (lowest free first, so handles are reused). A socket
//    remembers what lwIP's callbacks reported (received pbufs, FIN, error) and readiness is
//    computed from that state when `poll` collects events: level-triggered by construction.
//  - Received data is acknowledged to lwIP (tcp_recved) only when the caller reads it, so a
//    slow reader closes the TCP window: back-pressure reaches the sender as on a real stack.
//  - Name resolution: numeric IPv4/IPv6 literals and a small host table (options.hosts; an
//    RTOS port would add lwIP's DNS client here). Results are delivered by `poll`, once.
//  - The whole lwIP stack is process-wide (lwIP has one stack); several LwipPort objects share
//    it, each with its own socket table. The loopback interface 127.0.0.1/8 is added once.
//
// Linking: the port defines lwIP's sys_now() and tcpip_try_callback() (the shared library's own
// calls resolve to them), which is how a NO_SYS-style single-threaded port runs Debian's
// threaded build. Do not link it into a program that also starts lwIP's tcpip thread.
#ifndef STBF_LWIP_PORT_H
#define STBF_LWIP_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "stbf/port.h"

namespace stbf {

struct LwipPortOptions {
    /// Clock that only moves inside poll when nothing is ready (tests, simulations); otherwise
    /// CLOCK_MONOTONIC, and poll sleeps until the deadline or lwIP's next timer.
    bool virtual_clock = false;
    /// Lines less severe than this are dropped.
    stbf_log_level log_level = STBF_LOG_INFO;
    /// Where log lines go (default: stderr).
    void (*log_sink)(void* user, stbf_log_level level, const char* msg, size_t len) = nullptr;
    void* log_user = nullptr;
    /// Names resolve_start knows besides numeric literals: name -> numeric address. Default:
    /// "localhost" -> 127.0.0.1.
    std::vector<std::pair<std::string, std::string>> hosts = {{"localhost", "127.0.0.1"}};
    /// Seed mixed into `random` (a box would pass its serial number or MAC).
    uint64_t seed = 0;
};

class LwipPort {
  public:
    static std::unique_ptr<LwipPort> create(const LwipPortOptions& options = LwipPortOptions());
    ~LwipPort();
    LwipPort(const LwipPort&) = delete;
    LwipPort& operator=(const LwipPort&) = delete;

    /// The contract table; valid for the life of this object. Hand it to the runtime.
    const stbf_port* table() const;

    /// Abortive close (RST to the peer) of a connected socket, then as tcp_close. Not part of
    /// the contract: for test peers and embedders that must reset a connection.
    void abort(stbf_sock s);

    /// Virtual clock only: moves the clock forward by `us` (no-op on the real clock).
    void advance(uint64_t us);

    struct Impl;

  private:
    explicit LwipPort(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace stbf

#endif  // STBF_LWIP_PORT_H
