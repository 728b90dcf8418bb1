#include "stbf/sim/softcam_model.h"

#include <algorithm>

namespace stbf::sim {
namespace {

uint64_t splitmix(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t add(uint64_t t, uint64_t d) {
    return t > kSoftcamNever - d ? kSoftcamNever : t + d;
}

}  // namespace

const char* reader_event_name(ReaderEventKind k) {
    switch (k) {
        case ReaderEventKind::Connecting:
            return "connecting";
        case ReaderEventKind::Connected:
            return "connected";
        case ReaderEventKind::ConnectFailed:
            return "connect-failed";
        case ReaderEventKind::GreetingTimeout:
            return "greeting-timeout";
        case ReaderEventKind::LoggedIn:
            return "logged-in";
        case ReaderEventKind::Closed:
            return "closed";
    }
    return "?";
}

SoftcamSummary summarize(const std::vector<SoftcamRequest>& requests, uint64_t from_us,
                         uint64_t to_us, uint64_t late_after_us) {
    SoftcamSummary out;
    std::vector<uint64_t> answers;
    for (const SoftcamRequest& q : requests) {
        if (q.sent_us < from_us || q.sent_us > to_us) continue;
        ++out.requests;
        if (!q.answered()) {
            ++out.lost;
            continue;
        }
        answers.push_back(q.answered_us);
        if (q.delay_us() > late_after_us) {
            ++out.late;
            out.last_late_sent_us = q.sent_us;
        }
    }
    std::sort(answers.begin(), answers.end());
    uint64_t last = from_us;
    for (uint64_t a : answers) {
        out.longest_gap_us = std::max(out.longest_gap_us, a > last ? a - last : 0);
        last = std::max(last, a);
    }
    out.longest_gap_us = std::max(out.longest_gap_us, to_us > last ? to_us - last : 0);
    return out;
}

SoftcamModel::SoftcamModel(const SoftcamOptions& options) : o_(options) {
    o_.readers = std::max(1u, std::min(o_.readers, kSoftcamMaxReaders));
    if (o_.idle_tick_us == 0) o_.idle_tick_us = 1;
    if (o_.backoff_factor == 0) o_.backoff_factor = 1;
    uint64_t rng = o_.seed;
    for (unsigned r = 0; r < o_.readers; ++r) {
        readers_[r].tick_phase = splitmix(rng) % o_.idle_tick_us;
        readers_[r].backoff = o_.backoff_first_us;
    }
}

void SoftcamModel::log(unsigned r, ReaderEventKind k, uint64_t now) {
    events_.push_back(ReaderEvent{now, static_cast<uint8_t>(r), k});
}

bool SoftcamModel::logged_in(unsigned reader) const {
    return reader < o_.readers && readers_[reader].state == State::Ready;
}

unsigned SoftcamModel::logged_in_count() const {
    unsigned n = 0;
    for (unsigned r = 0; r < o_.readers; ++r) n += logged_in(r) ? 1 : 0;
    return n;
}

uint64_t SoftcamModel::next_tick(unsigned r, uint64_t now) const {
    // Ticks at start + phase + k * tick; the first one strictly after `now`.
    const uint64_t first = start_ + readers_[r].tick_phase;
    if (now < first) return first;
    const uint64_t k = (now - first) / o_.idle_tick_us + 1;
    return add(first, k * o_.idle_tick_us);
}

void SoftcamModel::start(uint64_t now) {
    if (started_) return;
    started_ = true;
    start_ = now_ = now;
    if (o_.ecm_every_us != 0) next_ecm_ = add(now, o_.ecm_start_us);
    for (unsigned r = 0; r < o_.readers; ++r) connect(r, now);
}

void SoftcamModel::advance(uint64_t now) {
    if (now > now_) now_ = now;
    run_due(now_);
}

void SoftcamModel::on_time(uint64_t now) {
    advance(now);
}

void SoftcamModel::connect(unsigned r, uint64_t now) {
    Reader& rd = readers_[r];
    rd.state = State::Connecting;
    rd.retry_at = kSoftcamNever;
    rd.deadline = kSoftcamNever;
    rd.in.clear();
    log(r, ReaderEventKind::Connecting, now);
    actions_.push_back(SoftcamAction{SoftcamAction::Kind::Connect, static_cast<uint8_t>(r), {}});
}

void SoftcamModel::on_connected(unsigned r, uint64_t now) {
    advance(now);
    if (r >= o_.readers || readers_[r].state != State::Connecting) return;
    Reader& rd = readers_[r];
    rd.state = State::Greeting;
    rd.deadline = add(now_, o_.greeting_timeout_us);
    log(r, ReaderEventKind::Connected, now_);
}

void SoftcamModel::on_connect_failed(unsigned r, uint64_t now) {
    advance(now);
    if (r >= o_.readers || readers_[r].state != State::Connecting) return;
    fail(r, ReaderEventKind::ConnectFailed, now_);
}

void SoftcamModel::fail(unsigned r, ReaderEventKind why, uint64_t now) {
    Reader& rd = readers_[r];
    if (rd.state != State::Connecting)
        actions_.push_back(SoftcamAction{SoftcamAction::Kind::Close, static_cast<uint8_t>(r), {}});
    rd.state = State::Down;
    rd.deadline = kSoftcamNever;
    log(r, why, now);
    if (stopped_) return;
    rd.retry_at = add(now, rd.backoff);
    const uint64_t grown = rd.backoff > o_.backoff_max_us / o_.backoff_factor
                               ? o_.backoff_max_us
                               : rd.backoff * o_.backoff_factor;
    rd.backoff = std::min(grown, o_.backoff_max_us);
}

void SoftcamModel::lost_session(unsigned r, uint64_t now) {
    Reader& rd = readers_[r];
    rd.state = State::Down;
    rd.next_keepalive = kSoftcamNever;
    log(r, ReaderEventKind::Closed, now);
    pass_on(r, now);
    if (!stopped_) rd.retry_at = next_tick(r, now);
}

void SoftcamModel::on_closed(unsigned r, uint64_t now) {
    advance(now);
    if (r >= o_.readers) return;
    switch (readers_[r].state) {
        case State::Down:
            return;
        case State::Connecting:
            fail(r, ReaderEventKind::ConnectFailed, now_);
            return;
        case State::Greeting:
        case State::Login:
            // A close before the login counts as a failed connect (back-off, not the tick).
            readers_[r].state = State::Connecting;  // no Close action: it is closed already
            fail(r, ReaderEventKind::Closed, now_);
            return;
        case State::Ready:
            lost_session(r, now_);
            return;
    }
}

void SoftcamModel::on_received(unsigned r, const uint8_t* data, size_t len, uint64_t now) {
    advance(now);
    if (r >= o_.readers) return;
    Reader& rd = readers_[r];
    if (rd.state != State::Greeting && rd.state != State::Login && rd.state != State::Ready) return;
    rd.in.insert(rd.in.end(), data, data + len);
    consume(r, now_);
}

void SoftcamModel::consume(unsigned r, uint64_t now) {
    Reader& rd = readers_[r];
    if (rd.state == State::Greeting && rd.in.size() >= kLineGreetingSize) {
        rd.greeting.assign(rd.in.begin(), rd.in.begin() + kLineGreetingSize);
        rd.in.erase(rd.in.begin(), rd.in.begin() + kLineGreetingSize);
        rd.state = State::Login;
        rd.deadline = add(now, o_.greeting_timeout_us);
        actions_.push_back(SoftcamAction{SoftcamAction::Kind::Send, static_cast<uint8_t>(r),
                                         std::vector<uint8_t>(kLineLoginSize, 'L')});
    }
    if (rd.state == State::Login && rd.in.size() >= kLineLoginReplySize) {
        rd.in.erase(rd.in.begin(), rd.in.begin() + kLineLoginReplySize);
        rd.state = State::Ready;
        rd.deadline = kSoftcamNever;
        rd.backoff = o_.backoff_first_us;
        rd.next_keepalive =
            o_.keepalive_every_us == 0 ? kSoftcamNever : add(now, o_.keepalive_every_us);
        log(r, ReaderEventKind::LoggedIn, now);
    }
    if (rd.state != State::Ready) return;
    size_t at = 0;
    for (; at + kLineFrameSize <= rd.in.size(); at += kLineFrameSize) {
        const uint8_t* f = rd.in.data() + at;
        if (f[0] != kLineFrameEcm) continue;  // keepalive answers are never looked at
        const uint32_t id = (uint32_t{f[4]} << 24) | (uint32_t{f[5]} << 16) |
                            (uint32_t{f[6]} << 8) | uint32_t{f[7]};
        for (auto it = pending_.begin(); it != pending_.end(); ++it) {
            SoftcamRequest& q = requests_[it->request];
            if (q.id != id) continue;
            q.answered_us = now;
            q.answered_by = static_cast<int>(r);
            pending_.erase(it);
            break;
        }
    }
    rd.in.erase(rd.in.begin(), rd.in.begin() + static_cast<ptrdiff_t>(at));
}

void SoftcamModel::send(unsigned r, uint8_t kind, uint32_t id) {
    std::vector<uint8_t> f(kLineFrameSize, 0);
    f[0] = kind;
    f[4] = static_cast<uint8_t>(id >> 24);
    f[5] = static_cast<uint8_t>(id >> 16);
    f[6] = static_cast<uint8_t>(id >> 8);
    f[7] = static_cast<uint8_t>(id);
    actions_.push_back(SoftcamAction{SoftcamAction::Kind::Send, static_cast<uint8_t>(r), f});
}

bool SoftcamModel::ask_next(Pending& p, uint64_t now) {
    SoftcamRequest& q = requests_[p.request];
    for (unsigned r = p.next_reader; r < o_.readers; ++r) {
        if (readers_[r].state != State::Ready) continue;  // skipped at once
        send(r, kLineFrameEcm, q.id);
        q.asked.push_back(static_cast<uint8_t>(r));
        q.asked_us.push_back(now);
        p.next_reader = r + 1;
        p.fallback_at = add(now, o_.fallback_timeout_us);
        return true;
    }
    p.next_reader = o_.readers;
    p.fallback_at = kSoftcamNever;
    return false;
}

void SoftcamModel::new_request(uint64_t now) {
    SoftcamRequest q;
    q.id = static_cast<uint32_t>(requests_.size() + 1);
    q.sent_us = now;
    requests_.push_back(q);
    Pending p{requests_.size() - 1, 0, kSoftcamNever, add(now, o_.client_timeout_us)};
    // No logged-in reader: refused at once, the request is lost.
    if (ask_next(p, now)) pending_.push_back(p);
}

void SoftcamModel::pass_on(unsigned r, uint64_t now) {
    for (Pending& p : pending_) {
        const SoftcamRequest& q = requests_[p.request];
        if (!q.asked.empty() && q.asked.back() == r && p.fallback_at != kSoftcamNever)
            ask_next(p, now);
    }
}

void SoftcamModel::run_due(uint64_t now) {
    for (unsigned guard = 0; guard < 10'000; ++guard) {
        const uint64_t due = next_deadline();
        if (due == kSoftcamNever || due > now) return;
        if (stopped_) return;
        if (next_ecm_ <= now) {
            const uint64_t at = next_ecm_;
            next_ecm_ =
                requests_.size() + 1 >= o_.max_requests ? kSoftcamNever : add(at, o_.ecm_every_us);
            new_request(at);
            continue;
        }
        bool acted = false;
        for (unsigned r = 0; r < o_.readers && !acted; ++r) {
            Reader& rd = readers_[r];
            if (rd.deadline <= now) {
                fail(r, ReaderEventKind::GreetingTimeout, rd.deadline);
                acted = true;
            } else if (rd.retry_at <= now && rd.state == State::Down) {
                connect(r, rd.retry_at);
                acted = true;
            } else if (rd.next_keepalive <= now && rd.state == State::Ready) {
                const uint64_t at = rd.next_keepalive;
                rd.next_keepalive = add(at, o_.keepalive_every_us);
                send(r, kLineFrameKeepalive, static_cast<uint32_t>(++keepalives_));
                acted = true;
            }
        }
        if (acted) continue;
        for (auto it = pending_.begin(); it != pending_.end(); ++it) {
            if (it->give_up_at <= now) {
                pending_.erase(it);  // lost: stays unanswered
                acted = true;
                break;
            }
            if (it->fallback_at <= now) {
                ask_next(*it, it->fallback_at);
                acted = true;
                break;
            }
        }
        if (!acted) return;
    }
}

uint64_t SoftcamModel::next_deadline() const {
    if (stopped_ || !started_) return kSoftcamNever;
    uint64_t t = next_ecm_;
    for (unsigned r = 0; r < o_.readers; ++r) {
        const Reader& rd = readers_[r];
        t = std::min(t, rd.deadline);
        if (rd.state == State::Down) t = std::min(t, rd.retry_at);
        if (rd.state == State::Ready) t = std::min(t, rd.next_keepalive);
    }
    for (const Pending& p : pending_) t = std::min({t, p.fallback_at, p.give_up_at});
    return t;
}

void SoftcamModel::stop(uint64_t now) {
    advance(now);
    stopped_ = true;
    pending_.clear();
    for (unsigned r = 0; r < o_.readers; ++r) {
        Reader& rd = readers_[r];
        if (rd.state != State::Down)
            actions_.push_back(
                SoftcamAction{SoftcamAction::Kind::Close, static_cast<uint8_t>(r), {}});
        rd.state = State::Down;
        rd.retry_at = rd.deadline = rd.next_keepalive = kSoftcamNever;
    }
}

bool SoftcamModel::pop_action(SoftcamAction* out) {
    if (actions_.empty()) return false;
    *out = std::move(actions_.front());
    actions_.pop_front();
    return true;
}

}  // namespace stbf::sim
