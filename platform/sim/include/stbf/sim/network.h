// Virtual TCP network of the simulation port.
//
// Model (what a test can rely on):
//  - Addresses are stbf_addr values (IPv4 or IPv6). They exist only inside the simulation.
//  - Every connection has a fixed one-way latency L, taken when the connect starts from the
//    destination endpoint: set_latency_us(addr:port) if set, else set_latency_us(addr:0) (the
//    whole host), else the default (0). A connect started at t0 toward a listener:
//      t0 + L   SYN reaches the listener (backlog full: dropped, retried after 1 s, 2 s, 4 s...)
//      t0 + 2L  the connecting socket becomes connected (WRITABLE, connect_result OK)
//      t0 + 3L  the connection is queued on the listener (READABLE, accept returns it)
//    With nothing listening the connect fails REFUSED at t0 + 2L. Toward an Unreachable host
//    it fails UNREACHABLE at t0 + 2L (an ICMP error from a router); toward a NoRoute host the
//    connect call itself returns UNREACHABLE; toward a Blackhole host nothing ever answers and
//    it fails TIMEOUT after syn_timeout_us (127 s by default, like Linux), so the caller's own
//    timeout fires first.
//  - Bytes sent at t arrive at t + L, in order. Each socket has a bounded send buffer and a
//    bounded receive buffer. A sender only puts bytes on the wire while the peer's receive
//    buffer has room for them (window); window updates reach the sender at once (a
//    simplification: no ACK latency). When both buffers are full, send returns WOULD_BLOCK
//    and WRITABLE stops being reported: back-pressure is observable.
//  - close(): with unread received data the socket sends RST (as Linux does), otherwise FIN
//    after its send buffer drained. abort() always sends RST. A segment that reaches a closed
//    socket is answered with RST. A socket that got RST reports RESET on send and, once its
//    received data is read, on recv. FIN makes recv return CLOSED after the data before it.
//  - Closing a listener resets the connections still waiting in its accept queue.
//
// Sockets belong either to the code under test (owner == nullptr: reported by World::poll
// according to watch()) or to a scripted actor (a SocketObserver: notified through a
// callback scheduled at the current virtual time whenever something changes on the socket).
// Both kinds share one handle space; handles are the lowest free numbers, like POSIX fds.
#ifndef STBF_SIM_NETWORK_H
#define STBF_SIM_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stbf/address.h"
#include "stbf/port.h"
#include "stbf/sim/clock.h"

namespace stbf::sim {

// Numeric literals are parsed and compared by the core's own functions (stbf/address.h:
// parse_numeric_host, same_host, same_endpoint), so the sim accepts exactly the addresses the
// runtime does. Names are resolved by the Resolver, not here.

/// A numeric IPv4 ("10.0.0.1") or IPv6 ("::1", no brackets) literal, for test scripts: one that
/// does not parse aborts the test program with a message naming it (a typo in a scenario must
/// not pass silently).
stbf_addr addr(const char* text, uint16_t port = 0);

/// "10.0.0.1:12000", "[::1]:20000"; port 0 is left out ("10.0.0.1").
std::string to_string(const stbf_addr& a);

/// 127.0.0.0/8 or ::1.
bool is_loopback(const stbf_addr& a);
/// 0.0.0.0 or ::.
bool is_wildcard(const stbf_addr& a);

/// How a remote host answers a connect.
enum class Path : uint8_t {
    Open,         ///< normal: a listener accepts, otherwise REFUSED after one RTT
    Unreachable,  ///< UNREACHABLE after one RTT (ICMP host unreachable)
    NoRoute,      ///< tcp_connect returns UNREACHABLE at once (no route to the network)
    Blackhole,    ///< packets vanish: TIMEOUT only after syn_timeout_us
};

/// Something a scripted actor is told about its sockets.
class SocketObserver {
  public:
    /// Something changed on `s` (readable, writable, connected, failed, pending accept).
    /// Called from a callback at the current virtual time, never from inside a Network call.
    virtual void on_socket_event(stbf_sock s) = 0;

  protected:
    ~SocketObserver() = default;
};

class Network {
  public:
    using Trace = std::function<void(const std::string&)>;

    /// `trace` receives one line per notable network event (connect, accept, FIN, RST...).
    Network(Clock& clock, Trace trace);
    Network(const Network&) = delete;
    Network& operator=(const Network&) = delete;

    // ---- configuration (affects connections started afterwards) -------------------------

    /// One-way latency toward `endpoint` (port 0: every port of that host).
    void set_latency_us(const stbf_addr& endpoint, uint64_t latency_us);
    void set_default_latency_us(uint64_t latency_us) { default_latency_us_ = latency_us; }
    /// How connects to host `host` (its port is ignored) are answered. Only connects started
    /// afterwards are affected: established connections keep flowing (a link that goes silent
    /// under a live session is modelled with Server::stop, which looks the same to the box).
    void set_path(const stbf_addr& host, Path path);
    /// When an unanswered connect gives up with TIMEOUT (Linux: ~127 s).
    void set_syn_timeout_us(uint64_t us) { syn_timeout_us_ = us; }
    /// Send / receive buffer sizes of sockets created afterwards (bytes, each >= 1).
    void set_buffer_sizes(size_t send_bytes, size_t receive_bytes);
    /// Accept queue length of listeners created afterwards (connections beyond it are dropped
    /// and retried by the connecting side, as with a full Linux backlog).
    void set_backlog(size_t backlog) { backlog_ = backlog ? backlog : 1; }
    /// Add an address of the box: besides loopback, the only addresses the code under test
    /// may listen on, and the source address of connects to non-loopback destinations (the
    /// first one added of the right family; default 192.168.1.10 and fd00::10).
    void add_local_address(const stbf_addr& a);

    uint64_t latency_to(const stbf_addr& endpoint) const;
    Path path_to(const stbf_addr& host) const;

    // ---- socket operations: same statuses as the port functions of the same name ----------

    /// `owner` nullptr: a socket of the code under test. `any_address` lets a scripted server
    /// listen on an address that is not the box's (10.0.0.1...). Port 0 picks a free port.
    stbf_port_status listen(const stbf_addr& local, SocketObserver* owner, bool any_address,
                            stbf_sock* out);
    stbf_port_status accept(stbf_sock listener, SocketObserver* owner, stbf_sock* out,
                            stbf_addr* peer);
    stbf_port_status connect(const stbf_addr& remote, SocketObserver* owner, stbf_sock* out);
    stbf_port_status connect_result(stbf_sock s) const;
    stbf_port_status send(stbf_sock s, const uint8_t* data, size_t len, size_t* sent);
    stbf_port_status recv(stbf_sock s, uint8_t* buf, size_t cap, size_t* got);
    /// Orderly close (see the model above). Unknown handles are ignored.
    void close(stbf_sock s);
    /// Close with RST (SO_LINGER 0): the peer sees RESET after one-way latency.
    void abort(stbf_sock s);
    stbf_port_status local_addr(stbf_sock s, stbf_addr* out) const;
    stbf_port_status peer_addr(stbf_sock s, stbf_addr* out) const;

    // ---- readiness ------------------------------------------------------------------------

    /// Current readiness bits of `s` (STBF_READABLE / STBF_WRITABLE), 0 for unknown handles.
    unsigned readiness(stbf_sock s) const;
    stbf_port_status watch(stbf_sock s, unsigned interest, uint32_t tag);
    /// Store up to `cap` socket events of the code under test (watched sockets whose readiness
    /// meets their interest). Rotates the starting handle between calls so a small `cap`
    /// cannot starve high handles.
    size_t collect_ready(stbf_event* events, size_t cap);

    /// True if `s` is an open handle owned by `owner` (nullptr: the code under test).
    bool owned_by(stbf_sock s, const SocketObserver* owner) const;
    /// Open handles (all owners), e.g. to check that the code under test leaks none.
    size_t open_sockets() const;
    /// Open handles owned by the code under test.
    size_t open_port_sockets() const;
    /// Connections still tracked: open on either side, or closed with segments or a FIN
    /// handshake still under way. 0 once everything closed and the last segment landed.
    size_t tracked_connections() const { return conns_.size(); }

    // ---- helpers for scripted actors ------------------------------------------------------

    /// Send as much of `queue` as fits now and remove it from the queue. Returns the send
    /// status (OK also when the queue was empty or only part fitted).
    stbf_port_status send_queued(stbf_sock s, std::deque<uint8_t>& queue, size_t* sent);
    /// Read everything available into `into`. Returns OK if the socket is still open (maybe
    /// with nothing read), CLOSED after end of stream, RESET, or INVALID.
    stbf_port_status recv_all(stbf_sock s, std::vector<uint8_t>& into);

  private:
    struct Half {
        std::deque<uint8_t> rx;  // arrived, not yet read
        std::deque<uint8_t> tx;  // written by the application, not yet on the wire
        size_t rx_cap = 0, tx_cap = 0;
        size_t in_flight = 0;     // bytes this side put on the wire that have not arrived
        bool fin_queued = false;  // closed by the application: FIN after tx drained
        bool fin_sent = false;
        bool fin_received = false;
        bool reset = false;       // connection is dead for this side (RST sent or received)
        bool app_closed = false;  // the application closed its handle
        stbf_sock sock = STBF_SOCK_INVALID;
        stbf_addr local{}, remote{};
    };
    struct Conn {
        Half half[2];  // [0] = connecting side, [1] = accepting side
        uint64_t latency_us = 0;
        unsigned events_in_flight = 0;
    };
    enum class Kind : uint8_t { Listener, Connecting, Stream };
    struct Socket {
        Kind kind = Kind::Stream;
        SocketObserver* owner = nullptr;
        unsigned interest = 0;
        uint32_t tag = 0;  // handed back in its events (port.h: dispatch)
        bool notify_pending = false;
        uint64_t generation = 0;
        stbf_addr local{};
        // Listener
        std::deque<uint64_t> accept_queue;  // connection ids
        size_t half_open = 0;
        size_t backlog = 0;
        // Connecting
        stbf_addr remote{};
        stbf_port_status outcome = STBF_PORT_IN_PROGRESS;
        Clock::EventId timeout_event = 0;
        uint64_t syn_rto_us = 0;
        // Connecting (after SYN-ACK) and Stream
        uint64_t conn = 0;
        int side = 0;
    };

    Socket* find(stbf_sock s);
    const Socket* find(stbf_sock s) const;
    stbf_sock allocate(Kind kind, SocketObserver* owner, const stbf_addr& local);
    void release(stbf_sock s);
    Half* half_of(const Socket& so);
    const Half* half_of(const Socket& so) const;
    /// The application let go of stream socket `s` (close or abort): releases the socket and
    /// marks its half closed by the app. Returns that half, nullptr if the connection is gone
    /// already; `*conn` and `*side` name it for what close/abort send next.
    Half* release_stream(stbf_sock s, uint64_t* conn, int* side);
    /// Checks shared by send and recv: OK with the stream's half when bytes can move, else the
    /// status they must return (INVALID, WOULD_BLOCK while connecting, RESET).
    stbf_port_status stream_half(stbf_sock s, bool buffer_ok, Socket** so_out, Half** h_out);
    stbf_sock find_listener(const stbf_addr& dest) const;
    bool is_local(const stbf_addr& a) const;
    stbf_addr source_for(const stbf_addr& remote);
    uint16_t ephemeral_port(const stbf_addr& local);

    void schedule(uint64_t conn, uint64_t delay, std::function<void(Conn&)> fn);
    void syn_arrives(stbf_sock s, uint64_t generation, uint64_t latency);
    void fail_connect(stbf_sock s, uint64_t generation, stbf_port_status why);
    void pump(uint64_t conn, int side);
    void send_rst(uint64_t conn, int from_side);
    void segment_arrives(uint64_t conn, int to_side, std::vector<uint8_t> bytes, bool fin);
    void maybe_forget(uint64_t conn);
    void notify(stbf_sock s);
    void trace(const std::string& line) {
        if (trace_) trace_(line);
    }

    Clock& clock_;
    Trace trace_;
    uint64_t default_latency_us_ = 0;
    uint64_t syn_timeout_us_ = 127'000'000;
    size_t send_buffer_ = 65536, receive_buffer_ = 65536, backlog_ = 128;
    std::vector<std::pair<stbf_addr, uint64_t>> latencies_;
    std::vector<std::pair<stbf_addr, Path>> paths_;
    std::vector<stbf_addr> local_addresses_;
    bool default_local_addresses_ = true;
    std::vector<std::optional<Socket>> sockets_;
    uint64_t next_generation_ = 1;
    std::map<uint64_t, Conn> conns_;
    uint64_t next_conn_ = 1;
    uint16_t next_ephemeral_ = 40000;
    size_t poll_cursor_ = 0;
};

}  // namespace stbf::sim

#endif  // STBF_SIM_NETWORK_H
