#include "stbf/sim/network.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>

namespace stbf::sim {

// ---- addresses ----------------------------------------------------------------------------

stbf_addr addr(const char* text, uint16_t port) {
    stbf_addr a{};
    if (!parse_numeric_host(text, port, &a)) {
        fprintf(stderr, "stbf::sim::addr: \"%s\" is not a numeric IPv4/IPv6 address\n",
                text ? text : "(null)");
        abort();
    }
    return a;
}

std::string to_string(const stbf_addr& a) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (a.family == 4) {
        inet_ntop(AF_INET, a.addr, host, sizeof host);
    } else if (a.family == 6) {
        inet_ntop(AF_INET6, a.addr, host, sizeof host);
    }
    std::string s = (a.family == 6 && a.port != 0) ? "[" + std::string(host) + "]" : host;
    if (a.port != 0) s += ":" + std::to_string(a.port);
    return s;
}

static size_t addr_bytes(const stbf_addr& a) {
    return a.family == 4 ? 4 : 16;
}

bool is_loopback(const stbf_addr& a) {
    if (a.family == 4) return a.addr[0] == 127;
    static const uint8_t kLoop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return a.family == 6 && memcmp(a.addr, kLoop6, 16) == 0;
}

bool is_wildcard(const stbf_addr& a) {
    static const uint8_t kZero[16] = {};
    return (a.family == 4 || a.family == 6) && memcmp(a.addr, kZero, addr_bytes(a)) == 0;
}

static bool valid_family(const stbf_addr& a) {
    return a.family == 4 || a.family == 6;
}

// ---- network ------------------------------------------------------------------------------

Network::Network(Clock& clock, Trace trace) : clock_(clock), trace_(std::move(trace)) {
    local_addresses_.push_back(addr("192.168.1.10"));
    local_addresses_.push_back(addr("fd00::10"));
}

// Per-address settings: the entry whose address `same` as `where` gets `setting`, or a new one.
template <typename Setting>
static void set_for(std::vector<std::pair<stbf_addr, Setting>>& table, const stbf_addr& where,
                    Setting setting, bool (*same)(const stbf_addr&, const stbf_addr&)) {
    for (auto& [key, value] : table) {
        if (same(key, where)) {
            value = setting;
            return;
        }
    }
    table.emplace_back(where, setting);
}

void Network::set_latency_us(const stbf_addr& endpoint, uint64_t latency_us) {
    set_for(latencies_, endpoint, latency_us, &same_endpoint);
}

void Network::set_path(const stbf_addr& host, Path path) { set_for(paths_, host, path, &same_host); }

void Network::set_buffer_sizes(size_t send_bytes, size_t receive_bytes) {
    send_buffer_ = send_bytes ? send_bytes : 1;
    receive_buffer_ = receive_bytes ? receive_bytes : 1;
}

void Network::add_local_address(const stbf_addr& a) {
    if (default_local_addresses_) {
        local_addresses_.clear();
        default_local_addresses_ = false;
    }
    local_addresses_.push_back(a);
}

uint64_t Network::latency_to(const stbf_addr& endpoint) const {
    const uint64_t* host_wide = nullptr;
    for (const auto& [key, value] : latencies_) {
        if (!same_host(key, endpoint)) continue;
        if (key.port == endpoint.port) return value;
        if (key.port == 0) host_wide = &value;
    }
    return host_wide ? *host_wide : default_latency_us_;
}

Path Network::path_to(const stbf_addr& host) const {
    for (const auto& [key, value] : paths_) {
        if (same_host(key, host)) return value;
    }
    return Path::Open;
}

bool Network::is_local(const stbf_addr& a) const {
    if (is_loopback(a)) return true;
    for (const auto& l : local_addresses_) {
        if (same_host(l, a)) return true;
    }
    return false;
}

stbf_addr Network::source_for(const stbf_addr& remote) {
    stbf_addr src{};
    if (is_loopback(remote)) {
        src = remote.family == 4 ? addr("127.0.0.1") : addr("::1");
    } else {
        src = remote.family == 4 ? addr("192.168.1.10") : addr("fd00::10");
        for (const auto& l : local_addresses_) {
            if (l.family == remote.family) {
                src = l;
                break;
            }
        }
    }
    src.port = ephemeral_port(src);
    return src;
}

uint16_t Network::ephemeral_port(const stbf_addr& local) {
    // Linux-like ephemeral range; skip ports a listener of the same host holds.
    for (int tries = 0; tries < 30000; ++tries) {
        const uint16_t p = next_ephemeral_;
        next_ephemeral_ = next_ephemeral_ >= 60999 ? 40000 : next_ephemeral_ + 1;
        bool taken = false;
        for (const auto& so : sockets_) {
            if (so && so->kind == Kind::Listener && so->local.port == p &&
                (same_host(so->local, local) || is_wildcard(so->local))) {
                taken = true;
                break;
            }
        }
        if (!taken) return p;
    }
    return 0;
}

Network::Socket* Network::find(stbf_sock s) {
    if (s < 0 || static_cast<size_t>(s) >= sockets_.size() || !sockets_[s]) return nullptr;
    return &*sockets_[s];
}

const Network::Socket* Network::find(stbf_sock s) const {
    if (s < 0 || static_cast<size_t>(s) >= sockets_.size() || !sockets_[s]) return nullptr;
    return &*sockets_[s];
}

stbf_sock Network::allocate(Kind kind, SocketObserver* owner, const stbf_addr& local) {
    size_t i = 0;
    while (i < sockets_.size() && sockets_[i]) ++i;
    if (i == sockets_.size()) sockets_.emplace_back();
    Socket so;
    so.kind = kind;
    so.owner = owner;
    so.local = local;
    so.generation = next_generation_++;
    so.backlog = backlog_;
    sockets_[i] = std::move(so);
    return static_cast<stbf_sock>(i);
}

void Network::release(stbf_sock s) {
    if (find(s)) sockets_[s].reset();
}

Network::Half* Network::half_of(const Socket& so) {
    if (so.kind != Kind::Stream) return nullptr;
    auto it = conns_.find(so.conn);
    return it == conns_.end() ? nullptr : &it->second.half[so.side];
}

const Network::Half* Network::half_of(const Socket& so) const {
    if (so.kind != Kind::Stream) return nullptr;
    auto it = conns_.find(so.conn);
    return it == conns_.end() ? nullptr : &it->second.half[so.side];
}

stbf_sock Network::find_listener(const stbf_addr& dest) const {
    stbf_sock wildcard = STBF_SOCK_INVALID;
    for (size_t i = 0; i < sockets_.size(); ++i) {
        const auto& so = sockets_[i];
        if (!so || so->kind != Kind::Listener || so->local.family != dest.family ||
            so->local.port != dest.port) {
            continue;
        }
        if (same_host(so->local, dest)) return static_cast<stbf_sock>(i);
        if (is_wildcard(so->local) && wildcard == STBF_SOCK_INVALID) {
            wildcard = static_cast<stbf_sock>(i);
        }
    }
    // A wildcard listener of the box only receives connects addressed to the box.
    return is_local(dest) ? wildcard : STBF_SOCK_INVALID;
}

void Network::notify(stbf_sock s) {
    Socket* so = find(s);
    if (so == nullptr || so->owner == nullptr || so->notify_pending) return;
    so->notify_pending = true;
    const uint64_t generation = so->generation;
    clock_.after(0, [this, s, generation] {
        Socket* current = find(s);
        if (current == nullptr || current->generation != generation) return;
        current->notify_pending = false;
        current->owner->on_socket_event(s);
    });
}

void Network::schedule(uint64_t conn, uint64_t delay, std::function<void(Conn&)> fn) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    ++it->second.events_in_flight;
    clock_.after(delay, [this, conn, fn = std::move(fn)] {
        auto found = conns_.find(conn);
        if (found == conns_.end()) return;
        --found->second.events_in_flight;
        fn(found->second);
        maybe_forget(conn);
    });
}

void Network::maybe_forget(uint64_t conn) {
    auto it = conns_.find(conn);
    if (it == conns_.end() || it->second.events_in_flight != 0) return;
    for (const Half& h : it->second.half) {
        const bool finished = h.reset || (h.fin_sent && h.fin_received);
        if (h.sock != STBF_SOCK_INVALID || !h.app_closed || !finished) return;
    }
    conns_.erase(it);
}

// ---- listen / accept ----------------------------------------------------------------------

stbf_port_status Network::listen(const stbf_addr& local, SocketObserver* owner, bool any_address,
                                 stbf_sock* out) {
    if (out == nullptr || !valid_family(local)) return STBF_PORT_INVALID;
    if (!any_address && !is_wildcard(local) && !is_local(local)) {
        trace("listen " + to_string(local) + ": not an address of the box");
        return STBF_PORT_ERROR;
    }
    stbf_addr bound = local;
    if (bound.port == 0) {
        bound.port = ephemeral_port(bound);
        if (bound.port == 0) return STBF_PORT_NO_RESOURCES;
    }
    for (const auto& so : sockets_) {
        if (so && so->kind == Kind::Listener && so->local.family == bound.family &&
            so->local.port == bound.port &&
            (same_host(so->local, bound) || is_wildcard(so->local) || is_wildcard(bound))) {
            trace("listen " + to_string(bound) + ": address in use");
            return STBF_PORT_ADDR_IN_USE;
        }
    }
    *out = allocate(Kind::Listener, owner, bound);
    trace("listen " + to_string(bound) + " sock " + std::to_string(*out));
    return STBF_PORT_OK;
}

stbf_port_status Network::accept(stbf_sock listener, SocketObserver* owner, stbf_sock* out,
                                 stbf_addr* peer) {
    Socket* ls = find(listener);
    if (out == nullptr || ls == nullptr || ls->kind != Kind::Listener) return STBF_PORT_INVALID;
    while (!ls->accept_queue.empty()) {
        const uint64_t c = ls->accept_queue.front();
        ls->accept_queue.pop_front();
        auto it = conns_.find(c);
        if (it == conns_.end()) continue;
        Half& h = it->second.half[1];
        const stbf_sock s = allocate(Kind::Stream, owner, h.local);
        ls = find(listener);  // allocate may have moved the table
        Socket& so = *find(s);
        so.conn = c;
        so.side = 1;
        h.sock = s;
        if (peer) *peer = h.remote;
        trace("accept " + to_string(h.remote) + " -> " + to_string(h.local) + " sock " +
              std::to_string(s));
        if (!h.rx.empty() || h.reset || h.fin_received) notify(s);
        *out = s;
        return STBF_PORT_OK;
    }
    return STBF_PORT_WOULD_BLOCK;
}

// ---- connect ------------------------------------------------------------------------------

stbf_port_status Network::connect(const stbf_addr& remote, SocketObserver* owner, stbf_sock* out) {
    if (out == nullptr || !valid_family(remote) || remote.port == 0 || is_wildcard(remote)) {
        return STBF_PORT_INVALID;
    }
    const Path path = path_to(remote);
    if (path == Path::NoRoute) {
        trace("connect " + to_string(remote) + ": no route");
        return STBF_PORT_UNREACHABLE;
    }
    const stbf_addr local = source_for(remote);
    if (local.port == 0) return STBF_PORT_NO_RESOURCES;
    const stbf_sock s = allocate(Kind::Connecting, owner, local);
    Socket& so = *find(s);
    so.remote = remote;
    so.syn_rto_us = 1'000'000;
    const uint64_t generation = so.generation;
    const uint64_t latency = latency_to(remote);
    so.timeout_event = clock_.after(
        syn_timeout_us_, [this, s, generation] { fail_connect(s, generation, STBF_PORT_TIMEOUT); });
    trace("connect " + to_string(local) + " -> " + to_string(remote) + " sock " +
          std::to_string(s));
    switch (path) {
        case Path::Open:
            clock_.after(latency,
                         [this, s, generation, latency] { syn_arrives(s, generation, latency); });
            break;
        case Path::Unreachable:
            clock_.after(saturating_add(latency, latency), [this, s, generation] {
                fail_connect(s, generation, STBF_PORT_UNREACHABLE);
            });
            break;
        case Path::Blackhole:
        case Path::NoRoute:
            break;
    }
    *out = s;
    return STBF_PORT_IN_PROGRESS;
}

void Network::fail_connect(stbf_sock s, uint64_t generation, stbf_port_status why) {
    Socket* so = find(s);
    if (so == nullptr || so->generation != generation || so->kind != Kind::Connecting ||
        so->outcome != STBF_PORT_IN_PROGRESS) {
        return;
    }
    so->outcome = why;
    clock_.cancel(so->timeout_event);
    static const char* const kWhy[] = {"ok",      "would block", "in progress", "closed",
                                       "refused", "reset",       "unreachable", "timeout"};
    trace("connect sock " + std::to_string(s) + " to " + to_string(so->remote) +
          " failed: " + (why < 8 ? kWhy[why] : "error"));
    notify(s);
}

void Network::syn_arrives(stbf_sock s, uint64_t generation, uint64_t latency) {
    Socket* so = find(s);
    if (so == nullptr || so->generation != generation || so->kind != Kind::Connecting ||
        so->outcome != STBF_PORT_IN_PROGRESS) {
        return;  // the connecting side gave up; its SYN no longer matters
    }
    const stbf_sock l = find_listener(so->remote);
    Socket* ls = find(l);
    if (ls == nullptr) {
        clock_.after(latency,
                     [this, s, generation] { fail_connect(s, generation, STBF_PORT_REFUSED); });
        return;
    }
    if (ls->accept_queue.size() + ls->half_open >= ls->backlog) {
        trace("SYN to " + to_string(so->remote) + " dropped: backlog full");
        const uint64_t rto = so->syn_rto_us;
        so->syn_rto_us = saturating_add(rto, rto);
        clock_.after(rto, [this, s, generation, latency] { syn_arrives(s, generation, latency); });
        return;
    }
    ++ls->half_open;
    const uint64_t c = next_conn_++;
    Conn& conn = conns_[c];
    conn.latency_us = latency;
    for (Half& h : conn.half) {
        h.rx_cap = receive_buffer_;
        h.tx_cap = send_buffer_;
    }
    conn.half[0].local = so->local;
    conn.half[0].remote = so->remote;
    conn.half[1].local = so->remote;
    conn.half[1].remote = so->local;
    const uint64_t listener_generation = ls->generation;
    schedule(c, latency, [this, s, generation, c, l, listener_generation](Conn& cn) {
        Socket* client = find(s);
        Socket* listener = find(l);
        const bool listener_alive = listener && listener->generation == listener_generation;
        if (client == nullptr || client->generation != generation ||
            client->kind != Kind::Connecting || client->outcome != STBF_PORT_IN_PROGRESS) {
            // The connecting side gave up before the SYN-ACK: the connection never forms.
            if (listener_alive) --listener->half_open;
            for (Half& h : cn.half) h.reset = h.app_closed = true;
            return;
        }
        client->kind = Kind::Stream;
        client->outcome = STBF_PORT_OK;
        client->conn = c;
        client->side = 0;
        clock_.cancel(client->timeout_event);
        cn.half[0].sock = s;
        trace("connected sock " + std::to_string(s) + " to " + to_string(cn.half[0].remote));
        notify(s);
        schedule(c, cn.latency_us, [this, c, l, listener_generation](Conn& cn2) {
            Socket* ls2 = find(l);
            if (ls2 == nullptr || ls2->generation != listener_generation) {
                cn2.half[1].app_closed = true;
                send_rst(c, 1);
                return;
            }
            --ls2->half_open;
            ls2->accept_queue.push_back(c);
            notify(l);
        });
    });
}

stbf_port_status Network::connect_result(stbf_sock s) const {
    const Socket* so = find(s);
    if (so == nullptr || so->kind == Kind::Listener) return STBF_PORT_INVALID;
    return so->kind == Kind::Stream ? STBF_PORT_OK : so->outcome;
}

// ---- data ---------------------------------------------------------------------------------

void Network::pump(uint64_t conn, int side) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    Conn& cn = it->second;
    Half& e = cn.half[side];
    const Half& p = cn.half[1 - side];
    if (e.reset || e.fin_sent) return;
    // A closed peer still "accepts" bytes on the wire: they reach it and it answers RST.
    size_t window = e.tx.size();
    if (!p.app_closed) {
        const size_t used = p.rx.size() + e.in_flight;
        window = used >= p.rx_cap ? 0 : p.rx_cap - used;
    }
    const size_t n = std::min(window, e.tx.size());
    if (n > 0) {
        std::vector<uint8_t> bytes(e.tx.begin(), e.tx.begin() + static_cast<ptrdiff_t>(n));
        e.tx.erase(e.tx.begin(), e.tx.begin() + static_cast<ptrdiff_t>(n));
        e.in_flight += n;
        const int to = 1 - side;
        schedule(conn, cn.latency_us, [this, conn, to, bytes = std::move(bytes)](Conn&) mutable {
            segment_arrives(conn, to, std::move(bytes), false);
        });
        notify(e.sock);
    }
    if (e.tx.empty() && e.fin_queued && !e.fin_sent) {
        e.fin_sent = true;
        const int to = 1 - side;
        trace("FIN " + to_string(e.local) + " -> " + to_string(e.remote));
        schedule(conn, cn.latency_us,
                 [this, conn, to](Conn&) { segment_arrives(conn, to, {}, true); });
    }
}

void Network::segment_arrives(uint64_t conn, int to_side, std::vector<uint8_t> bytes, bool fin) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    Half& h = it->second.half[to_side];
    Half& from = it->second.half[1 - to_side];
    from.in_flight -= bytes.size();
    if (h.reset) return;
    if (h.app_closed && !bytes.empty()) {
        trace("data to closed " + to_string(h.local) + ": RST");
        send_rst(conn, to_side);
        return;
    }
    h.rx.insert(h.rx.end(), bytes.begin(), bytes.end());
    if (fin) h.fin_received = true;
    if (h.sock != STBF_SOCK_INVALID) notify(h.sock);
}

void Network::send_rst(uint64_t conn, int from_side) {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    Half& h = it->second.half[from_side];
    h.reset = true;
    h.tx.clear();
    trace("RST " + to_string(h.local) + " -> " + to_string(h.remote));
    const int to = 1 - from_side;
    schedule(conn, it->second.latency_us, [this, to](Conn& cn) {
        Half& p = cn.half[to];
        if (p.reset) return;
        p.reset = true;
        p.tx.clear();
        if (p.sock != STBF_SOCK_INVALID) notify(p.sock);
    });
}

stbf_port_status Network::stream_half(stbf_sock s, bool buffer_ok, Socket** so_out, Half** h_out) {
    Socket* so = find(s);
    if (so == nullptr || so->kind == Kind::Listener || !buffer_ok) return STBF_PORT_INVALID;
    if (so->kind == Kind::Connecting) {
        return so->outcome == STBF_PORT_IN_PROGRESS ? STBF_PORT_WOULD_BLOCK : STBF_PORT_RESET;
    }
    Half* h = half_of(*so);
    if (h == nullptr) return STBF_PORT_RESET;
    *so_out = so;
    *h_out = h;
    return STBF_PORT_OK;
}

stbf_port_status Network::send(stbf_sock s, const uint8_t* data, size_t len, size_t* sent) {
    if (sent == nullptr) return STBF_PORT_INVALID;
    *sent = 0;
    Socket* so = nullptr;
    Half* h = nullptr;
    const stbf_port_status st = stream_half(s, data != nullptr && len > 0, &so, &h);
    if (st != STBF_PORT_OK) return st;
    if (h->reset) return STBF_PORT_RESET;
    const size_t room = h->tx_cap - std::min(h->tx_cap, h->tx.size());
    if (room == 0) return STBF_PORT_WOULD_BLOCK;
    const size_t n = std::min(room, len);
    h->tx.insert(h->tx.end(), data, data + n);
    *sent = n;
    pump(so->conn, so->side);
    return STBF_PORT_OK;
}

stbf_port_status Network::recv(stbf_sock s, uint8_t* buf, size_t cap, size_t* got) {
    if (got == nullptr) return STBF_PORT_INVALID;
    *got = 0;
    Socket* so = nullptr;
    Half* h = nullptr;
    const stbf_port_status st = stream_half(s, buf != nullptr && cap > 0, &so, &h);
    if (st != STBF_PORT_OK) return st;
    if (!h->rx.empty()) {
        const size_t n = std::min(cap, h->rx.size());
        std::copy(h->rx.begin(), h->rx.begin() + static_cast<ptrdiff_t>(n), buf);
        h->rx.erase(h->rx.begin(), h->rx.begin() + static_cast<ptrdiff_t>(n));
        *got = n;
        pump(so->conn, 1 - so->side);  // the window opened: the peer may send more
        return STBF_PORT_OK;
    }
    if (h->reset) return STBF_PORT_RESET;
    if (h->fin_received) return STBF_PORT_CLOSED;
    return STBF_PORT_WOULD_BLOCK;
}

Network::Half* Network::release_stream(stbf_sock s, uint64_t* conn, int* side) {
    Socket* so = find(s);
    *conn = so->conn;
    *side = so->side;
    Half* h = half_of(*so);
    release(s);
    if (h == nullptr) return nullptr;
    h->sock = STBF_SOCK_INVALID;
    h->app_closed = true;
    return h;
}

void Network::close(stbf_sock s) {
    Socket* so = find(s);
    if (so == nullptr) return;
    if (so->kind == Kind::Listener) {
        trace("close listener " + to_string(so->local));
        const std::deque<uint64_t> waiting = so->accept_queue;
        release(s);
        for (uint64_t c : waiting) {
            auto it = conns_.find(c);
            if (it == conns_.end()) continue;
            it->second.half[1].app_closed = true;
            send_rst(c, 1);
            maybe_forget(c);
        }
        return;
    }
    if (so->kind == Kind::Connecting) {
        clock_.cancel(so->timeout_event);
        release(s);
        return;
    }
    uint64_t c = 0;
    int side = 0;
    Half* h = release_stream(s, &c, &side);
    if (h == nullptr) return;
    if (!h->reset) {
        if (!h->rx.empty()) {
            trace("close " + to_string(h->local) + " with unread data");
            send_rst(c, side);  // what Linux does: unread data means the peer lost something
        } else {
            h->fin_queued = true;
            pump(c, side);
        }
    }
    maybe_forget(c);
}

void Network::abort(stbf_sock s) {
    Socket* so = find(s);
    if (so == nullptr) return;
    if (so->kind != Kind::Stream) {
        close(s);
        return;
    }
    uint64_t c = 0;
    int side = 0;
    Half* h = release_stream(s, &c, &side);
    if (h == nullptr) return;
    if (!h->reset) send_rst(c, side);
    maybe_forget(c);
}

stbf_port_status Network::local_addr(stbf_sock s, stbf_addr* out) const {
    const Socket* so = find(s);
    if (so == nullptr || out == nullptr) return STBF_PORT_INVALID;
    *out = so->local;
    return STBF_PORT_OK;
}

stbf_port_status Network::peer_addr(stbf_sock s, stbf_addr* out) const {
    const Socket* so = find(s);
    if (so == nullptr || out == nullptr || so->kind == Kind::Listener) return STBF_PORT_INVALID;
    const Half* h = half_of(*so);
    *out = h ? h->remote : so->remote;
    return STBF_PORT_OK;
}

// ---- readiness ----------------------------------------------------------------------------

unsigned Network::readiness(stbf_sock s) const {
    const Socket* so = find(s);
    if (so == nullptr) return 0;
    switch (so->kind) {
        case Kind::Listener:
            return so->accept_queue.empty() ? 0u : STBF_READABLE;
        case Kind::Connecting:
            return so->outcome == STBF_PORT_IN_PROGRESS ? 0u : (STBF_READABLE | STBF_WRITABLE);
        case Kind::Stream:
            break;
    }
    const Half* h = half_of(*so);
    if (h == nullptr) return STBF_READABLE | STBF_WRITABLE;
    unsigned r = 0;
    if (!h->rx.empty() || h->fin_received || h->reset) r |= STBF_READABLE;
    if (h->reset || h->tx.size() < h->tx_cap) r |= STBF_WRITABLE;
    return r;
}

stbf_port_status Network::watch(stbf_sock s, unsigned interest, uint32_t tag) {
    Socket* so = find(s);
    if (so == nullptr || (interest & ~(STBF_READABLE | STBF_WRITABLE)) != 0) {
        return STBF_PORT_INVALID;
    }
    so->interest = interest;
    so->tag = tag;
    return STBF_PORT_OK;
}

size_t Network::collect_ready(stbf_event* events, size_t cap) {
    const size_t count = sockets_.size();
    size_t n = 0;
    for (size_t i = 0; i < count && n < cap; ++i) {
        const size_t idx = (poll_cursor_ + i) % count;
        const auto& so = sockets_[idx];
        if (!so || so->owner != nullptr || so->interest == 0) continue;
        const unsigned ready = readiness(static_cast<stbf_sock>(idx)) & so->interest;
        if (ready == 0) continue;
        stbf_event& ev = events[n++];
        ev = stbf_event{};
        ev.kind = STBF_EVENT_SOCKET;
        ev.ready = static_cast<uint8_t>(ready);
        ev.sock = static_cast<stbf_sock>(idx);
        ev.tag = so->tag;
        if (n == cap) {
            poll_cursor_ = idx + 1;  // next poll starts after the last one reported
            return n;
        }
    }
    poll_cursor_ = 0;
    return n;
}

bool Network::owned_by(stbf_sock s, const SocketObserver* owner) const {
    const Socket* so = find(s);
    return so != nullptr && so->owner == owner;
}

size_t Network::open_sockets() const {
    return static_cast<size_t>(std::count_if(sockets_.begin(), sockets_.end(),
                                             [](const auto& so) { return so.has_value(); }));
}

size_t Network::open_port_sockets() const {
    return static_cast<size_t>(std::count_if(sockets_.begin(), sockets_.end(), [](const auto& so) {
        return so.has_value() && so->owner == nullptr;
    }));
}

// ---- helpers for scripted actors ----------------------------------------------------------

stbf_port_status Network::send_queued(stbf_sock s, std::deque<uint8_t>& queue, size_t* sent) {
    size_t total = 0;
    stbf_port_status st = STBF_PORT_OK;
    while (!queue.empty()) {
        const size_t chunk_len = std::min<size_t>(queue.size(), 4096);
        std::vector<uint8_t> chunk(queue.begin(),
                                   queue.begin() + static_cast<ptrdiff_t>(chunk_len));
        size_t n = 0;
        st = send(s, chunk.data(), chunk.size(), &n);
        if (st != STBF_PORT_OK) break;
        queue.erase(queue.begin(), queue.begin() + static_cast<ptrdiff_t>(n));
        total += n;
        if (n < chunk_len) break;
    }
    if (sent) *sent = total;
    return st == STBF_PORT_WOULD_BLOCK ? STBF_PORT_OK : st;
}

stbf_port_status Network::recv_all(stbf_sock s, std::vector<uint8_t>& into) {
    uint8_t buf[4096];
    for (;;) {
        size_t got = 0;
        const stbf_port_status st = recv(s, buf, sizeof buf, &got);
        if (st == STBF_PORT_OK) {
            into.insert(into.end(), buf, buf + got);
            continue;
        }
        return st == STBF_PORT_WOULD_BLOCK ? STBF_PORT_OK : st;
    }
}

}  // namespace stbf::sim
