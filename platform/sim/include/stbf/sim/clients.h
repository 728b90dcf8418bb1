// Scripted clients of the simulation: stand-ins for the softcam that connects to the code
// under test (e.g. 127.0.0.1:20000). A Client connects, sends bytes on a script, optionally
// expects replies, reconnects on a policy, and keeps a timestamped log of what happened so
// scenario tests can assert exact timelines.
#ifndef STBF_SIM_CLIENTS_H
#define STBF_SIM_CLIENTS_H

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "stbf/port.h"
#include "stbf/sim/clock.h"
#include "stbf/sim/network.h"
#include "stbf/sim/softcam_model.h"

namespace stbf::sim {

/// "Never" for the delays of a ClientScript.
constexpr uint64_t kNoReconnect = ~static_cast<uint64_t>(0);

struct ClientScript {
    struct TimedSend {
        uint64_t after_connect_us;  ///< when, counted from the moment the connect succeeded
        std::vector<uint8_t> bytes;
    };

    stbf_time_us start_at_us = 0;     ///< absolute time of the first connect (past = now)
    std::vector<TimedSend> sends;     ///< sent on every connection, in this order
    uint64_t keepalive_every_us = 0;  ///< 0 = none; else send `keepalive` at this period
    std::vector<uint8_t> keepalive = {0, 0, 0, 0};

    /// Greeting check like the softcam's: if `greeting_size` bytes have not arrived within
    /// `greeting_timeout_us` after the connect succeeded, log GreetingTimeout and close.
    /// 0 = no check.
    size_t greeting_size = 0;
    uint64_t greeting_timeout_us = 0;

    /// After each send: log NoReply if no byte arrives within this time. 0 = no check.
    uint64_t expect_reply_within_us = 0;

    /// Reconnect this long after the connection closed/reset (or was closed by a check) /
    /// after a failed connect (refused, unreachable, timeout). kNoReconnect = stay down.
    uint64_t reconnect_after_close_us = kNoReconnect;
    uint64_t reconnect_after_failure_us = kNoReconnect;
    /// Back-off of failed connects, like the softcam's (x4 from 100 ms up to 60 s): each
    /// consecutive failure multiplies the failure delay by this factor, up to
    /// `reconnect_after_failure_max_us`. A successful connect starts over. 1 = fixed delay.
    unsigned failure_backoff_factor = 1;
    uint64_t reconnect_after_failure_max_us = kNoReconnect;
    /// At most this many connects in total (0 = unlimited). Keeps every loop bounded.
    unsigned max_connects = 0;
};

enum class ClientEventKind : uint8_t {
    Connecting,  ///< connect started
    Connected,
    Refused,          ///< connect failed REFUSED
    Unreachable,      ///< connect failed UNREACHABLE
    ConnectTimeout,   ///< connect failed TIMEOUT (the network gave up)
    Received,         ///< `bytes` bytes arrived (one event per read burst)
    Sent,             ///< `bytes` bytes handed to the socket
    Closed,           ///< the peer closed (end of stream)
    Reset,            ///< the connection was reset
    NoReply,          ///< nothing arrived within expect_reply_within_us of a send
    GreetingTimeout,  ///< the greeting was incomplete after greeting_timeout_us (client closes)
    ClosedByClient,   ///< close() was called by the test
};

const char* client_event_name(ClientEventKind k);

struct ClientEvent {
    stbf_time_us at_us;
    ClientEventKind kind;
    size_t bytes;  ///< Received / Sent: byte count; else 0
};

class Client final : private SocketObserver {
  public:
    using Trace = std::function<void(const std::string&)>;

    /// Use World::add_client. The first connect happens at script.start_at_us.
    Client(Clock& clock, Network& net, Trace trace, const stbf_addr& target, ClientScript script);
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    const std::vector<ClientEvent>& events() const { return events_; }
    /// Events of one kind, in order.
    std::vector<ClientEvent> events_of(ClientEventKind kind) const;
    /// Times of the events of one kind, in order (what timeline assertions compare).
    std::vector<stbf_time_us> times_of(ClientEventKind kind) const;
    size_t count(ClientEventKind kind) const;
    /// One line per event: "<time_us> <kind> [bytes]" (compare whole timelines in tests).
    std::string timeline() const;

    bool connected() const { return connected_; }
    /// Bytes received on the current connection (cleared by each new connect).
    const std::vector<uint8_t>& received() const { return received_; }
    uint64_t total_received() const { return total_received_; }
    unsigned connects() const { return connects_; }

    /// Send bytes now (queued if the socket is full; dropped with a trace if not connected).
    void send(const std::vector<uint8_t>& bytes);
    /// Close the connection now (FIN) and schedule no reconnect.
    void close();
    /// Connect now (if not already connecting or connected), ignoring max_connects.
    void connect();

  private:
    void on_socket_event(stbf_sock s) override;
    void start_connect(bool ignore_limit);
    void on_connected();
    void end_connection(ClientEventKind why, uint64_t reconnect_after_us);
    void connect_failed(ClientEventKind why);
    void flush();
    void log(ClientEventKind kind, size_t bytes = 0);
    /// Run `fn` at `t` if the connection current now is still the current one then.
    void on_this_connection(stbf_time_us t, std::function<void()> fn);

    Clock& clock_;
    Network& net_;
    Trace trace_;
    stbf_addr target_;
    ClientScript script_;
    std::vector<ClientEvent> events_;
    stbf_sock sock_ = STBF_SOCK_INVALID;
    bool connecting_ = false, connected_ = false;
    uint64_t generation_ = 0;  // bumped per connection: timers of old ones do nothing
    std::deque<uint8_t> out_;
    std::vector<uint8_t> received_;
    uint64_t total_received_ = 0;
    unsigned connects_ = 0;
    uint64_t failure_delay_us_;  // next delay after a failed connect (grows with back-off)
    bool closed_by_test_ = false;
};

/// The OSCam-like softcam (stbf/sim/softcam_model.h) on the virtual network: reader k connects
/// to targets[k]. Unlike Client it logs in, reconnects on its idle tick and sends requests that
/// fall back from reader to reader; use it where the softcam's own timing matters (black-screen
/// time), and Client where a fast, scripted peer is wanted.
class Softcam final : private SocketObserver {
  public:
    using Trace = std::function<void(const std::string&)>;

    /// Use World::add_softcam. Starts at once (first connects now).
    Softcam(Clock& clock, Network& net, Trace trace, std::vector<stbf_addr> targets,
            const SoftcamOptions& options);
    ~Softcam();
    Softcam(const Softcam&) = delete;
    Softcam& operator=(const Softcam&) = delete;

    const SoftcamModel& model() const { return model_; }
    const stbf_addr& target(unsigned reader) const { return targets_[reader]; }
    /// No more requests or reconnects; open connections close.
    void stop();

  private:
    void on_socket_event(stbf_sock s) override;
    void pump();
    void trace(unsigned reader, const std::string& what);

    Clock& clock_;
    Network& net_;
    Trace trace_;
    std::vector<stbf_addr> targets_;
    SoftcamModel model_;
    std::vector<stbf_sock> socks_;
    std::vector<bool> connecting_;
    std::vector<std::deque<uint8_t>> out_;
    Clock::EventId timer_ = 0;
    stbf_time_us timer_at_ = kNoTime;
};

}  // namespace stbf::sim

#endif  // STBF_SIM_CLIENTS_H
