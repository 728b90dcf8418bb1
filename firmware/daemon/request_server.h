// RequestServer: the small one-request-per-connection server behind the control socket
// (control.h) and the metrics endpoint (metrics.h). It accepts on a listener owned by the port,
// reads one request up to a terminator ("\n" for the control protocol, "\r\n\r\n" for HTTP),
// writes the handler's response without blocking the event loop, and closes.
//
// Requests are read from inside the event dispatch, but answered only when the owner calls
// answer_pending() (outside the runtime's dispatch), so a handler may reload the runtime.
//
// Bounded, and fair between local clients: at most kMaxConnections clients at once and
// kMaxPerPeer from one peer (its address, or what the owner's peer_key says, e.g. the uid of a
// unix-socket client). A connection over either cap first makes room by closing the oldest
// connection that has not sent a whole request yet (of that peer, or of the peer holding the
// most); only when every one is busy with a request is the newcomer closed at once (never
// left in the kernel backlog). So idle connections cannot lock a scraper or the CLI out, and one
// peer cannot take every place. Requests are at most `max_request` bytes, and every connection
// is closed `timeout` after it was accepted, finished or not.
#ifndef STBF_FIRMWARE_REQUEST_SERVER_H
#define STBF_FIRMWARE_REQUEST_SERVER_H

#include <stddef.h>

#include <functional>
#include <string>
#include <vector>

#include "stbf/engine.h"
#include "stbf/port.h"

namespace stbf::daemon {

/// The address of a peer without its port ("127.0.0.1", "::1"); "" for an unknown family.
std::string peer_host_text(const stbf_addr& addr);

class RequestServer {
  public:
    /// Produces the response to one request. `complete` is false when the client sent more
    /// than `max_request` bytes without the terminator or closed early with a partial request;
    /// `request` then holds what arrived (the handler answers with an error, or returns "" to
    /// just close).
    /// `peer` is the client's peer key (see set_peer_key).
    using Handler = std::function<std::string(const std::string& request, bool complete,
                                              const std::string& peer)>;
    /// Names the peer of an accepted connection ("127.0.0.1", "uid 0"); `addr` is what accept
    /// reported (family 0 when the port knows none).
    using PeerKey = std::function<std::string(stbf_sock sock, const stbf_addr& addr)>;

    static constexpr size_t kMaxConnections = 16;
    static constexpr size_t kMaxPerPeer = 4;

    RequestServer(std::string terminator, size_t max_request, TimeUs timeout, Handler handler);
    ~RequestServer();
    RequestServer(const RequestServer&) = delete;
    RequestServer& operator=(const RequestServer&) = delete;

    /// Starts serving `listener` (already listening, owned by `port` from now on: stop() closes
    /// it). Watches it for READABLE.
    void start(const stbf_port* port, stbf_sock listener);
    /// Closes the listener and every connection. Safe to call twice.
    void stop();

    /// True if `s` is this server's listener or one of its connections.
    bool owns(stbf_sock s) const;
    /// Handles a poll event for a socket it owns.
    void on_event(const stbf_event& event, TimeUs now);
    /// Earliest connection timeout; kNever when idle.
    TimeUs next_deadline() const;
    /// Closes the connections whose time is up.
    void on_timeout(TimeUs now);
    /// Runs the handler for every request read completely (or cut off) and starts sending
    /// the answers. Call from the owner's loop, not from inside an event dispatch.
    void answer_pending();
    /// True if a request waits for answer_pending().
    bool has_pending() const;

    bool listening() const { return listener_ != STBF_SOCK_INVALID; }
    size_t connections() const { return conns_.size(); }
    /// Replaces the default peer key (the peer's address without port).
    void set_peer_key(PeerKey key) { peer_key_ = std::move(key); }
    /// Connections closed at once because every place was busy, since start.
    uint64_t refused() const { return refused_; }
    /// Idle connections closed to make room for a newcomer, since start.
    uint64_t evicted() const { return evicted_; }

  private:
    struct Conn {
        stbf_sock sock = STBF_SOCK_INVALID;
        TimeUs deadline = 0;
        std::string in;
        std::string out;
        size_t sent = 0;
        bool pending = false;   // request read, waiting for answer_pending()
        bool complete = false;  // the request ended with the terminator
        bool answered = false;
        std::string peer;
        TimeUs accepted = 0;
    };
    void accept_all(TimeUs now);
    /// Makes room for one more connection of `peer`; false if none can be made.
    bool make_room(const std::string& peer);
    size_t count_of(const std::string& peer) const;
    void serve(Conn& c);
    void hold(Conn& c, bool complete);
    void answer(Conn& c, bool complete);
    void flush(Conn& c);
    void close_conn(size_t index);

    std::string terminator_;
    size_t max_request_;
    TimeUs timeout_;
    Handler handler_;
    const stbf_port* port_ = nullptr;
    stbf_sock listener_ = STBF_SOCK_INVALID;
    std::vector<Conn> conns_;
    PeerKey peer_key_;
    uint64_t refused_ = 0, evicted_ = 0;
};

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_REQUEST_SERVER_H
