// Load generator and echo upstream for the relay benchmark (bench/relay_bench.py).
//
//   relay_load echo N            listen on N loopback ports (printed, one per line), echo
//                                every byte back; runs until stdin closes
//   relay_load pingpong PORT SESSIONS SECONDS
//                                SESSIONS connections to 127.0.0.1:PORT, each sends 64 bytes
//                                and waits for them to come back, again and again; prints one
//                                JSON line: messages, latency percentiles (microseconds)
//   relay_load bulk PORT BYTES   one connection: send BYTES, read the echo back; prints
//                                seconds and MB/s
//
// Plain POSIX and epoll, one thread, so the generator itself costs the same for every proxy.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

int connect_to(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        std::perror("connect");
        std::exit(2);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

void nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int echo(int ports) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    std::vector<int> listeners;
    for (int i = 0; i < ports; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1024) != 0)
            return 2;
        socklen_t len = sizeof a;
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        std::printf("%u\n", ntohs(a.sin_port));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = 1ull << 32 | static_cast<uint32_t>(fd);
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        listeners.push_back(fd);
    }
    std::fflush(stdout);
    epoll_event in{};
    in.events = EPOLLIN;
    in.data.u64 = 2ull << 32;
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);  // stdin closing ends the server
    std::vector<char> buf(1 << 18);
    for (;;) {
        epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; ++i) {
            const uint32_t kind = static_cast<uint32_t>(evs[i].data.u64 >> 32);
            const int fd = static_cast<int>(evs[i].data.u64 & 0xffffffffu);
            if (kind == 2) return 0;
            if (kind == 1) {
                for (int k = 0; k < 64; ++k) {
                    int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
                    if (c < 0) break;
                    int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.u64 = static_cast<uint32_t>(c);
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
                }
                continue;
            }
            // Blocking writes keep the echo simple and in order; a slow reader slows only us.
            ssize_t got = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
            if (got == 0 || (got < 0 && errno != EAGAIN)) {
                ::close(fd);
                continue;
            }
            for (ssize_t off = 0; got > 0 && off < got;) {
                ssize_t w =
                    ::send(fd, buf.data() + off, static_cast<size_t>(got - off), MSG_NOSIGNAL);
                if (w <= 0) break;
                off += w;
            }
        }
    }
}

int pingpong(uint16_t port, int sessions, double seconds) {
    struct Conn {
        int fd;
        uint64_t sent_at;
        size_t have;
    };
    std::vector<Conn> conns;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    char msg[64];
    std::memset(msg, 'p', sizeof msg);
    for (int i = 0; i < sessions; ++i) {
        int fd = connect_to(port);
        conns.push_back({fd, 0, 0});
    }
    // Let the proxy connect every upstream before timing starts.
    for (Conn& c : conns) {
        if (::send(c.fd, msg, sizeof msg, MSG_NOSIGNAL) != sizeof msg) return 3;
        char b[64];
        size_t have = 0;
        while (have < sizeof b) {
            ssize_t r = ::recv(c.fd, b + have, sizeof b - have, 0);
            if (r <= 0) return 3;
            have += static_cast<size_t>(r);
        }
    }
    for (size_t i = 0; i < conns.size(); ++i) {
        nonblocking(conns[i].fd);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    std::vector<uint32_t> lat;  // microseconds * 10
    lat.reserve(1 << 22);
    const uint64_t start = now_ns();
    const uint64_t end = start + static_cast<uint64_t>(seconds * 1e9);
    for (Conn& c : conns) {
        c.sent_at = now_ns();
        if (::send(c.fd, msg, sizeof msg, MSG_NOSIGNAL) != sizeof msg) return 3;
    }
    uint64_t messages = 0;
    bool stopping = false;
    size_t outstanding = conns.size();
    while (outstanding > 0) {
        epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, 1000);
        if (n <= 0) break;  // a stalled proxy ends the run (reported through the count)
        const uint64_t t = now_ns();
        if (t >= end) stopping = true;
        for (int i = 0; i < n; ++i) {
            Conn& c = conns[evs[i].data.u64];
            char b[256];
            ssize_t r = ::recv(c.fd, b, sizeof b, 0);
            if (r <= 0) continue;
            c.have += static_cast<size_t>(r);
            if (c.have < sizeof msg) continue;
            c.have -= sizeof msg;
            lat.push_back(static_cast<uint32_t>((t - c.sent_at) / 100));
            ++messages;
            if (stopping) {
                --outstanding;
                continue;
            }
            c.sent_at = now_ns();
            if (::send(c.fd, msg, sizeof msg, MSG_NOSIGNAL) != sizeof msg) return 3;
        }
    }
    const double elapsed = static_cast<double>(now_ns() - start) / 1e9;
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
        if (lat.empty()) return 0.0;
        size_t i = static_cast<size_t>(p * static_cast<double>(lat.size() - 1));
        return lat[i] / 10.0;
    };
    std::printf(
        "{\"messages\": %llu, \"seconds\": %.3f, \"p50_us\": %.1f, \"p99_us\": %.1f, "
        "\"p999_us\": %.1f}\n",
        static_cast<unsigned long long>(messages), elapsed, pct(0.5), pct(0.99), pct(0.999));
    for (Conn& c : conns) ::close(c.fd);
    return 0;
}

int bulk(uint16_t port, uint64_t bytes) {
    int fd = connect_to(port);
    nonblocking(fd);
    std::vector<char> out(1 << 18, 'b'), in(1 << 18);
    uint64_t sent = 0, got = 0;
    const uint64_t start = now_ns();
    while (got < bytes) {
        pollfd p{fd, static_cast<short>(POLLIN | (sent < bytes ? POLLOUT : 0)), 0};
        if (::poll(&p, 1, 5000) <= 0) return 3;
        if ((p.revents & POLLOUT) && sent < bytes) {
            const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), bytes - sent));
            ssize_t w = ::send(fd, out.data(), want, MSG_NOSIGNAL);
            if (w > 0) sent += static_cast<uint64_t>(w);
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = ::recv(fd, in.data(), in.size(), 0);
            if (r == 0) return 3;
            if (r > 0) got += static_cast<uint64_t>(r);
        }
    }
    const double s = static_cast<double>(now_ns() - start) / 1e9;
    std::printf("{\"bytes\": %llu, \"seconds\": %.4f, \"mb_per_s\": %.1f}\n",
                static_cast<unsigned long long>(bytes), s, static_cast<double>(bytes) / 1e6 / s);
    ::close(fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "echo" && argc == 3) return echo(std::atoi(argv[2]));
    if (mode == "pingpong" && argc == 5)
        return pingpong(static_cast<uint16_t>(std::atoi(argv[2])), std::atoi(argv[3]),
                        std::atof(argv[4]));
    if (mode == "bulk" && argc == 4)
        return bulk(static_cast<uint16_t>(std::atoi(argv[2])), std::strtoull(argv[3], nullptr, 10));
    std::fprintf(stderr,
                 "usage: relay_load echo N | pingpong PORT SESSIONS SECONDS | bulk PORT BYTES\n");
    return 1;
}
