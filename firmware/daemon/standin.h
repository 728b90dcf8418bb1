// Stand-ins for the demo and the failover benchmark: CCcam-like upstreams and a softcam-like
// client on real loopback sockets, each on its own thread, so a box owner (or a benchmark) can
// watch a failover happen without any real line.
//
// Upstream: listens on 127.0.0.1 (free port), greets every connection with 16 bytes that pass
// the CCcam checksum, then either answers every chunk it receives with 4 bytes (Wire::Chunks,
// for the fast Client) or speaks the stand-in line wire of stbf/sim/softcam_model.h
// (Wire::Line: 46-byte login answered with 20 bytes, then every 8-byte frame echoed, for the
// OSCam-like Softcam). It can be killed (the process dies: listener and connections close),
// started again on the same port, hung (SIGSTOP-like: the kernel still completes connects,
// nothing is accepted, read or answered) and resumed.
//
// Client: connects, requires the 16-byte greeting within 2 s (as a softcam does), then sends a
// 4-byte keepalive on a period and records the answers; after a close it reconnects after a
// fixed delay. It tells which upstream served it from the greeting bytes. A fast, simple peer.
//
// Softcam: the OSCam-like softcam of stbf/sim/softcam_model.h (N readers, login, keepalive never
// checked, reconnect on the ~13 s idle tick, ECM fallback) on real sockets: the same model the
// sim runs, driven by a thread with the monotonic clock (model time = now_ms() * 1000).
//
// Loopback only; every loop is bounded by a stop flag checked at least every 10 ms.
#ifndef STBF_FIRMWARE_STANDIN_H
#define STBF_FIRMWARE_STANDIN_H

#include <stdint.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stbf/sim/softcam_model.h"

namespace stbf::standin {

/// Milliseconds on the monotonic clock since the first call in this process.
double now_ms();

class Upstream {
  public:
    enum class Wire { Chunks, Line };
    /// `seed` makes this upstream's greeting distinct from the others'.
    Upstream(std::string name, uint8_t seed, Wire wire = Wire::Chunks);
    ~Upstream();
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;

    /// Listen on 127.0.0.1 (free port) and start serving. False with `*error` on failure.
    bool start(std::string* error);
    /// The process dies: every socket closes (FIN). Returns when done.
    void kill();
    /// The process freezes: nothing is accepted, read or answered any more; connects still
    /// complete in the kernel. Returns when the serving thread has stopped acting.
    void hang();
    /// Thaw a hung upstream: it serves again, starting with what queued up meanwhile.
    void resume();
    /// Listen again on the same port after kill(). False with `*error` on failure.
    bool restart(std::string* error);

    const std::string& name() const { return name_; }
    uint16_t port() const { return port_; }
    const std::array<uint8_t, 16>& greeting() const { return greeting_; }
    /// Connections accepted so far (health checks included).
    unsigned accepted() const { return accepted_.load(); }

  private:
    enum class State : int { Serving, Hung, Dead, Stopping };
    void run();
    void set_state(State s);
    bool listen_on(uint16_t port, std::string* error);

    std::string name_;
    Wire wire_;
    std::array<uint8_t, 16> greeting_{};
    uint16_t port_ = 0;
    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    State wanted_ = State::Serving;
    State acted_ = State::Serving;
    std::atomic<unsigned> accepted_{0};
};

struct ClientOptions {
    uint16_t port = 0;                  ///< 127.0.0.1:port to connect to
    double reconnect_ms = 100;          ///< after a close or a failed connect
    double keepalive_ms = 500;          ///< period of the 4-byte keepalive
    double greeting_timeout_ms = 2000;  ///< like a softcam's
};

struct ClientEvent {
    enum class Kind { Served, Closed, Sent, Answered, ConnectFailed, GreetingTimeout };
    Kind kind;
    double at_ms;
    std::string upstream;  ///< Served: which upstream greeted ("?" if none matched)
};

const char* client_event_name(ClientEvent::Kind k);

class Client {
  public:
    /// `upstreams` are used to tell who served from the greeting; they must outlive the client.
    Client(ClientOptions options, std::vector<const Upstream*> upstreams);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Start the client thread. `on_event` (may be empty) is called from that thread.
    void start(std::function<void(const ClientEvent&)> on_event);
    void stop();
    std::vector<ClientEvent> events() const;

  private:
    void run();
    void record(ClientEvent::Kind kind, std::string upstream = std::string());
    bool sleep_ms(double ms);  // false when stopping
    std::string who(const uint8_t* greeting) const;

    ClientOptions options_;
    std::vector<const Upstream*> upstreams_;
    std::function<void(const ClientEvent&)> on_event_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<ClientEvent> events_;
};

class Softcam {
  public:
    /// Reader k connects to 127.0.0.1:ports[k]; `options.readers` is ports.size().
    Softcam(std::vector<uint16_t> ports, const sim::SoftcamOptions& options);
    ~Softcam();
    Softcam(const Softcam&) = delete;
    Softcam& operator=(const Softcam&) = delete;

    /// Start the thread (first connects at once). `on_event` (may be empty) gets every reader
    /// event, from that thread, without any lock held.
    void start(std::function<void(const sim::ReaderEvent&)> on_event);
    /// Stop requests and reconnects, close the readers, join the thread.
    void stop();

    // Snapshots, safe from any thread. Times are model time (microseconds, now_ms() * 1000).
    std::vector<sim::SoftcamRequest> requests() const;
    std::vector<sim::ReaderEvent> events() const;
    std::vector<uint8_t> greeting(unsigned reader) const;
    bool logged_in(unsigned reader) const;
    unsigned logged_in_count() const;

  private:
    void run();
    void act(uint64_t now);

    std::vector<uint16_t> ports_;
    sim::SoftcamModel model_;
    std::function<void(const sim::ReaderEvent&)> on_event_;
    std::vector<int> fds_;
    std::vector<bool> connecting_;
    std::vector<double> connect_deadline_ms_;
    std::vector<std::vector<uint8_t>> out_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mutex_;  // guards model_
};

}  // namespace stbf::standin

#endif  // STBF_FIRMWARE_STANDIN_H
