#include "request_server.h"

#include <arpa/inet.h>

#include <cstdio>
#include <utility>

namespace stbf::daemon {

std::string peer_host_text(const stbf_addr& addr) {
    char buf[64];
    if (addr.family == 4) {
        std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", addr.addr[0], addr.addr[1], addr.addr[2],
                      addr.addr[3]);
        return buf;
    }
    if (addr.family == 6 && inet_ntop(AF_INET6, addr.addr, buf, sizeof(buf)) != nullptr) return buf;
    return "";
}

RequestServer::RequestServer(std::string terminator, size_t max_request, TimeUs timeout,
                             Handler handler)
    : terminator_(std::move(terminator)),
      max_request_(max_request),
      timeout_(timeout),
      handler_(std::move(handler)) {}

RequestServer::~RequestServer() {
    stop();
}

void RequestServer::start(const stbf_port* port, stbf_sock listener) {
    stop();
    port_ = port;
    listener_ = listener;
    port_->watch(port_->ctx, listener_, STBF_READABLE, 0);
}

void RequestServer::stop() {
    if (port_ == nullptr) return;
    while (!conns_.empty()) close_conn(conns_.size() - 1);
    port_->tcp_close(port_->ctx, listener_);
    listener_ = STBF_SOCK_INVALID;
    port_ = nullptr;
}

bool RequestServer::owns(stbf_sock s) const {
    if (s == STBF_SOCK_INVALID) return false;
    if (s == listener_) return true;
    for (const Conn& c : conns_)
        if (c.sock == s) return true;
    return false;
}

void RequestServer::on_event(const stbf_event& event, TimeUs now) {
    if (event.sock == listener_) {
        accept_all(now);
        return;
    }
    for (size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].sock != event.sock) continue;
        serve(conns_[i]);
        if (conns_[i].sock == STBF_SOCK_INVALID) close_conn(i);
        return;
    }
}

TimeUs RequestServer::next_deadline() const {
    TimeUs next = kNever;
    for (const Conn& c : conns_)
        if (c.deadline < next) next = c.deadline;
    return next;
}

void RequestServer::on_timeout(TimeUs now) {
    for (size_t i = conns_.size(); i-- > 0;)
        if (conns_[i].deadline <= now) close_conn(i);
}

size_t RequestServer::count_of(const std::string& peer) const {
    size_t n = 0;
    for (const Conn& c : conns_) n += c.peer == peer ? 1 : 0;
    return n;
}

bool RequestServer::make_room(const std::string& peer) {
    const bool peer_full = count_of(peer) >= kMaxPerPeer;
    if (!peer_full && conns_.size() < kMaxConnections) return true;
    // Whose idle connection goes: the newcomer's own when it is at its cap, else the peer
    // holding the most places.
    std::string victim_peer = peer;
    if (!peer_full) {
        size_t most = 0;
        for (const Conn& c : conns_) {
            const size_t n = count_of(c.peer);
            if (n > most) most = n, victim_peer = c.peer;
        }
    }
    size_t oldest = conns_.size();
    for (size_t i = 0; i < conns_.size(); ++i) {
        const Conn& c = conns_[i];
        if (c.pending || c.peer != victim_peer) continue;  // busy with a request: keep it
        if (oldest == conns_.size() || c.accepted < conns_[oldest].accepted) oldest = i;
    }
    if (oldest == conns_.size()) return false;
    close_conn(oldest);
    ++evicted_;
    return true;
}

void RequestServer::accept_all(TimeUs now) {
    // Bounded per event: a flood is served over several loop turns, never starving the relay.
    for (int i = 0; i < 16; ++i) {
        stbf_sock s = STBF_SOCK_INVALID;
        stbf_addr addr{};
        if (port_->tcp_accept(port_->ctx, listener_, &s, &addr) != STBF_PORT_OK) return;
        Conn c;
        c.sock = s;
        c.accepted = now;
        c.deadline = now + timeout_;
        if (peer_key_) {
            c.peer = peer_key_(s, addr);
        } else if (addr.family != 0) {
            c.peer = peer_host_text(addr);
        }
        if (!make_room(c.peer)) {
            port_->tcp_close(port_->ctx, s);
            ++refused_;
            continue;
        }
        conns_.push_back(std::move(c));
        port_->watch(port_->ctx, s, STBF_READABLE, 0);
    }
}

void RequestServer::answer_pending() {
    for (size_t i = conns_.size(); i-- > 0;) {
        Conn& c = conns_[i];
        if (!c.pending || c.answered) continue;
        answer(c, c.complete);
        if (c.sock == STBF_SOCK_INVALID) close_conn(i);
    }
}

bool RequestServer::has_pending() const {
    for (const Conn& c : conns_)
        if (c.pending && !c.answered) return true;
    return false;
}

void RequestServer::serve(Conn& c) {
    if (c.pending) {
        if (c.answered) flush(c);  // WRITABLE: send more of the answer
        return;
    }
    uint8_t buf[1024];
    for (;;) {
        size_t got = 0;
        stbf_port_status st = port_->tcp_recv(port_->ctx, c.sock, buf, sizeof(buf), &got);
        if (st == STBF_PORT_WOULD_BLOCK) return;
        if (st != STBF_PORT_OK) {
            // Closed before the terminator: answer what came (a client may half-close after
            // its request), or drop it when nothing did.
            if (st == STBF_PORT_CLOSED && !c.in.empty()) {
                hold(c, false);
            } else {
                port_->tcp_close(port_->ctx, c.sock);
                c.sock = STBF_SOCK_INVALID;
            }
            return;
        }
        c.in.append(reinterpret_cast<const char*>(buf), got);
        size_t end = c.in.find(terminator_);
        if (end != std::string::npos && end + terminator_.size() <= max_request_) {
            c.in.resize(end);
            hold(c, true);
            return;
        }
        if (c.in.size() > max_request_) {
            c.in.resize(max_request_);
            hold(c, false);
            return;
        }
    }
}

void RequestServer::hold(Conn& c, bool complete) {
    c.pending = true;
    c.complete = complete;
    port_->watch(port_->ctx, c.sock, 0, 0);  // nothing more to read; answer_pending() replies
}

void RequestServer::answer(Conn& c, bool complete) {
    c.out = handler_(c.in, complete, c.peer);
    c.answered = true;
    c.in.clear();
    if (c.out.empty()) {
        port_->tcp_close(port_->ctx, c.sock);
        c.sock = STBF_SOCK_INVALID;
        return;
    }
    port_->watch(port_->ctx, c.sock, STBF_WRITABLE, 0);
    flush(c);
}

void RequestServer::flush(Conn& c) {
    while (c.sent < c.out.size()) {
        size_t n = 0;
        stbf_port_status st = port_->tcp_send(
            port_->ctx, c.sock, reinterpret_cast<const uint8_t*>(c.out.data()) + c.sent,
            c.out.size() - c.sent, &n);
        if (st == STBF_PORT_WOULD_BLOCK) return;  // WRITABLE brings us back
        if (st != STBF_PORT_OK) break;
        c.sent += n;
    }
    // Read what the client sent past its request first: closing with unread bytes makes the
    // kernel send RST, and the client could lose the response it has not read yet.
    uint8_t sink[512];
    size_t got = 0;
    for (int i = 0; i < 8; ++i)
        if (port_->tcp_recv(port_->ctx, c.sock, sink, sizeof(sink), &got) != STBF_PORT_OK) break;
    port_->tcp_close(port_->ctx, c.sock);
    c.sock = STBF_SOCK_INVALID;
}

void RequestServer::close_conn(size_t index) {
    port_->tcp_close(port_->ctx, conns_[index].sock);  // no-op when already closed
    conns_.erase(conns_.begin() + static_cast<long>(index));
}

}  // namespace stbf::daemon
