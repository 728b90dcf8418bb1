#include "standin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "stbf/greeting.h"

namespace stbf::standin {
namespace {

constexpr int kSliceMs = 10;  // longest wait before a thread looks at its stop flag again

sockaddr_in loopback(uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

double now_ms() {
    static const auto epoch = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - epoch)
        .count();
}

// ---- Upstream ----------------------------------------------------------------------------

Upstream::Upstream(std::string name, uint8_t seed, Wire wire)
    : name_(std::move(name)), wire_(wire) {
    for (int i = 0; i < 12; ++i) greeting_[i] = static_cast<uint8_t>(seed * 53 + i * 29 + 7);
    make_cccam_greeting(greeting_.data(), greeting_.data());
}

Upstream::~Upstream() {
    if (thread_.joinable()) {
        set_state(State::Stopping);
        thread_.join();
    }
    close_fd(listen_fd_);
    close_fd(wake_[0]);
    close_fd(wake_[1]);
}

bool Upstream::listen_on(uint16_t port, std::string* error) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    sockaddr_in sa = loopback(port);
    socklen_t len = sizeof sa;
    if (listen_fd_ < 0 ||
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
        if (error != nullptr) *error = "upstream " + name_ + ": " + std::strerror(errno);
        close_fd(listen_fd_);
        return false;
    }
    port_ = ntohs(sa.sin_port);
    return true;
}

bool Upstream::start(std::string* error) {
    if (!listen_on(0, error)) return false;
    if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) {
        if (error != nullptr) *error = "upstream " + name_ + ": " + std::strerror(errno);
        close_fd(listen_fd_);
        return false;
    }
    thread_ = std::thread([this] { run(); });
    return true;
}

bool Upstream::restart(std::string* error) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (acted_ != State::Dead || wanted_ != State::Dead) {
            if (error != nullptr) *error = "upstream " + name_ + " is not dead";
            return false;
        }
    }
    // Dead: the serving thread does not touch the listener until it sees Serving.
    if (!listen_on(port_, error)) return false;
    set_state(State::Serving);
    return true;
}

void Upstream::resume() {
    set_state(State::Serving);
}

void Upstream::kill() {
    set_state(State::Dead);
}
void Upstream::hang() {
    set_state(State::Hung);
}

void Upstream::set_state(State s) {
    std::unique_lock<std::mutex> lock(mutex_);
    wanted_ = s;
    const char byte = 1;
    if (::write(wake_[1], &byte, 1) < 0) {
        // the pipe is full of earlier wake-ups: the thread is awake anyway
    }
    changed_.wait_for(lock, std::chrono::seconds(2), [&] { return acted_ == s; });
}

void Upstream::run() {
    struct Conn {
        int fd;
        bool logged_in = false;
        std::vector<uint8_t> in;  // Wire::Line: bytes of an incomplete login or frame
    };
    std::vector<Conn> conns;
    for (;;) {
        State want;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            want = wanted_;
        }
        if (want != acted_) {
            if (want == State::Dead || want == State::Stopping) {
                close_fd(listen_fd_);
                for (Conn& c : conns) close_fd(c.fd);
                conns.clear();
            }
            {
                std::lock_guard<std::mutex> lock(mutex_);
                acted_ = want;
            }
            changed_.notify_all();
            if (want == State::Stopping) return;
        }
        std::vector<pollfd> fds{{wake_[0], POLLIN, 0}};
        if (acted_ == State::Serving) {
            fds.push_back({listen_fd_, POLLIN, 0});
            for (const Conn& c : conns) fds.push_back({c.fd, POLLIN, 0});
        }
        ::poll(fds.data(), fds.size(), kSliceMs);
        char drain[64];
        while (::read(wake_[0], drain, sizeof drain) > 0) {
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (wanted_ != acted_ || acted_ != State::Serving) continue;  // frozen or dead
        }
        std::vector<int> gone;
        for (size_t i = 2; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            Conn& c = conns[i - 2];
            uint8_t buf[512];
            const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                gone.push_back(c.fd);
            } else if (n > 0 && wire_ == Wire::Chunks) {
                const uint8_t answer[4] = {0x5a, 0x5a, 0x5a, 0x5a};
                (void)::send(c.fd, answer, sizeof answer, MSG_NOSIGNAL);
            } else if (n > 0) {
                c.in.insert(c.in.end(), buf, buf + n);
                std::vector<uint8_t> reply;
                if (!c.logged_in && c.in.size() >= sim::kLineLoginSize) {
                    c.logged_in = true;
                    c.in.erase(c.in.begin(), c.in.begin() + sim::kLineLoginSize);
                    reply.assign(sim::kLineLoginReplySize, 0x4c);
                }
                if (c.logged_in) {
                    const size_t whole = c.in.size() / sim::kLineFrameSize * sim::kLineFrameSize;
                    reply.insert(reply.end(), c.in.begin(), c.in.begin() + whole);
                    c.in.erase(c.in.begin(), c.in.begin() + whole);
                }
                if (!reply.empty()) (void)::send(c.fd, reply.data(), reply.size(), MSG_NOSIGNAL);
            }
        }
        for (int fd : gone) {
            for (auto it = conns.begin(); it != conns.end(); ++it) {
                if (it->fd != fd) continue;
                close_fd(it->fd);
                conns.erase(it);
                break;
            }
        }
        if (fds.size() > 1 && fds[1].revents != 0) {
            for (int k = 0; k < 16; ++k) {
                const int fd =
                    ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) break;
                accepted_++;
                (void)::send(fd, greeting_.data(), greeting_.size(), MSG_NOSIGNAL);
                conns.push_back(Conn{fd, false, {}});
            }
        }
    }
}

// ---- Client ------------------------------------------------------------------------------

const char* client_event_name(ClientEvent::Kind k) {
    switch (k) {
        case ClientEvent::Kind::Served:
            return "served";
        case ClientEvent::Kind::Closed:
            return "closed";
        case ClientEvent::Kind::Sent:
            return "sent";
        case ClientEvent::Kind::Answered:
            return "answered";
        case ClientEvent::Kind::ConnectFailed:
            return "connect failed";
        case ClientEvent::Kind::GreetingTimeout:
            return "greeting timeout";
    }
    return "?";
}

Client::Client(ClientOptions options, std::vector<const Upstream*> upstreams)
    : options_(options), upstreams_(std::move(upstreams)) {}

Client::~Client() {
    stop();
}

void Client::start(std::function<void(const ClientEvent&)> on_event) {
    on_event_ = std::move(on_event);
    stop_ = false;
    thread_ = std::thread([this] { run(); });
}

void Client::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

std::vector<ClientEvent> Client::events() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
}

void Client::record(ClientEvent::Kind kind, std::string upstream) {
    ClientEvent e{kind, now_ms(), std::move(upstream)};
    {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.push_back(e);
    }
    if (on_event_) on_event_(e);
}

bool Client::sleep_ms(double ms) {
    const double until = now_ms() + ms;
    while (!stop_ && now_ms() < until) std::this_thread::sleep_for(std::chrono::microseconds(500));
    return !stop_;
}

std::string Client::who(const uint8_t* greeting) const {
    for (const Upstream* u : upstreams_)
        if (std::equal(u->greeting().begin(), u->greeting().end(), greeting)) return u->name();
    return "?";
}

void Client::run() {
    while (!stop_) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const sockaddr_in sa = loopback(options_.port);
        bool connected =
            fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
        if (!connected && fd >= 0 && errno == EINPROGRESS) {
            const double give_up = now_ms() + 1000;
            pollfd p{fd, POLLOUT, 0};
            while (!stop_ && now_ms() < give_up && ::poll(&p, 1, kSliceMs) == 0) {
            }
            int err = 0;
            socklen_t len = sizeof err;
            connected = (p.revents & POLLOUT) != 0 &&
                        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
        }
        if (!connected) {
            close_fd(fd);
            record(ClientEvent::Kind::ConnectFailed);
            sleep_ms(options_.reconnect_ms);
            continue;
        }
        // The softcam's greeting check: 16 bytes within its timeout, or it gives up.
        uint8_t greeting[16];
        size_t got = 0;
        bool closed = false;
        const double greeting_deadline = now_ms() + options_.greeting_timeout_ms;
        while (!stop_ && got < sizeof greeting && now_ms() < greeting_deadline && !closed) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, kSliceMs) <= 0) continue;
            const ssize_t n = ::recv(fd, greeting + got, sizeof greeting - got, 0);
            if (n > 0)
                got += static_cast<size_t>(n);
            else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                closed = true;
        }
        if (stop_) {
            close_fd(fd);
            break;
        }
        if (got < sizeof greeting) {
            record(closed ? ClientEvent::Kind::Closed : ClientEvent::Kind::GreetingTimeout);
            close_fd(fd);
            sleep_ms(options_.reconnect_ms);
            continue;
        }
        record(ClientEvent::Kind::Served, who(greeting));
        double next_keepalive = now_ms() + options_.keepalive_ms;
        while (!stop_ && !closed) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, kSliceMs) > 0) {
                uint8_t buf[512];
                const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n > 0)
                    record(ClientEvent::Kind::Answered);
                else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                    closed = true;
            }
            if (!closed && now_ms() >= next_keepalive) {
                const uint8_t keepalive[4] = {0, 0, 0, 0};
                if (::send(fd, keepalive, sizeof keepalive, MSG_NOSIGNAL) != sizeof keepalive)
                    closed = true;
                else
                    record(ClientEvent::Kind::Sent);
                next_keepalive += options_.keepalive_ms;
            }
        }
        close_fd(fd);
        if (closed) {
            record(ClientEvent::Kind::Closed);
            sleep_ms(options_.reconnect_ms);
        }
    }
}

// ---- Softcam -----------------------------------------------------------------------------

namespace {
uint64_t model_now() {
    return static_cast<uint64_t>(now_ms() * 1000);
}
constexpr double kConnectTimeoutMs = 1000;  // loopback: a connect that hangs this long failed
}  // namespace

Softcam::Softcam(std::vector<uint16_t> ports, const sim::SoftcamOptions& options)
    : ports_(std::move(ports)),
      model_([&] {
          sim::SoftcamOptions o = options;
          o.readers = static_cast<unsigned>(ports_.size());
          return o;
      }()),
      fds_(ports_.size(), -1),
      connecting_(ports_.size(), false),
      connect_deadline_ms_(ports_.size(), 0),
      out_(ports_.size()) {}

Softcam::~Softcam() {
    stop();
}

void Softcam::start(std::function<void(const sim::ReaderEvent&)> on_event) {
    on_event_ = std::move(on_event);
    stop_ = false;
    thread_ = std::thread([this] { run(); });
}

void Softcam::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

std::vector<sim::SoftcamRequest> Softcam::requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return model_.requests();
}

std::vector<sim::ReaderEvent> Softcam::events() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return model_.events();
}

std::vector<uint8_t> Softcam::greeting(unsigned reader) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return reader < ports_.size() ? model_.greeting(reader) : std::vector<uint8_t>();
}

bool Softcam::logged_in(unsigned reader) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return model_.logged_in(reader);
}

unsigned Softcam::logged_in_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return model_.logged_in_count();
}

// Carries out the model's actions; mutex_ held.
void Softcam::act(uint64_t now) {
    sim::SoftcamAction a;
    while (model_.pop_action(&a)) {
        const unsigned r = a.reader;
        switch (a.kind) {
            case sim::SoftcamAction::Kind::Connect: {
                close_fd(fds_[r]);
                out_[r].clear();
                fds_[r] = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                const sockaddr_in sa = loopback(ports_[r]);
                const int rc =
                    fds_[r] < 0
                        ? -1
                        : ::connect(fds_[r], reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
                if (rc == 0) {
                    model_.on_connected(r, now);
                } else if (fds_[r] >= 0 && errno == EINPROGRESS) {
                    connecting_[r] = true;
                    connect_deadline_ms_[r] = now_ms() + kConnectTimeoutMs;
                } else {
                    close_fd(fds_[r]);
                    model_.on_connect_failed(r, now);
                }
                break;
            }
            case sim::SoftcamAction::Kind::Send:
                out_[r].insert(out_[r].end(), a.bytes.begin(), a.bytes.end());
                break;
            case sim::SoftcamAction::Kind::Close:
                close_fd(fds_[r]);
                connecting_[r] = false;
                out_[r].clear();
                break;
        }
    }
    for (size_t r = 0; r < fds_.size(); ++r) {
        if (fds_[r] < 0 || connecting_[r] || out_[r].empty()) continue;
        const ssize_t n = ::send(fds_[r], out_[r].data(), out_[r].size(), MSG_NOSIGNAL);
        if (n > 0) {
            out_[r].erase(out_[r].begin(), out_[r].begin() + n);
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            close_fd(fds_[r]);
            out_[r].clear();
            model_.on_closed(static_cast<unsigned>(r), now);
        }
    }
}

void Softcam::run() {
    size_t told = 0;  // events handed to on_event_ so far
    {
        std::lock_guard<std::mutex> lock(mutex_);
        model_.start(model_now());
    }
    while (!stop_) {
        std::vector<pollfd> fds;
        std::vector<unsigned> who;
        int wait_ms = kSliceMs;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            const uint64_t now = model_now();
            model_.on_time(now);
            act(now);
            for (unsigned r = 0; r < fds_.size(); ++r) {
                if (connecting_[r] && now_ms() > connect_deadline_ms_[r]) {
                    connecting_[r] = false;
                    close_fd(fds_[r]);
                    model_.on_connect_failed(r, now);
                    act(now);
                }
                if (fds_[r] < 0) continue;
                short events = POLLIN;
                if (connecting_[r] || !out_[r].empty()) events |= POLLOUT;
                fds.push_back({fds_[r], events, 0});
                who.push_back(r);
            }
            const uint64_t due = model_.next_deadline();
            if (due != sim::kSoftcamNever) {
                const uint64_t left_ms = due > now ? (due - now + 999) / 1000 : 0;
                if (left_ms < static_cast<uint64_t>(wait_ms)) wait_ms = static_cast<int>(left_ms);
            }
        }
        if (fds.empty()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
        } else {
            ::poll(fds.data(), fds.size(), wait_ms);
        }
        std::vector<sim::ReaderEvent> news;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            const uint64_t now = model_now();
            for (size_t i = 0; i < fds.size(); ++i) {
                const unsigned r = who[i];
                if (fds[i].revents == 0 || fds_[r] != fds[i].fd) continue;
                if (connecting_[r]) {
                    int err = 0;
                    socklen_t len = sizeof err;
                    connecting_[r] = false;
                    if (::getsockopt(fds_[r], SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
                        close_fd(fds_[r]);
                        model_.on_connect_failed(r, now);
                        continue;
                    }
                    model_.on_connected(r, now);
                }
                if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
                uint8_t buf[1024];
                const ssize_t n = ::recv(fds_[r], buf, sizeof buf, 0);
                if (n > 0) {
                    model_.on_received(r, buf, static_cast<size_t>(n), now);
                } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                    close_fd(fds_[r]);
                    out_[r].clear();
                    model_.on_closed(r, now);
                }
            }
            act(now);
            const std::vector<sim::ReaderEvent>& all = model_.events();
            news.assign(all.begin() + static_cast<ptrdiff_t>(told), all.end());
            told = all.size();
        }
        if (on_event_)
            for (const sim::ReaderEvent& e : news) on_event_(e);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    model_.stop(model_now());
    act(model_now());
    for (int& fd : fds_) close_fd(fd);
}

}  // namespace stbf::standin
