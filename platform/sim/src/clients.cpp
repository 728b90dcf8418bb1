#include "stbf/sim/clients.h"

#include <algorithm>
#include <memory>

namespace stbf::sim {

const char* client_event_name(ClientEventKind k) {
    switch (k) {
        case ClientEventKind::Connecting:
            return "connecting";
        case ClientEventKind::Connected:
            return "connected";
        case ClientEventKind::Refused:
            return "refused";
        case ClientEventKind::Unreachable:
            return "unreachable";
        case ClientEventKind::ConnectTimeout:
            return "connect-timeout";
        case ClientEventKind::Received:
            return "received";
        case ClientEventKind::Sent:
            return "sent";
        case ClientEventKind::Closed:
            return "closed";
        case ClientEventKind::Reset:
            return "reset";
        case ClientEventKind::NoReply:
            return "no-reply";
        case ClientEventKind::GreetingTimeout:
            return "greeting-timeout";
        case ClientEventKind::ClosedByClient:
            return "closed-by-client";
    }
    return "?";
}

Client::Client(Clock& clock, Network& net, Trace trace, const stbf_addr& target,
               ClientScript script)
    : clock_(clock),
      net_(net),
      trace_(std::move(trace)),
      target_(target),
      script_(std::move(script)),
      failure_delay_us_(script_.reconnect_after_failure_us) {
    const uint64_t generation = generation_;
    clock_.at(script_.start_at_us, [this, generation] {
        if (generation == generation_) start_connect(false);
    });
}

std::vector<ClientEvent> Client::events_of(ClientEventKind kind) const {
    std::vector<ClientEvent> out;
    for (const auto& e : events_) {
        if (e.kind == kind) out.push_back(e);
    }
    return out;
}

std::vector<stbf_time_us> Client::times_of(ClientEventKind kind) const {
    std::vector<stbf_time_us> out;
    for (const auto& e : events_) {
        if (e.kind == kind) out.push_back(e.at_us);
    }
    return out;
}

size_t Client::count(ClientEventKind kind) const {
    return events_of(kind).size();
}

std::string Client::timeline() const {
    std::string s;
    for (const auto& e : events_) {
        s += std::to_string(e.at_us) + " " + client_event_name(e.kind);
        if (e.kind == ClientEventKind::Received || e.kind == ClientEventKind::Sent) {
            s += " " + std::to_string(e.bytes);
        }
        s += "\n";
    }
    return s;
}

void Client::log(ClientEventKind kind, size_t bytes) {
    events_.push_back(ClientEvent{clock_.now(), kind, bytes});
    if (trace_) {
        // The local address tells apart clients of the same target in the trace.
        stbf_addr local{};
        const bool bound = net_.local_addr(sock_, &local) == STBF_PORT_OK;
        std::string line = "client " + (bound ? to_string(local) + " " : std::string()) + "-> " +
                           to_string(target_) + " " + client_event_name(kind);
        if (bytes) line += " " + std::to_string(bytes);
        trace_(line);
    }
}

void Client::on_this_connection(stbf_time_us t, std::function<void()> fn) {
    const uint64_t generation = generation_;
    clock_.at(t, [this, generation, fn = std::move(fn)] {
        if (generation == generation_) fn();
    });
}

void Client::connect() {
    closed_by_test_ = false;
    start_connect(true);
}

void Client::start_connect(bool ignore_limit) {
    if (connecting_ || connected_) return;
    if (!ignore_limit && script_.max_connects != 0 && connects_ >= script_.max_connects) return;
    ++connects_;
    ++generation_;
    received_.clear();
    out_.clear();
    log(ClientEventKind::Connecting);
    const stbf_port_status st = net_.connect(target_, this, &sock_);
    if (st == STBF_PORT_IN_PROGRESS) {
        connecting_ = true;
        return;
    }
    sock_ = STBF_SOCK_INVALID;
    connect_failed(st == STBF_PORT_UNREACHABLE ? ClientEventKind::Unreachable
                                               : ClientEventKind::Refused);
}

void Client::connect_failed(ClientEventKind why) {
    const uint64_t delay = failure_delay_us_;
    if (delay != kNoReconnect && script_.failure_backoff_factor > 1) {
        const uint64_t grown = delay > kNoReconnect / script_.failure_backoff_factor
                                   ? kNoReconnect - 1
                                   : delay * script_.failure_backoff_factor;
        failure_delay_us_ = std::min(grown, script_.reconnect_after_failure_max_us);
    }
    end_connection(why, delay);
}

void Client::on_connected() {
    failure_delay_us_ = script_.reconnect_after_failure_us;
    connecting_ = false;
    connected_ = true;
    log(ClientEventKind::Connected);
    const stbf_time_us t0 = clock_.now();
    for (const auto& s : script_.sends) {
        const std::vector<uint8_t> bytes = s.bytes;
        on_this_connection(saturating_add(t0, s.after_connect_us), [this, bytes] { send(bytes); });
    }
    if (script_.keepalive_every_us != 0) {
        // Each tick schedules the next; the generation check ends the chain with the connection.
        // The tick holds itself only weakly; the scheduled wrapper holds it strongly, so the
        // chain is freed when it ends (a strong self-capture would be a leak).
        auto tick = std::make_shared<std::function<void()>>();
        std::weak_ptr<std::function<void()>> self = tick;
        *tick = [this, self] {
            send(script_.keepalive);
            std::shared_ptr<std::function<void()>> next = self.lock();
            on_this_connection(saturating_add(clock_.now(), script_.keepalive_every_us),
                               [next] { (*next)(); });
        };
        on_this_connection(saturating_add(t0, script_.keepalive_every_us), [tick] { (*tick)(); });
    }
    if (script_.greeting_size != 0 && script_.greeting_timeout_us != 0) {
        on_this_connection(saturating_add(t0, script_.greeting_timeout_us), [this] {
            if (received_.size() < script_.greeting_size) {
                end_connection(ClientEventKind::GreetingTimeout, script_.reconnect_after_close_us);
            }
        });
    }
}

void Client::on_socket_event(stbf_sock s) {
    if (s != sock_) return;
    if (connecting_) {
        switch (net_.connect_result(s)) {
            case STBF_PORT_IN_PROGRESS:
                return;
            case STBF_PORT_OK:
                on_connected();
                break;
            case STBF_PORT_REFUSED:
                connect_failed(ClientEventKind::Refused);
                return;
            case STBF_PORT_UNREACHABLE:
                connect_failed(ClientEventKind::Unreachable);
                return;
            case STBF_PORT_TIMEOUT:
                connect_failed(ClientEventKind::ConnectTimeout);
                return;
            default:
                connect_failed(ClientEventKind::Reset);
                return;
        }
    }
    if (!connected_) return;
    std::vector<uint8_t> data;
    const stbf_port_status st = net_.recv_all(s, data);
    if (!data.empty()) {
        received_.insert(received_.end(), data.begin(), data.end());
        total_received_ += data.size();
        log(ClientEventKind::Received, data.size());
    }
    if (st == STBF_PORT_CLOSED) {
        end_connection(ClientEventKind::Closed, script_.reconnect_after_close_us);
    } else if (st != STBF_PORT_OK) {
        end_connection(ClientEventKind::Reset, script_.reconnect_after_close_us);
    } else {
        flush();
    }
}

void Client::send(const std::vector<uint8_t>& bytes) {
    if (!connected_) {
        if (trace_) trace_("client -> " + to_string(target_) + " not connected: send dropped");
        return;
    }
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    flush();
    if (connected_ && script_.expect_reply_within_us != 0) {
        const uint64_t received_before = total_received_;
        on_this_connection(saturating_add(clock_.now(), script_.expect_reply_within_us),
                           [this, received_before] {
                               if (total_received_ == received_before)
                                   log(ClientEventKind::NoReply);
                           });
    }
}

void Client::flush() {
    if (!connected_ || out_.empty()) return;
    size_t sent = 0;
    const stbf_port_status st = net_.send_queued(sock_, out_, &sent);
    if (sent) log(ClientEventKind::Sent, sent);
    if (st != STBF_PORT_OK)
        end_connection(ClientEventKind::Reset, script_.reconnect_after_close_us);
}

void Client::close() {
    closed_by_test_ = true;
    if (connected_ || connecting_) end_connection(ClientEventKind::ClosedByClient, kNoReconnect);
}

void Client::end_connection(ClientEventKind why, uint64_t reconnect_after_us) {
    log(why);
    net_.close(sock_);
    sock_ = STBF_SOCK_INVALID;
    connecting_ = connected_ = false;
    ++generation_;
    if (reconnect_after_us == kNoReconnect || closed_by_test_) return;
    const uint64_t generation = generation_;
    clock_.after(reconnect_after_us, [this, generation] {
        if (generation == generation_) start_connect(false);
    });
}

// ---- Softcam -------------------------------------------------------------------------------

Softcam::Softcam(Clock& clock, Network& net, Trace trace, std::vector<stbf_addr> targets,
                 const SoftcamOptions& options)
    : clock_(clock),
      net_(net),
      trace_(std::move(trace)),
      targets_(std::move(targets)),
      model_([&] {
          SoftcamOptions o = options;
          o.readers = static_cast<unsigned>(targets_.size());
          return o;
      }()),
      socks_(targets_.size(), STBF_SOCK_INVALID),
      connecting_(targets_.size(), false),
      out_(targets_.size()) {
    model_.start(clock_.now());
    pump();
}

Softcam::~Softcam() {
    if (timer_ != 0) clock_.cancel(timer_);
}

void Softcam::trace(unsigned reader, const std::string& what) {
    if (trace_) trace_("softcam reader " + std::to_string(reader) + " -> " +
                       to_string(targets_[reader]) + " " + what);
}

void Softcam::stop() {
    model_.stop(clock_.now());
    pump();
}

void Softcam::pump() {
    const size_t before = model_.events().size();
    SoftcamAction a;
    while (model_.pop_action(&a)) {
        const unsigned r = a.reader;
        switch (a.kind) {
            case SoftcamAction::Kind::Connect: {
                out_[r].clear();
                stbf_sock s = STBF_SOCK_INVALID;
                const stbf_port_status st = net_.connect(targets_[r], this, &s);
                if (st == STBF_PORT_IN_PROGRESS) {
                    socks_[r] = s;
                    connecting_[r] = true;
                } else {
                    model_.on_connect_failed(r, clock_.now());
                }
                break;
            }
            case SoftcamAction::Kind::Send: {
                out_[r].insert(out_[r].end(), a.bytes.begin(), a.bytes.end());
                size_t sent = 0;
                if (socks_[r] != STBF_SOCK_INVALID &&
                    net_.send_queued(socks_[r], out_[r], &sent) != STBF_PORT_OK) {
                    net_.close(socks_[r]);
                    socks_[r] = STBF_SOCK_INVALID;
                    model_.on_closed(r, clock_.now());
                }
                break;
            }
            case SoftcamAction::Kind::Close:
                net_.close(socks_[r]);
                socks_[r] = STBF_SOCK_INVALID;
                connecting_[r] = false;
                break;
        }
    }
    for (size_t i = before; i < model_.events().size() && trace_; ++i)
        trace(model_.events()[i].reader, reader_event_name(model_.events()[i].kind));
    // One pending clock callback, at the model's next deadline.
    const uint64_t due = model_.next_deadline();
    const stbf_time_us at = due == kSoftcamNever ? kNoTime : due;
    if (at == timer_at_) return;
    if (timer_ != 0) clock_.cancel(timer_);
    timer_ = 0;
    timer_at_ = at;
    if (at == kNoTime) return;
    timer_ = clock_.at(at, [this] {
        timer_ = 0;
        timer_at_ = kNoTime;
        model_.on_time(clock_.now());
        pump();
    });
}

void Softcam::on_socket_event(stbf_sock s) {
    unsigned r = 0;
    while (r < socks_.size() && socks_[r] != s) ++r;
    if (r == socks_.size()) return;
    const stbf_time_us now = clock_.now();
    if (connecting_[r]) {
        const stbf_port_status st = net_.connect_result(s);
        if (st == STBF_PORT_IN_PROGRESS) return;
        connecting_[r] = false;
        if (st != STBF_PORT_OK) {
            net_.close(s);
            socks_[r] = STBF_SOCK_INVALID;
            model_.on_connect_failed(r, now);
            pump();
            return;
        }
        model_.on_connected(r, now);
    }
    std::vector<uint8_t> data;
    const stbf_port_status st = net_.recv_all(s, data);
    if (!data.empty()) model_.on_received(r, data.data(), data.size(), now);
    if (st != STBF_PORT_OK) {
        net_.close(s);
        socks_[r] = STBF_SOCK_INVALID;
        model_.on_closed(r, now);
    } else if (!out_[r].empty()) {
        size_t sent = 0;
        if (net_.send_queued(s, out_[r], &sent) != STBF_PORT_OK) {
            net_.close(s);
            socks_[r] = STBF_SOCK_INVALID;
            model_.on_closed(r, now);
        }
    }
    pump();
}

}  // namespace stbf::sim
