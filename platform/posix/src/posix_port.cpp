// POSIX port implementation. See posix_port.h for the behaviour beyond port.h.
#include "stbf/posix_port.h"
#include "stbf/syslog_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace stbf {
namespace {

enum class SockKind : uint8_t { Free = 0, Listener, Connecting, Connected, Adopted };

struct SockState {
    SockKind kind = SockKind::Free;
    unsigned interest = 0;
    bool in_epoll = false;
    uint32_t tag = 0;  // handed back in every event (port.h: dispatch)
    // tcp_splice: a pipe holding bytes read from this socket, not yet written on.
    int pipe_r = -1;
    int pipe_w = -1;
    size_t held = 0;
};

struct ResolveRequest {
    uint32_t id = 0;
    std::string host;
    uint16_t port = 0;
    uint32_t tag = 0;
    bool done = false;
    bool cancelled = false;
    stbf_port_status result = STBF_PORT_ERROR;
    std::vector<stbf_addr> addrs;
};

constexpr int kMaxEpollBatch = 64;

bool from_sockaddr(const sockaddr* sa, stbf_addr* out) {
    std::memset(out, 0, sizeof(*out));
    if (sa->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        out->family = 4;
        std::memcpy(out->addr, &in->sin_addr, 4);
        out->port = ntohs(in->sin_port);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        out->family = 6;
        std::memcpy(out->addr, &in6->sin6_addr, 16);
        out->port = ntohs(in6->sin6_port);
        return true;
    }
    return false;
}

bool to_sockaddr(const stbf_addr& a, sockaddr_storage* ss, socklen_t* len) {
    std::memset(ss, 0, sizeof(*ss));
    if (a.family == 4) {
        auto* in = reinterpret_cast<sockaddr_in*>(ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(a.port);
        std::memcpy(&in->sin_addr, a.addr, 4);
        *len = sizeof(sockaddr_in);
        return true;
    }
    if (a.family == 6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(ss);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(a.port);
        std::memcpy(&in6->sin6_addr, a.addr, 16);
        *len = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

stbf_port_status connect_errno_status(int err) {
    switch (err) {
        case ECONNREFUSED:
            return STBF_PORT_REFUSED;
        case ENETUNREACH:
        case EHOSTUNREACH:
        case ENETDOWN:
        case EHOSTDOWN:
            return STBF_PORT_UNREACHABLE;
        case ETIMEDOUT:
            return STBF_PORT_TIMEOUT;
        case ECONNRESET:
        case EPIPE:
        case ECONNABORTED:
            return STBF_PORT_RESET;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
        case EADDRNOTAVAIL:
            return STBF_PORT_NO_RESOURCES;  // out of ephemeral ports
        case EINVAL:
        case EAFNOSUPPORT:
            return STBF_PORT_INVALID;
        default:
            return STBF_PORT_ERROR;
    }
}

void set_nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

}  // namespace

struct PosixPort::Impl {
    PosixPortOptions options;
    stbf_port table{};
    int epoll_fd = -1;
    int wake_fd = -1;  // eventfd: resolver completions and wake()
    std::atomic<int> log_level{STBF_LOG_INFO};
    std::optional<SyslogClient> syslog;  // with options.use_syslog
    std::vector<SockState> socks;        // indexed by descriptor

    // Resolution. `requests` and `finished` are shared with the helper thread under `mutex`;
    // `ready` (finished, not yet reported by poll) belongs to the loop thread.
    std::mutex mutex;
    std::condition_variable queue_cv;
    std::vector<ResolveRequest> requests;  // at most max_resolves plus cancelled ones running

    ResolveRequest* find_request(uint32_t id) {
        for (ResolveRequest& r : requests)
            if (r.id == id) return &r;
        return nullptr;
    }
    void erase_request(const ResolveRequest* r) {
        const size_t i = static_cast<size_t>(r - requests.data());
        if (i + 1 != requests.size()) requests[i] = std::move(requests.back());
        requests.pop_back();
    }
    std::deque<uint32_t> queue;      // waiting for the helper thread
    std::vector<uint32_t> finished;  // done by the helper thread, not yet seen by poll
    std::deque<uint32_t> ready;
    uint32_t next_request = 1;
    bool stopping = false;
    // The helper thread, started by the first lookup. A plain pthread: a failure to start it is
    // an error code, not an exception, so the port needs no exception handling.
    pthread_t resolver{};
    bool resolver_started = false;

    ~Impl() {
        for (SockState& st : socks) release_pipe(st);
        {
            std::lock_guard<std::mutex> lock(mutex);
            stopping = true;
        }
        queue_cv.notify_all();
        if (resolver_started) pthread_join(resolver, nullptr);
        for (size_t fd = 0; fd < socks.size(); ++fd)
            if (socks[fd].kind != SockKind::Free) ::close(static_cast<int>(fd));
        if (wake_fd >= 0) ::close(wake_fd);
        if (epoll_fd >= 0) ::close(epoll_fd);
    }

    // ---- socket table ------------------------------------------------------------------

    SockState* find(stbf_sock s) {
        if (s < 0 || static_cast<size_t>(s) >= socks.size()) return nullptr;
        SockState& st = socks[static_cast<size_t>(s)];
        return st.kind == SockKind::Free ? nullptr : &st;
    }

    size_t pipes = 0;  // splice pipes open (each two descriptors)

    void release_pipe(SockState& st) {
        if (st.pipe_r < 0) return;
        ::close(st.pipe_r);
        ::close(st.pipe_w);
        st.pipe_r = st.pipe_w = -1;
        st.held = 0;
        --pipes;
    }

    void track(int fd, SockKind kind) {
        if (static_cast<size_t>(fd) >= socks.size()) socks.resize(static_cast<size_t>(fd) + 64);
        socks[static_cast<size_t>(fd)] = SockState{kind, 0, false, 0};
    }

    // ---- logging -----------------------------------------------------------------------

    void log(stbf_log_level level, const char* msg, size_t len) {
        if (static_cast<int>(level) > log_level.load(std::memory_order_relaxed)) return;
        if (syslog) {  // the port's levels are syslog's severities
            syslog->send(static_cast<int>(level), msg, len);
            return;
        }
        // One writev per line so concurrent writers (threads, other processes) never interleave
        // inside a line.
        const char* name = log_level_name(level);
        iovec parts[6] = {
            {const_cast<char*>(options.ident), std::strlen(options.ident)},
            {const_cast<char*>(": "), 2},
            {const_cast<char*>(name), std::strlen(name)},
            {const_cast<char*>(": "), 2},
            {const_cast<char*>(msg), len},
            {const_cast<char*>("\n"), 1},
        };
        ssize_t ignored = ::writev(options.log_fd, parts, 6);
        (void)ignored;  // a log line that cannot be written is dropped (contract: may drop)
    }

    // ---- resolution --------------------------------------------------------------------

    void resolver_main() {
        // The daemon takes signals through a signalfd; this thread must never be picked to run
        // a default (terminating) action for them.
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, nullptr);
        std::unique_lock<std::mutex> lock(mutex);
        for (;;) {
            queue_cv.wait(lock, [this] { return stopping || !queue.empty(); });
            if (stopping) return;
            uint32_t id = queue.front();
            queue.pop_front();
            const ResolveRequest* asked = find_request(id);
            if (asked == nullptr) continue;
            std::string host = asked->host;
            uint16_t port = asked->port;
            lock.unlock();
            std::vector<stbf_addr> addrs;
            stbf_port_status result = lookup(host, port, &addrs);
            lock.lock();
            ResolveRequest* r = find_request(id);  // the table may have moved meanwhile
            if (r == nullptr) continue;
            if (r->cancelled) {
                erase_request(r);
                continue;
            }
            r->done = true;
            r->result = result;
            r->addrs = std::move(addrs);
            finished.push_back(id);
            uint64_t one = 1;
            ssize_t ignored = ::write(wake_fd, &one, sizeof(one));
            (void)ignored;  // eventfd counter saturation still leaves it readable
        }
    }

    static stbf_port_status lookup(const std::string& host, uint16_t port,
                                   std::vector<stbf_addr>* out) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_protocol = IPPROTO_TCP;
        addrinfo* res = nullptr;
        int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
        if (rc != 0) {
            switch (rc) {
                case EAI_NONAME:
#ifdef EAI_NODATA
                case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
                case EAI_ADDRFAMILY:
#endif
                    return STBF_PORT_NOT_FOUND;
                case EAI_AGAIN:
                    return STBF_PORT_TIMEOUT;
                default:
                    return STBF_PORT_ERROR;
            }
        }
        for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
            stbf_addr a;
            if (!from_sockaddr(ai->ai_addr, &a)) continue;
            a.port = port;
            out->push_back(a);
        }
        freeaddrinfo(res);
        return out->empty() ? STBF_PORT_NOT_FOUND : STBF_PORT_OK;
    }

    void collect_finished() {
        uint64_t count = 0;
        ssize_t ignored = ::read(wake_fd, &count, sizeof(count));
        (void)ignored;  // EAGAIN: already drained
        std::lock_guard<std::mutex> lock(mutex);
        for (uint32_t id : finished) ready.push_back(id);
        finished.clear();
    }

    // ---- contract functions ------------------------------------------------------------

    static Impl* self(void* ctx) {
        return static_cast<Impl*>(ctx);
    }

    static stbf_time_us now(void*) {
        timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return static_cast<stbf_time_us>(ts.tv_sec) * 1000000u +
               static_cast<stbf_time_us>(ts.tv_nsec) / 1000u;
    }

    static void random(void*, uint8_t* out, size_t len) {
        size_t filled = 0;
        while (filled < len) {
            ssize_t n = getrandom(out + filled, len - filled, 0);
            if (n > 0) {
                filled += static_cast<size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            break;
        }
        if (filled < len) {
            int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                while (filled < len) {
                    ssize_t n = ::read(fd, out + filled, len - filled);
                    if (n <= 0) break;
                    filled += static_cast<size_t>(n);
                }
                ::close(fd);
            }
        }
        // Last resort (no getrandom, no /dev/urandom): mix the clock and pid so boxes differ.
        uint64_t x = now(nullptr) ^ (static_cast<uint64_t>(getpid()) << 32);
        for (size_t i = filled; i < len; ++i) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out[i] = static_cast<uint8_t>(x);
        }
    }

    static void log_fn(void* ctx, stbf_log_level level, const char* msg, size_t len) {
        self(ctx)->log(level, msg, len);
    }

    static stbf_port_status tcp_listen(void* ctx, const stbf_addr* local, stbf_sock* out) {
        Impl* p = self(ctx);
        sockaddr_storage ss;
        socklen_t len = 0;
        if (local == nullptr || out == nullptr || !to_sockaddr(*local, &ss, &len))
            return STBF_PORT_INVALID;
        int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return connect_errno_status(errno);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 128) != 0) {
            int err = errno;
            ::close(fd);
            if (err == EADDRINUSE) return STBF_PORT_ADDR_IN_USE;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
                return STBF_PORT_NO_RESOURCES;
            log_printf(p->table, STBF_LOG_ERROR, "listen on %s failed: %s",
                       format_addr(*local).c_str(), std::strerror(err));
            return err == EADDRNOTAVAIL ? STBF_PORT_INVALID : STBF_PORT_ERROR;
        }
        p->track(fd, SockKind::Listener);
        *out = fd;
        return STBF_PORT_OK;
    }

    static stbf_port_status tcp_accept(void* ctx, stbf_sock listener, stbf_sock* out,
                                       stbf_addr* peer) {
        Impl* p = self(ctx);
        SockState* st = p->find(listener);
        if (st == nullptr || out == nullptr ||
            (st->kind != SockKind::Listener && st->kind != SockKind::Adopted))
            return STBF_PORT_INVALID;
        for (;;) {
            sockaddr_storage ss;
            socklen_t len = sizeof(ss);
            int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&ss), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return STBF_PORT_WOULD_BLOCK;
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                    return STBF_PORT_NO_RESOURCES;
                return STBF_PORT_INVALID;
            }
            if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) set_nodelay(fd);
            if (peer != nullptr && !from_sockaddr(reinterpret_cast<sockaddr*>(&ss), peer))
                std::memset(peer, 0, sizeof(*peer));  // unix peer on an adopted listener
            p->track(fd, SockKind::Connected);
            *out = fd;
            return STBF_PORT_OK;
        }
    }

    static stbf_port_status tcp_connect(void* ctx, const stbf_addr* remote, stbf_sock* out) {
        Impl* p = self(ctx);
        sockaddr_storage ss;
        socklen_t len = 0;
        if (remote == nullptr || out == nullptr || !to_sockaddr(*remote, &ss, &len) ||
            remote->port == 0)
            return STBF_PORT_INVALID;
        int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return connect_errno_status(errno);
        set_nodelay(fd);
        int rc;
        do {
            rc = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
        } while (rc != 0 && errno == EINTR);
        if (rc == 0) {
            p->track(fd, SockKind::Connected);
            *out = fd;
            return STBF_PORT_OK;
        }
        if (errno == EINPROGRESS) {
            p->track(fd, SockKind::Connecting);
            *out = fd;
            return STBF_PORT_IN_PROGRESS;
        }
        int err = errno;
        ::close(fd);
        stbf_port_status st = connect_errno_status(err);
        return st == STBF_PORT_RESET ? STBF_PORT_ERROR : st;  // RESET is not a connect outcome
    }

    static stbf_port_status tcp_connect_result(void* ctx, stbf_sock s) {
        Impl* p = self(ctx);
        SockState* st = p->find(s);
        if (st == nullptr) return STBF_PORT_INVALID;
        if (st->kind == SockKind::Connected) return STBF_PORT_OK;
        if (st->kind != SockKind::Connecting) return STBF_PORT_INVALID;
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return STBF_PORT_ERROR;
        if (err != 0) return connect_errno_status(err);
        sockaddr_storage peer;
        socklen_t plen = sizeof(peer);
        if (getpeername(s, reinterpret_cast<sockaddr*>(&peer), &plen) != 0)
            return errno == ENOTCONN ? STBF_PORT_IN_PROGRESS : STBF_PORT_ERROR;
        st->kind = SockKind::Connected;
        return STBF_PORT_OK;
    }

    static stbf_port_status tcp_send(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                                     size_t* sent) {
        Impl* p = self(ctx);
        SockState* st = p->find(s);
        if (sent != nullptr) *sent = 0;
        if (st == nullptr || sent == nullptr || (data == nullptr && len > 0) || len == 0 ||
            st->kind == SockKind::Listener)
            return STBF_PORT_INVALID;
        for (;;) {
            ssize_t n = ::send(s, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                *sent = static_cast<size_t>(n);
                return STBF_PORT_OK;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return STBF_PORT_WOULD_BLOCK;
            if (n < 0 && errno == ENOTCONN) return STBF_PORT_WOULD_BLOCK;  // still connecting
            if (n < 0 && (errno == ENOTSOCK || errno == EBADF)) return STBF_PORT_INVALID;
            return STBF_PORT_RESET;  // EPIPE, ECONNRESET, ETIMEDOUT, ...
        }
    }

    static stbf_port_status tcp_recv(void* ctx, stbf_sock s, uint8_t* buf, size_t cap,
                                     size_t* got) {
        Impl* p = self(ctx);
        SockState* st = p->find(s);
        if (got != nullptr) *got = 0;
        if (st == nullptr || got == nullptr || buf == nullptr || cap == 0 ||
            st->kind == SockKind::Listener)
            return STBF_PORT_INVALID;
        for (;;) {
            ssize_t n = ::recv(s, buf, cap, MSG_DONTWAIT);
            if (n > 0) {
                *got = static_cast<size_t>(n);
                return STBF_PORT_OK;
            }
            if (n == 0) return STBF_PORT_CLOSED;
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)
                return STBF_PORT_WOULD_BLOCK;
            if (errno == ENOTSOCK || errno == EBADF) return STBF_PORT_INVALID;
            return STBF_PORT_RESET;
        }
    }

    static void tcp_close(void* ctx, stbf_sock s) {
        Impl* p = self(ctx);
        SockState* st = p->find(s);
        if (st == nullptr) return;
        if (st->in_epoll) epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, s, nullptr);
        p->release_pipe(*st);  // bytes it held are dropped with the socket (port.h)
        *st = SockState{};
        ::close(s);
    }

    static stbf_port_status local_addr(void* ctx, stbf_sock s, stbf_addr* out) {
        Impl* p = self(ctx);
        if (p->find(s) == nullptr || out == nullptr) return STBF_PORT_INVALID;
        sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        if (getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0 ||
            !from_sockaddr(reinterpret_cast<sockaddr*>(&ss), out))
            return STBF_PORT_INVALID;
        return STBF_PORT_OK;
    }

    static stbf_port_status watch(void* ctx, stbf_sock s, unsigned interest, uint32_t tag) {
        Impl* p = self(ctx);
        SockState* st = p->find(s);
        if (st == nullptr || (interest & ~(STBF_READABLE | STBF_WRITABLE)) != 0)
            return STBF_PORT_INVALID;
        st->tag = tag;
        if (interest == 0) {
            // Removed rather than registered with no events: epoll reports HUP/ERR regardless
            // of interest, which would spin the loop on a socket nobody services.
            if (st->in_epoll) epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, s, nullptr);
            st->in_epoll = false;
            st->interest = 0;
            return STBF_PORT_OK;
        }
        epoll_event ev{};
        ev.events = ((interest & STBF_READABLE) ? EPOLLIN | EPOLLRDHUP : 0u) |
                    ((interest & STBF_WRITABLE) ? EPOLLOUT : 0u);
        ev.data.fd = s;
        // Only a change of interest reaches the kernel; a new tag lives in the table.
        if (st->in_epoll && st->interest == interest) return STBF_PORT_OK;
        int rc = epoll_ctl(p->epoll_fd, st->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev);
        if (rc != 0) return STBF_PORT_INVALID;
        st->in_epoll = true;
        st->interest = interest;
        return STBF_PORT_OK;
    }

    size_t deliver_resolved(stbf_event* events, size_t cap) {
        size_t n = 0;
        while (n < cap && !ready.empty()) {
            uint32_t id = ready.front();
            ready.pop_front();
            uint32_t tag = 0;
            {
                std::lock_guard<std::mutex> lock(mutex);
                const ResolveRequest* r = find_request(id);
                // taken or cancelled meanwhile: its event is not reported
                if (r == nullptr || r->cancelled) continue;
                tag = r->tag;
            }
            stbf_event& e = events[n++];
            e.kind = STBF_EVENT_RESOLVED;
            e.ready = 0;
            e.sock = STBF_SOCK_INVALID;
            e.request = id;
            e.tag = tag;
        }
        return n;
    }

    static size_t poll(void* ctx, stbf_time_us deadline, stbf_event* events, size_t cap) {
        Impl* p = self(ctx);
        if (events == nullptr || cap == 0) return 0;
        size_t n = p->deliver_resolved(events, cap);
        int timeout_ms = 0;
        if (n == 0) {
            stbf_time_us t = now(nullptr);
            if (deadline > t) {
                uint64_t ms = (deadline - t + 999) / 1000;  // round up: never wake before it
                timeout_ms = ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms);
            }
        }
        epoll_event evs[kMaxEpollBatch];
        size_t room = cap - n;
        int want = room < kMaxEpollBatch ? static_cast<int>(room) : kMaxEpollBatch;
        if (want == 0) return n;
        int got = epoll_wait(p->epoll_fd, evs, want, timeout_ms);
        if (got < 0) return n;  // EINTR: the caller looks at the clock again
        bool resolved = false;
        for (int i = 0; i < got; ++i) {
            int fd = evs[i].data.fd;
            if (fd == p->wake_fd) {
                p->collect_finished();
                resolved = true;
                continue;
            }
            SockState* st = p->find(fd);
            if (st == nullptr) continue;
            unsigned ready = 0;
            uint32_t e = evs[i].events;
            if (e & (EPOLLIN | EPOLLRDHUP)) ready |= STBF_READABLE;
            if (e & EPOLLOUT) ready |= STBF_WRITABLE;
            if (e & (EPOLLERR | EPOLLHUP)) ready |= st->interest;  // whoever looks sees the error
            ready &= st->interest;
            if (ready == 0) continue;
            stbf_event& out = events[n++];
            out.kind = STBF_EVENT_SOCKET;
            out.ready = static_cast<uint8_t>(ready);
            out.sock = fd;
            out.request = 0;
            out.tag = st->tag;
        }
        if (resolved) n += p->deliver_resolved(events + n, cap - n);
        return n;
    }

    static stbf_port_status resolve_start(void* ctx, const char* host, uint16_t port, uint32_t tag,
                                          uint32_t* request) {
        Impl* p = self(ctx);
        if (host == nullptr || request == nullptr || host[0] == '\0' || std::strlen(host) > 253)
            return STBF_PORT_INVALID;
        std::lock_guard<std::mutex> lock(p->mutex);
        size_t live = 0;  // a cancelled lookup still running on the helper no longer counts
        for (const ResolveRequest& r : p->requests) live += r.cancelled ? 0 : 1;
        if (live >= p->options.max_resolves) return STBF_PORT_NO_RESOURCES;
        if (!p->resolver_started) {
            auto start = [](void* impl) -> void* {
                static_cast<Impl*>(impl)->resolver_main();
                return nullptr;
            };
            if (pthread_create(&p->resolver, nullptr, start, p) != 0) return STBF_PORT_NO_RESOURCES;
            p->resolver_started = true;
        }
        uint32_t id = p->next_request++;
        if (p->next_request == 0) p->next_request = 1;  // 0 is never a request
        p->requests.emplace_back();
        ResolveRequest& r = p->requests.back();
        r.id = id;
        r.host = host;
        r.port = port;
        r.tag = tag;
        p->queue.push_back(id);
        p->queue_cv.notify_one();
        *request = id;
        return STBF_PORT_OK;
    }

    static stbf_port_status resolve_take(void* ctx, uint32_t request, stbf_addr* out, size_t cap,
                                         size_t* count) {
        Impl* p = self(ctx);
        if (count != nullptr) *count = 0;
        if (count == nullptr || (out == nullptr && cap > 0)) return STBF_PORT_INVALID;
        std::lock_guard<std::mutex> lock(p->mutex);
        const ResolveRequest* r = p->find_request(request);
        if (r == nullptr || r->cancelled) return STBF_PORT_INVALID;
        if (!r->done) return STBF_PORT_WOULD_BLOCK;
        size_t n = r->addrs.size() < cap ? r->addrs.size() : cap;
        for (size_t i = 0; i < n; ++i) out[i] = r->addrs[i];
        *count = n;
        stbf_port_status st = r->result;
        p->erase_request(r);
        return st;
    }

    // Zero-copy relay: socket -> pipe -> socket with splice(2); the bytes never enter user
    // space. A few rounds per call so one busy session cannot hold the loop for long.
    static stbf_port_status tcp_splice(void* ctx, stbf_sock from, stbf_sock to, size_t max,
                                       stbf_splice_result* result) {
        Impl* p = self(ctx);
        SockState* in = p->find(from);
        SockState* out = p->find(to);
        if (result == nullptr || in == nullptr || out == nullptr || from == to ||
            in->kind != SockKind::Connected || out->kind != SockKind::Connected)
            return STBF_PORT_INVALID;
        *result = stbf_splice_result{0, 0, in->held, STBF_PORT_OK, STBF_PORT_OK};
        if (in->pipe_r < 0) {
            int fds[2];
            if (p->pipes >= p->options.max_splice_pipes || pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
                return STBF_PORT_NO_RESOURCES;
            in->pipe_r = fds[0];
            in->pipe_w = fds[1];
            in->held = 0;
            ++p->pipes;
            // A pipe holds 64 KiB by default; never ask for more than it takes, so EAGAIN on
            // the way in always means "socket empty", not "pipe full".
            const int cap = fcntl(in->pipe_w, F_GETPIPE_SZ);
            if (cap > 0 && static_cast<size_t>(cap) < max) max = static_cast<size_t>(cap);
        }
        for (int round = 0; round < 4; ++round) {
            bool moved = false;
            if (result->from_status == STBF_PORT_OK && in->held < max) {
                ssize_t n = ::splice(from, nullptr, in->pipe_w, nullptr, max - in->held,
                                     SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n > 0) {
                    in->held += static_cast<size_t>(n);
                    result->taken += static_cast<size_t>(n);
                    moved = true;
                } else if (n == 0) {
                    result->from_status = STBF_PORT_CLOSED;
                } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    result->from_status = STBF_PORT_WOULD_BLOCK;
                } else if (errno != EINTR) {
                    result->from_status = STBF_PORT_RESET;
                }
            }
            if (result->to_status == STBF_PORT_OK && in->held > 0) {
                ssize_t n = ::splice(in->pipe_r, nullptr, to, nullptr, in->held,
                                     SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n > 0) {
                    in->held -= static_cast<size_t>(n);
                    result->given += static_cast<size_t>(n);
                    moved = true;
                } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    result->to_status = STBF_PORT_WOULD_BLOCK;
                } else if (n < 0 && errno != EINTR) {
                    result->to_status = STBF_PORT_RESET;
                }
            }
            if (!moved) break;
        }
        result->held = in->held;
        return STBF_PORT_OK;
    }

    static stbf_port_status tcp_shutdown(void* ctx, stbf_sock s) {
        Impl* p = self(ctx);
        SockState* st = p->find(s);
        if (st == nullptr || st->kind != SockKind::Connected) return STBF_PORT_INVALID;
        ::shutdown(s, SHUT_WR);  // ENOTCONN (peer already gone) shows at the next recv/send
        return STBF_PORT_OK;
    }

    static void resolve_cancel(void* ctx, uint32_t request) {
        Impl* p = self(ctx);
        std::lock_guard<std::mutex> lock(p->mutex);
        ResolveRequest* r = p->find_request(request);
        if (r == nullptr) return;
        bool queued = false;
        for (auto q = p->queue.begin(); q != p->queue.end(); ++q) {
            if (*q == request) {
                p->queue.erase(q);
                queued = true;
                break;
            }
        }
        // A lookup in progress on the helper thread erases its own entry when it returns.
        if (queued || r->done)
            p->erase_request(r);
        else
            r->cancelled = true;
    }
};

// ---- PosixPort -----------------------------------------------------------------------------

PosixPort::PosixPort(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PosixPort::~PosixPort() = default;

std::unique_ptr<PosixPort> PosixPort::create(const PosixPortOptions& options, std::string* error) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    if (impl->options.ident == nullptr) impl->options.ident = "stbfailover";
    impl->log_level.store(options.log_level);
    impl->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    impl->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (impl->epoll_fd < 0 || impl->wake_fd < 0) {
        if (error != nullptr)
            *error = std::string("cannot create the event loop: ") + std::strerror(errno);
        return nullptr;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = impl->wake_fd;
    if (epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, impl->wake_fd, &ev) != 0) {
        if (error != nullptr)
            *error = std::string("cannot watch the wake-up eventfd: ") + std::strerror(errno);
        return nullptr;
    }
    if (options.use_syslog) impl->syslog.emplace(impl->options.ident);

    stbf_port& t = impl->table;
    t.api_version = STBF_PORT_API_VERSION;
    t.ctx = impl.get();
    t.now = &Impl::now;
    t.random = &Impl::random;
    t.log = &Impl::log_fn;
    t.tcp_listen = &Impl::tcp_listen;
    t.tcp_accept = &Impl::tcp_accept;
    t.tcp_connect = &Impl::tcp_connect;
    t.tcp_connect_result = &Impl::tcp_connect_result;
    t.tcp_send = &Impl::tcp_send;
    t.tcp_recv = &Impl::tcp_recv;
    t.tcp_close = &Impl::tcp_close;
    t.local_addr = &Impl::local_addr;
    t.watch = &Impl::watch;
    t.poll = &Impl::poll;
    t.resolve_start = &Impl::resolve_start;
    t.resolve_take = &Impl::resolve_take;
    t.resolve_cancel = &Impl::resolve_cancel;
    t.tcp_splice = options.splice ? &Impl::tcp_splice : nullptr;
    t.tcp_shutdown = &Impl::tcp_shutdown;
    return std::unique_ptr<PosixPort>(new PosixPort(std::move(impl)));
}

stbf_port* PosixPort::table() {
    return &impl_->table;
}

stbf_port_status PosixPort::adopt_fd(int fd, stbf_sock* out) {
    if (fd < 0 || out == nullptr || impl_->find(fd) != nullptr || fd == impl_->wake_fd ||
        fd == impl_->epoll_fd)
        return STBF_PORT_INVALID;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return STBF_PORT_INVALID;
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    impl_->track(fd, SockKind::Adopted);
    *out = fd;
    return STBF_PORT_OK;
}

int PosixPort::native_fd(stbf_sock s) const {
    return impl_->find(s) != nullptr ? s : -1;
}

void PosixPort::wake() {
    uint64_t one = 1;
    ssize_t ignored = ::write(impl_->wake_fd, &one, sizeof(one));
    (void)ignored;  // a saturated counter is still readable: the wake-up is not lost
}

void PosixPort::set_log_level(stbf_log_level level) {
    impl_->log_level.store(level);
}

// ---- helpers ---------------------------------------------------------------------------------

namespace {
struct LevelName {
    stbf_log_level level;
    const char* name;
};
constexpr LevelName kLevels[] = {
    {STBF_LOG_ERROR, "error"}, {STBF_LOG_WARNING, "warning"}, {STBF_LOG_NOTICE, "notice"},
    {STBF_LOG_INFO, "info"},   {STBF_LOG_DEBUG, "debug"},
};
}  // namespace

bool parse_log_level(const char* text, stbf_log_level* out) {
    if (text == nullptr) return false;
    if (std::strcmp(text, "warn") == 0) {  // the config file's spelling
        *out = STBF_LOG_WARNING;
        return true;
    }
    for (const LevelName& l : kLevels) {
        if (std::strcmp(text, l.name) == 0) {
            *out = l.level;
            return true;
        }
    }
    return false;
}

const char* log_level_name(stbf_log_level level) {
    for (const LevelName& l : kLevels)
        if (l.level == level) return l.name;
    return "log";
}

bool parse_numeric_addr(const char* text, uint16_t port, stbf_addr* out) {
    if (text == nullptr || out == nullptr) return false;
    std::memset(out, 0, sizeof(*out));
    out->port = port;
    if (inet_pton(AF_INET, text, out->addr) == 1) {
        out->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, text, out->addr) == 1) {
        out->family = 6;
        return true;
    }
    return false;
}

std::string format_addr(const stbf_addr& addr) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (addr.family == 4) inet_ntop(AF_INET, addr.addr, host, sizeof(host));
    if (addr.family == 6) inet_ntop(AF_INET6, addr.addr, host, sizeof(host));
    std::string out = addr.family == 6 ? std::string("[") + host + "]" : std::string(host);
    return out + ":" + std::to_string(addr.port);
}

void log_printf(const stbf_port& port, stbf_log_level level, const char* fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = static_cast<size_t>(n) < sizeof(line) ? static_cast<size_t>(n) : sizeof(line) - 1;
    port.log(port.ctx, level, line, len);
}

const char* port_status_name(stbf_port_status status) {
    switch (status) {
        case STBF_PORT_OK:
            return "ok";
        case STBF_PORT_WOULD_BLOCK:
            return "would block";
        case STBF_PORT_IN_PROGRESS:
            return "in progress";
        case STBF_PORT_CLOSED:
            return "closed";
        case STBF_PORT_REFUSED:
            return "refused";
        case STBF_PORT_RESET:
            return "reset";
        case STBF_PORT_UNREACHABLE:
            return "unreachable";
        case STBF_PORT_TIMEOUT:
            return "timeout";
        case STBF_PORT_NO_RESOURCES:
            return "no resources";
        case STBF_PORT_ADDR_IN_USE:
            return "address in use";
        case STBF_PORT_NOT_FOUND:
            return "not found";
        case STBF_PORT_INVALID:
            return "invalid";
        case STBF_PORT_ERROR:
            return "error";
    }
    return "unknown";
}

}  // namespace stbf
