// Scripted upstream servers of the simulation: stand-ins for CCcam / newcamd line servers.
//
// A Server listens on one address of the virtual network (World::add_server) and acts out a
// ServerBehaviour. Its life can be scripted in time with World::at: kill, stop/resume (like
// SIGSTOP/SIGCONT), restart, flap. It never interprets what clients send beyond counting
// bytes: it greets, answers each message with opaque bytes, or stays silent.
//
// States:
//   Up       listening; accepts, greets, reads and answers.
//   Stopped  listening, but the process is frozen: the kernel still completes connects into
//            the accept queue (up to the backlog), nothing is accepted, read or sent, and
//            timers (greeting, replies, idle close) wait until resume().
//   Down     not listening: connects are refused.
#ifndef STBF_SIM_SERVERS_H
#define STBF_SIM_SERVERS_H

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "stbf/greeting.h"
#include "stbf/port.h"
#include "stbf/sim/clock.h"
#include "stbf/sim/network.h"

namespace stbf::sim {

/// A valid 16-byte CCcam greeting: 12 bytes derived from `seed`, then the checksum bytes
/// (built and judged by the core: stbf/greeting.h make_cccam_greeting, cccam_greeting_valid).
std::vector<uint8_t> cccam_greeting(uint64_t seed = 1);
/// A 14-byte newcamd greeting (random key material derived from `seed`).
std::vector<uint8_t> newcamd_greeting(uint64_t seed = 1);

/// What a server does with connections. Start from a named preset, then adjust fields.
struct ServerBehaviour {
    enum class OnAccept : uint8_t {
        Greet,  ///< send `greeting` (after `greeting_delay_us`), then answer messages
        Reset,  ///< accept, then close with RST at once
        Close,  ///< accept, then close with FIN at once
    };

    bool listening = true;       ///< false: nothing listens, connects are refused
    bool start_stopped = false;  ///< starts (and restarts) Stopped: a hung process
    OnAccept on_accept = OnAccept::Greet;
    std::vector<uint8_t> greeting;  ///< sent unprompted after accept; may be empty
    uint64_t greeting_delay_us = 0;

    bool answer = true;           ///< reply to each client message
    size_t message_size = 0;      ///< 0: every arrival of bytes is one message; N: every N bytes
    size_t reply_size = 4;        ///< bytes in each reply (ignored when `echo`)
    uint8_t reply_fill = 0x5a;    ///< content of each reply byte
    bool echo = false;            ///< reply with the message bytes themselves
    uint64_t reply_delay_us = 0;  ///< from message arrival to reply

    uint64_t idle_close_us =
        0;  ///< close (FIN) a connection this long without client bytes; 0 = never

    /// Login exchange before the messages: the first `login_size` client bytes are answered
    /// with `login_reply_size` bytes (0 = no login: every byte belongs to a message).
    size_t login_size = 0;
    size_t login_reply_size = 0;

    /// Presets.
    static ServerBehaviour cccam(uint64_t seed = 1);    ///< greets 16 valid bytes, answers
    static ServerBehaviour newcamd(uint64_t seed = 1);  ///< greets 14 bytes, answers
    /// A CCcam line server for the OSCam-like softcam (stbf/sim/softcam_model.h): greets 16
    /// valid bytes, answers the 46-byte login with 20 bytes, then echoes every 8-byte frame
    /// (keepalives and requests) after `reply_delay_us`.
    static ServerBehaviour line(uint64_t seed = 1, uint64_t reply_delay_us = 20'000);
    static ServerBehaviour refuse();                    ///< nothing listens
    static ServerBehaviour reset_on_accept();           ///< RST right after accept
    static ServerBehaviour close_on_accept();           ///< FIN right after accept
    static ServerBehaviour bad_greeting();              ///< 16 bytes with a wrong CCcam checksum
    static ServerBehaviour slow_greeting(uint64_t delay_us);  ///< CCcam greeting after a delay
    static ServerBehaviour hang();    ///< kernel accepts, process never acts
    static ServerBehaviour silent();  ///< accepts, greets nothing, answers nothing

    /// Fluent tweaks, e.g. ServerBehaviour::cccam().with_reply(20, 30'000).
    ServerBehaviour& with_reply(size_t size, uint64_t delay_us);
    ServerBehaviour& with_greeting(std::vector<uint8_t> bytes, uint64_t delay_us = 0);
    ServerBehaviour& with_idle_close(uint64_t us);
    ServerBehaviour& with_message_size(size_t size);
};

enum class ServerState : uint8_t { Up, Stopped, Down };
/// How kill() ends live connections.
enum class CloseHow : uint8_t { Fin, Rst };

class Server final : private SocketObserver {
  public:
    using Trace = std::function<void(const std::string&)>;

    /// Use World::add_server; the server starts listening at once (unless `refuse`).
    Server(Clock& clock, Network& net, Trace trace, const stbf_addr& endpoint,
           ServerBehaviour behaviour);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    const stbf_addr& endpoint() const { return endpoint_; }
    ServerState state() const { return state_; }
    const ServerBehaviour& behaviour() const { return behaviour_; }
    /// New connections (and new messages) follow `b` from now on.
    void set_behaviour(const ServerBehaviour& b) { behaviour_ = b; }
    /// One-way latency of connections to this server (set before they start).
    void set_latency_us(uint64_t us) { net_.set_latency_us(endpoint_, us); }

    /// Process dies: stop listening, end every connection (FIN or RST). Refuses from now on.
    void kill(CloseHow how = CloseHow::Fin);
    /// Freeze / thaw the process (SIGSTOP / SIGCONT). See the state table above.
    void stop();
    void resume();
    /// Listen again after kill (no-op unless Down). Connections start over.
    void start();
    /// kill(how) now and start() `down_us` later.
    void restart(uint64_t down_us, CloseHow how = CloseHow::Fin);
    /// Alternate: stay up `up_us`, down `down_us`, up `up_us`... for `cycles` down phases,
    /// starting now with the up phase (the server ends Up).
    void flap(uint64_t up_us, uint64_t down_us, unsigned cycles, CloseHow how = CloseHow::Fin);

    // Counters since creation.
    uint64_t connections_accepted() const { return accepted_; }
    uint64_t bytes_in() const { return bytes_in_; }
    uint64_t bytes_out() const { return bytes_out_; }
    size_t active_connections() const { return conns_.size(); }
    uint64_t messages_answered() const { return answered_; }

  private:
    struct Conn {
        stbf_sock sock = STBF_SOCK_INVALID;
        std::deque<uint8_t> out;       // bytes to send when the socket has room
        std::vector<uint8_t> partial;  // bytes of an incomplete message
        stbf_time_us last_in = 0;
        bool greeted = false;
        bool logged_in = false;
    };
    void on_socket_event(stbf_sock s) override;
    void accept_all();
    void service(uint64_t id);
    void queue_send(uint64_t id, const std::vector<uint8_t>& bytes);
    void flush(uint64_t id);
    void drop(uint64_t id, bool reset);
    void arm_idle_check(uint64_t id, stbf_time_us at);
    /// Run `fn` at `t`, but only after the process is Up again if it is Stopped then.
    void when_running(stbf_time_us t, std::function<void()> fn);
    void trace(const std::string& what);

    Clock& clock_;
    Network& net_;
    Trace trace_;
    stbf_addr endpoint_;
    ServerBehaviour behaviour_;
    ServerState state_ = ServerState::Down;
    stbf_sock listener_ = STBF_SOCK_INVALID;
    std::map<uint64_t, Conn> conns_;  // by connection serial (handles get reused)
    std::map<stbf_sock, uint64_t> by_sock_;
    std::vector<std::function<void()>> frozen_;  // timers that came due while Stopped
    uint64_t next_conn_ = 1;
    uint64_t life_ = 0;  // bumped by kill: timers of an earlier life do nothing
    uint64_t accepted_ = 0, bytes_in_ = 0, bytes_out_ = 0, answered_ = 0;
};

}  // namespace stbf::sim

#endif  // STBF_SIM_SERVERS_H
