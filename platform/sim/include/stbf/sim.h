// stbfailover simulation port: a deterministic world in virtual time.
//
// World implements the stbf_port table of platform/include/stbf/port.h over a virtual clock
// (stbf/sim/clock.h), a virtual TCP network (stbf/sim/network.h), a name table
// (stbf/sim/resolver.h), scripted upstream servers (stbf/sim/servers.h) and scripted softcam
// clients (stbf/sim/clients.h). Every failover scenario test runs on it.
//
// Determinism: no real time, no threads, no unseeded randomness. Everything that happens is a
// callback on the virtual clock, run in (time, scheduling order); two runs of the same script
// with the same seed produce the same trace, client timelines and port log, byte for byte.
//
// Driving time:
//  - With the code under test (a runtime) on top: its loop calls port()->poll(deadline). When
//    nothing is ready, poll jumps the clock to the next scheduled callback (or to `deadline`,
//    whichever is first), runs what is due, and repeats until an event is ready for the
//    caller or the deadline is reached. It never sleeps. (poll with cap 0 returns 0 at once.)
//  - Without a runtime: run_until(t) / advance(dt) run every callback due up to t.
//  - Own hooks: at(t, fn) / after(dt, fn) run test code at a virtual time.
//
// Example:
//   stbf::sim::World w(/*seed*/ 1, /*start_us*/ 0);
//   const stbf_port* p = w.port();
//   auto& s1 = w.add_server("10.0.0.1", 12000, stbf::sim::ServerBehaviour::cccam());
//   s1.set_latency_us(20'000);
//   w.at(5'000'000, [&] { s1.kill(); });
//   stbf::sim::ClientScript script;
//   script.keepalive_every_us = 15'000'000;
//   auto& c = w.add_client("127.0.0.1", 20000, script);
//   w.run_until(60'000'000);
//
// Logging: the port's `log` lines are kept (log_lines()); the world's own trace of network and
// script events is kept too (trace()). Set STBF_SIM_LOG=1 in the environment to echo both to
// stderr while a test runs.
#ifndef STBF_SIM_H
#define STBF_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "stbf/port.h"
#include "stbf/sim/clients.h"
#include "stbf/sim/clock.h"
#include "stbf/sim/network.h"
#include "stbf/sim/random.h"
#include "stbf/sim/resolver.h"
#include "stbf/sim/servers.h"

namespace stbf::sim {

struct LogLine {
    stbf_time_us at_us;
    stbf_log_level level;
    std::string text;
};

class World {
  public:
    /// `seed` drives port()->random (and nothing else); `start_us` is the first value of the
    /// clock.
    explicit World(uint64_t seed = 1, stbf_time_us start_us = 0);
    World(const World&) = delete;
    World& operator=(const World&) = delete;
    ~World();

    /// The port table for the code under test. Valid as long as the World lives.
    const stbf_port* port() const { return &port_; }

    // ---- time -----------------------------------------------------------------------------

    stbf_time_us now() const { return clock_.now(); }
    /// Run everything due up to `t`, then set the clock to `t` (never backwards).
    void run_until(stbf_time_us t);
    void advance(uint64_t dt_us) { run_until(saturating_add(now(), dt_us)); }
    /// Test hooks at absolute / relative virtual times (see Clock::at).
    Clock::EventId at(stbf_time_us t, std::function<void()> fn) {
        return clock_.at(t, std::move(fn));
    }
    Clock::EventId after(uint64_t dt_us, std::function<void()> fn) {
        return clock_.after(dt_us, std::move(fn));
    }
    bool cancel(Clock::EventId id) { return clock_.cancel(id); }
    /// Safety net for poll / run_until: at most this many callbacks per call (default 10^7);
    /// going past it is logged as an error in the trace (a script rescheduling itself forever).
    void set_max_steps_per_call(size_t n) { max_steps_ = n ? n : 1; }

    Clock& clock() { return clock_; }
    Network& network() { return net_; }
    Resolver& resolver() { return resolver_; }

    // ---- network --------------------------------------------------------------------------

    /// A scripted server on `host:port` (numeric literal). It lives as long as the World.
    Server& add_server(const char* host, uint16_t port, ServerBehaviour behaviour);
    /// A scripted client connecting to `host:port` (numeric literal).
    Client& add_client(const char* host, uint16_t port, ClientScript script);
    /// An OSCam-like softcam with one reader per target ("host:port" pairs as numeric
    /// literals, reader 0 first). It lives as long as the World.
    Softcam& add_softcam(const std::vector<std::pair<std::string, uint16_t>>& targets,
                         const SoftcamOptions& options);

    /// One-way latency toward a host (all ports) / toward one endpoint.
    void set_host_latency_us(const char* host, uint64_t us) { net_.set_latency_us(addr(host), us); }
    void set_latency_us(const char* host, uint16_t port, uint64_t us) {
        net_.set_latency_us(addr(host, port), us);
    }
    /// How connects to `host` are answered (Open, Unreachable, NoRoute, Blackhole); see
    /// Network::set_path.
    void set_path(const char* host, Path path) { net_.set_path(addr(host), path); }

    // ---- names ----------------------------------------------------------------------------

    /// `name` resolves to `addresses` (numeric literals), in that order.
    void add_name(const std::string& name, const std::vector<std::string>& addresses);

    // ---- what happened --------------------------------------------------------------------

    /// Lines written by the code under test through port()->log, oldest first.
    const std::vector<LogLine>& log_lines() const { return log_; }
    /// True if a port log line contains `needle`.
    bool logged(const std::string& needle) const;
    /// The world's own trace, one "<time_us> <what>" line per network/script event.
    const std::vector<std::string>& trace() const { return trace_; }
    /// Record a line of the test's own into the trace (shows up in STBF_SIM_LOG=1 output).
    void note(const std::string& what);

  private:
    size_t poll(stbf_time_us deadline, stbf_event* events, size_t cap);
    /// The code under test may only use handles it got from the port, never an actor's.
    bool is_port_socket(stbf_sock s) const { return net_.owned_by(s, nullptr); }
    size_t collect(stbf_event* events, size_t cap);
    void note_busy_poll();
    void add_trace(const std::string& what);
    void add_log(stbf_log_level level, const char* msg, size_t len);

    static stbf_time_us port_now(void* ctx);
    static void port_random(void* ctx, uint8_t* out, size_t len);
    static void port_log(void* ctx, stbf_log_level level, const char* msg, size_t len);
    static stbf_port_status port_tcp_listen(void* ctx, const stbf_addr* local, stbf_sock* out);
    static stbf_port_status port_tcp_accept(void* ctx, stbf_sock l, stbf_sock* out,
                                            stbf_addr* peer);
    static stbf_port_status port_tcp_connect(void* ctx, const stbf_addr* remote, stbf_sock* out);
    static stbf_port_status port_tcp_connect_result(void* ctx, stbf_sock s);
    static stbf_port_status port_tcp_send(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                                          size_t* sent);
    static stbf_port_status port_tcp_recv(void* ctx, stbf_sock s, uint8_t* buf, size_t cap,
                                          size_t* got);
    static void port_tcp_close(void* ctx, stbf_sock s);
    static stbf_port_status port_local_addr(void* ctx, stbf_sock s, stbf_addr* out);
    static stbf_port_status port_watch(void* ctx, stbf_sock s, unsigned interest, uint32_t tag);
    static size_t port_poll(void* ctx, stbf_time_us deadline, stbf_event* events, size_t cap);
    static stbf_port_status port_resolve_start(void* ctx, const char* host, uint16_t port,
                                               uint32_t tag, uint32_t* request);
    static stbf_port_status port_resolve_take(void* ctx, uint32_t request, stbf_addr* out,
                                              size_t cap, size_t* count);
    static void port_resolve_cancel(void* ctx, uint32_t request);

    bool echo_;
    size_t max_steps_ = Clock::kDefaultMaxSteps;
    static constexpr size_t kBusyPollWarning = 100'000;
    stbf_time_us busy_instant_ = kNoTime;
    size_t busy_polls_ = 0;
    std::vector<LogLine> log_;
    std::vector<std::string> trace_;
    Clock clock_;
    Network net_;
    Resolver resolver_;
    Random random_;
    std::vector<std::unique_ptr<Server>> servers_;
    std::vector<std::unique_ptr<Client>> clients_;
    std::vector<std::unique_ptr<Softcam>> softcams_;
    stbf_port port_;
};

}  // namespace stbf::sim

#endif  // STBF_SIM_H
