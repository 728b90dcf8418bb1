#include "stbf/sim/servers.h"

#include "stbf/sim/random.h"
#include "stbf/sim/softcam_model.h"

namespace stbf::sim {

// ---- greetings ----------------------------------------------------------------------------

std::vector<uint8_t> cccam_greeting(uint64_t seed) {
    std::vector<uint8_t> g(kCccamGreetingLen);
    Random(seed).fill(g.data(), 12);
    make_cccam_greeting(g.data(), g.data());
    return g;
}

std::vector<uint8_t> newcamd_greeting(uint64_t seed) {
    std::vector<uint8_t> g(kNewcamdGreetingLen);
    Random(seed ^ 0x6e657763616d64ull).fill(g.data(), g.size());
    return g;
}

// ---- behaviours ---------------------------------------------------------------------------

ServerBehaviour ServerBehaviour::cccam(uint64_t seed) {
    ServerBehaviour b;
    b.greeting = cccam_greeting(seed);
    return b;
}

ServerBehaviour ServerBehaviour::newcamd(uint64_t seed) {
    ServerBehaviour b;
    b.greeting = newcamd_greeting(seed);
    return b;
}

ServerBehaviour ServerBehaviour::line(uint64_t seed, uint64_t reply_delay_us) {
    ServerBehaviour b = cccam(seed);
    b.login_size = kLineLoginSize;
    b.login_reply_size = kLineLoginReplySize;
    b.message_size = kLineFrameSize;
    b.echo = true;
    b.reply_delay_us = reply_delay_us;
    return b;
}

ServerBehaviour ServerBehaviour::refuse() {
    ServerBehaviour b;
    b.listening = false;
    return b;
}

ServerBehaviour ServerBehaviour::reset_on_accept() {
    ServerBehaviour b;
    b.on_accept = OnAccept::Reset;
    return b;
}

ServerBehaviour ServerBehaviour::close_on_accept() {
    ServerBehaviour b;
    b.on_accept = OnAccept::Close;
    return b;
}

ServerBehaviour ServerBehaviour::bad_greeting() {
    ServerBehaviour b = cccam();
    b.greeting[12] = static_cast<uint8_t>(b.greeting[12] ^ 0xff);
    return b;
}

ServerBehaviour ServerBehaviour::slow_greeting(uint64_t delay_us) {
    ServerBehaviour b = cccam();
    b.greeting_delay_us = delay_us;
    return b;
}

ServerBehaviour ServerBehaviour::hang() {
    ServerBehaviour b = cccam();
    b.start_stopped = true;
    return b;
}

ServerBehaviour ServerBehaviour::silent() {
    ServerBehaviour b;
    b.answer = false;
    return b;
}

ServerBehaviour& ServerBehaviour::with_reply(size_t size, uint64_t delay_us) {
    answer = true;
    echo = false;
    reply_size = size;
    reply_delay_us = delay_us;
    return *this;
}

ServerBehaviour& ServerBehaviour::with_greeting(std::vector<uint8_t> bytes, uint64_t delay_us) {
    greeting = std::move(bytes);
    greeting_delay_us = delay_us;
    return *this;
}

ServerBehaviour& ServerBehaviour::with_idle_close(uint64_t us) {
    idle_close_us = us;
    return *this;
}

ServerBehaviour& ServerBehaviour::with_message_size(size_t size) {
    message_size = size;
    return *this;
}

// ---- server -------------------------------------------------------------------------------

Server::Server(Clock& clock, Network& net, Trace trace, const stbf_addr& endpoint,
               ServerBehaviour behaviour)
    : clock_(clock),
      net_(net),
      trace_(std::move(trace)),
      endpoint_(endpoint),
      behaviour_(std::move(behaviour)) {
    start();
}

Server::~Server() = default;

void Server::trace(const std::string& what) {
    if (trace_) trace_("server " + to_string(endpoint_) + " " + what);
}

void Server::start() {
    if (state_ != ServerState::Down || !behaviour_.listening) return;
    const stbf_port_status st = net_.listen(endpoint_, this, true, &listener_);
    if (st != STBF_PORT_OK) {
        trace("cannot listen (status " + std::to_string(st) + ")");
        listener_ = STBF_SOCK_INVALID;
        return;
    }
    state_ = behaviour_.start_stopped ? ServerState::Stopped : ServerState::Up;
    trace(state_ == ServerState::Up ? "up" : "up, hung");
}

void Server::kill(CloseHow how) {
    if (state_ == ServerState::Down) return;
    ++life_;
    net_.close(listener_);
    listener_ = STBF_SOCK_INVALID;
    for (auto& [id, c] : conns_) {
        if (how == CloseHow::Rst) {
            net_.abort(c.sock);
        } else {
            net_.close(c.sock);
        }
    }
    conns_.clear();
    by_sock_.clear();
    frozen_.clear();
    state_ = ServerState::Down;
    trace(how == CloseHow::Rst ? "killed (RST)" : "killed (FIN)");
}

void Server::stop() {
    if (state_ != ServerState::Up) return;
    state_ = ServerState::Stopped;
    trace("stopped");
}

void Server::resume() {
    if (state_ != ServerState::Stopped) return;
    state_ = ServerState::Up;
    trace("resumed");
    std::vector<std::function<void()>> due;
    due.swap(frozen_);
    for (auto& fn : due) fn();
    accept_all();
    std::vector<uint64_t> ids;
    for (const auto& [id, c] : conns_) ids.push_back(id);
    for (uint64_t id : ids) service(id);
}

void Server::restart(uint64_t down_us, CloseHow how) {
    kill(how);
    clock_.after(down_us, [this] { start(); });
}

void Server::flap(uint64_t up_us, uint64_t down_us, unsigned cycles, CloseHow how) {
    const stbf_time_us t0 = clock_.now();
    const uint64_t period = up_us + down_us;
    for (unsigned k = 0; k < cycles; ++k) {
        clock_.at(saturating_add(t0, k * period + up_us), [this, how] { kill(how); });
        clock_.at(saturating_add(t0, (k + 1) * period), [this] { start(); });
    }
}

void Server::when_running(stbf_time_us t, std::function<void()> fn) {
    const uint64_t life = life_;
    clock_.at(t, [this, life, fn = std::move(fn)] {
        if (life != life_) return;
        if (state_ == ServerState::Stopped) {
            frozen_.push_back(fn);
        } else {
            fn();
        }
    });
}

void Server::on_socket_event(stbf_sock s) {
    if (state_ != ServerState::Up) return;  // a frozen process reads nothing; resume() catches up
    if (s == listener_) {
        accept_all();
        return;
    }
    auto it = by_sock_.find(s);
    if (it != by_sock_.end()) service(it->second);
}

void Server::accept_all() {
    stbf_sock s = STBF_SOCK_INVALID;
    while (state_ == ServerState::Up && net_.accept(listener_, this, &s, nullptr) == STBF_PORT_OK) {
        ++accepted_;
        const uint64_t id = next_conn_++;
        Conn& c = conns_[id];
        c.sock = s;
        c.last_in = clock_.now();
        by_sock_[s] = id;
        switch (behaviour_.on_accept) {
            case ServerBehaviour::OnAccept::Reset:
                trace("reset after accept");
                drop(id, true);
                continue;
            case ServerBehaviour::OnAccept::Close:
                trace("closed after accept");
                drop(id, false);
                continue;
            case ServerBehaviour::OnAccept::Greet:
                break;
        }
        if (!behaviour_.greeting.empty()) {
            const std::vector<uint8_t> greeting = behaviour_.greeting;
            when_running(saturating_add(clock_.now(), behaviour_.greeting_delay_us),
                         [this, id, greeting] {
                             if (conns_.count(id) == 0) return;
                             conns_[id].greeted = true;
                             queue_send(id, greeting);
                         });
        }
        if (behaviour_.idle_close_us != 0) {
            arm_idle_check(id, saturating_add(clock_.now(), behaviour_.idle_close_us));
        }
        service(id);
    }
}

void Server::service(uint64_t id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    Conn& c = it->second;
    std::vector<uint8_t> data;
    const stbf_port_status st = net_.recv_all(c.sock, data);
    bytes_in_ += data.size();
    if (!data.empty()) {
        c.last_in = clock_.now();
        if (behaviour_.answer) {
            std::vector<std::vector<uint8_t>> messages;
            if (behaviour_.login_size != 0 && !c.logged_in) {
                c.partial.insert(c.partial.end(), data.begin(), data.end());
                data.clear();
                if (c.partial.size() >= behaviour_.login_size) {
                    c.logged_in = true;
                    data.assign(c.partial.begin() + static_cast<ptrdiff_t>(behaviour_.login_size),
                                c.partial.end());
                    c.partial.clear();
                    const std::vector<uint8_t> reply(behaviour_.login_reply_size, 0x4c);
                    when_running(saturating_add(clock_.now(), behaviour_.reply_delay_us),
                                 [this, id, reply] { queue_send(id, reply); });
                }
            }
            if (data.empty()) {
                // all of it went to the login
            } else if (behaviour_.message_size == 0) {
                messages.push_back(std::move(data));
            } else {
                c.partial.insert(c.partial.end(), data.begin(), data.end());
                const size_t n = behaviour_.message_size;
                while (c.partial.size() >= n) {
                    messages.emplace_back(c.partial.begin(),
                                          c.partial.begin() + static_cast<ptrdiff_t>(n));
                    c.partial.erase(c.partial.begin(),
                                    c.partial.begin() + static_cast<ptrdiff_t>(n));
                }
            }
            for (auto& m : messages) {
                std::vector<uint8_t> reply =
                    behaviour_.echo
                        ? m
                        : std::vector<uint8_t>(behaviour_.reply_size, behaviour_.reply_fill);
                if (reply.empty()) continue;
                ++answered_;
                when_running(saturating_add(clock_.now(), behaviour_.reply_delay_us),
                             [this, id, reply] { queue_send(id, reply); });
            }
        }
    }
    if (st != STBF_PORT_OK) {
        trace(st == STBF_PORT_CLOSED ? "saw client close" : "saw client reset");
        drop(id, false);
        return;
    }
    flush(id);
}

void Server::queue_send(uint64_t id, const std::vector<uint8_t>& bytes) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    it->second.out.insert(it->second.out.end(), bytes.begin(), bytes.end());
    flush(id);
}

void Server::flush(uint64_t id) {
    auto it = conns_.find(id);
    if (it == conns_.end() || state_ != ServerState::Up || it->second.out.empty()) return;
    size_t sent = 0;
    const stbf_port_status st = net_.send_queued(it->second.sock, it->second.out, &sent);
    bytes_out_ += sent;
    if (st != STBF_PORT_OK) drop(id, false);
}

void Server::drop(uint64_t id, bool reset) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    if (reset) {
        net_.abort(it->second.sock);
    } else {
        net_.close(it->second.sock);
    }
    by_sock_.erase(it->second.sock);
    conns_.erase(it);
}

void Server::arm_idle_check(uint64_t id, stbf_time_us at) {
    when_running(at, [this, id] {
        auto it = conns_.find(id);
        if (it == conns_.end()) return;
        const stbf_time_us quiet_until =
            saturating_add(it->second.last_in, behaviour_.idle_close_us);
        if (clock_.now() >= quiet_until) {
            trace("closed an idle client");
            drop(id, false);
        } else {
            arm_idle_check(id, quiet_until);
        }
    });
}

}  // namespace stbf::sim
