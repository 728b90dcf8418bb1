// lwIP port of the port contract: see stbf/lwip_port.h for the design.
#include "stbf/lwip_port.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <array>

extern "C" {
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"
}

namespace stbf {

// ---- the process-wide stack -------------------------------------------------------------
namespace {

// The clock lwIP's timers run on (sys_now below) and the ports report: one per process, as
// lwIP has one stack. Virtual when any port asked for it.
struct StackClock {
    bool is_virtual = false;
    uint64_t virtual_us = 1'000'000;  // starts at 1 s: 0 is "never" in many callers
    uint64_t now_us() const {
        if (is_virtual) return virtual_us;
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u +
               static_cast<uint64_t>(ts.tv_nsec) / 1000u;
    }
};
StackClock g_clock;

// Callbacks lwIP schedules for "the tcpip thread" (loopback delivery: netif_poll). This port
// has no such thread; poll runs them.
struct Deferred {
    tcpip_callback_fn fn;
    void* ctx;
};
std::array<Deferred, 64> g_deferred;
size_t g_deferred_count = 0;

netif g_loopback;
bool g_stack_up = false;

err_t loopback_output(netif*, pbuf*, const ip4_addr_t*) {
    return ERR_RTE;  // only loopback traffic exists; lwIP delivers it via netif_loop_output
}
err_t loopback_init(netif* n) {
    n->name[0] = 'l';
    n->name[1] = 'o';
    n->mtu = 1500;
    n->output = loopback_output;
    n->flags = 0;
    return ERR_OK;
}

void stack_up() {
    if (g_stack_up) return;
    lwip_init();
    ip4_addr_t addr, mask, gw;
    IP4_ADDR(&addr, 127, 0, 0, 1);
    IP4_ADDR(&mask, 255, 0, 0, 0);
    IP4_ADDR(&gw, 0, 0, 0, 0);
    netif_add(&g_loopback, &addr, &mask, &gw, nullptr, loopback_init, ip_input);
    netif_set_default(&g_loopback);
    netif_set_link_up(&g_loopback);
    netif_set_up(&g_loopback);
    g_stack_up = true;
}

// Runs what lwIP handed to "the tcpip thread" and the loopback queue until both are empty
// (delivering a segment may queue the answer), then lwIP's due timers. Bounded.
void run_stack() {
    for (int round = 0; round < 10000; ++round) {
        netif_poll(&g_loopback);
        if (g_deferred_count == 0) break;
        Deferred d = g_deferred[--g_deferred_count];
        d.fn(d.ctx);
    }
    sys_check_timeouts();
    netif_poll(&g_loopback);  // what the timers sent (retransmissions, delayed ACKs)
}

}  // namespace
}  // namespace stbf

// lwIP's clock and its "run this on the tcpip thread" hook, resolved by liblwip's own calls
// (see lwip_port.h).
extern "C" u32_t sys_now(void) {
    return static_cast<u32_t>(stbf::g_clock.now_us() / 1000u);
}
extern "C" err_t tcpip_try_callback(tcpip_callback_fn function, void* ctx) {
    if (stbf::g_deferred_count == stbf::g_deferred.size()) return ERR_MEM;
    stbf::g_deferred[stbf::g_deferred_count++] = {function, ctx};
    return ERR_OK;
}

namespace stbf {

// ---- one port ---------------------------------------------------------------------------
struct LwipPort::Impl {
    enum class State : uint8_t { Free, Listener, Pending, Connecting, Connected, Dead };
    static constexpr size_t kSockets = 256;
    static constexpr size_t kResolves = 32;

    struct Sock {
        Impl* owner = nullptr;
        State state = State::Free;
        tcp_pcb* pcb = nullptr;
        unsigned interest = 0;
        uint32_t tag = 0;
        pbuf* rx = nullptr;                     // received, not yet read (not yet tcp_recved)
        bool fin = false;                       // peer sent FIN (after the bytes in rx)
        stbf_port_status error = STBF_PORT_OK;  // Dead: why
        int32_t first_pending = -1;  // Listener: accepted connections not yet taken, in order
        int32_t last_pending = -1;
        int32_t next_pending = -1;  // Pending: the next one of the same listener
        int32_t listener = -1;      // Pending: its listener
    };
    struct Resolve {
        uint32_t id = 0;  // 0: free
        uint32_t tag = 0;
        bool reported = false;
        stbf_port_status status = STBF_PORT_OK;
        stbf_addr addr{};
    };

    LwipPortOptions options;
    stbf_port table{};
    std::array<Sock, kSockets> socks;
    std::array<Resolve, kResolves> resolves;
    uint32_t next_request = 1;
    uint64_t random_state = 0;

    Sock* get(stbf_sock s) {
        if (s < 0 || static_cast<size_t>(s) >= kSockets) return nullptr;
        Sock& e = socks[static_cast<size_t>(s)];
        return e.state == State::Free || e.state == State::Pending ? nullptr : &e;
    }
    int32_t alloc(State state) {
        for (size_t i = 0; i < kSockets; ++i) {
            if (socks[i].state == State::Free) {
                socks[i] = Sock();
                socks[i].owner = this;
                socks[i].state = state;
                return static_cast<int32_t>(i);
            }
        }
        return -1;
    }
    int32_t index_of(const Sock* e) const { return static_cast<int32_t>(e - socks.data()); }

    // ---- lwIP callbacks (arg: the Sock) -------------------------------------------------
    static err_t on_recv(void* arg, tcp_pcb*, pbuf* p, err_t err) {
        Sock* e = static_cast<Sock*>(arg);
        if (e == nullptr) {
            if (p != nullptr) pbuf_free(p);
            return ERR_OK;
        }
        if (p == nullptr) {
            e->fin = true;
        } else if (err != ERR_OK) {
            pbuf_free(p);
        } else if (e->rx == nullptr) {
            e->rx = p;
        } else {
            pbuf_cat(e->rx, p);
        }
        return ERR_OK;
    }
    static void on_err(void* arg, err_t err) {
        Sock* e = static_cast<Sock*>(arg);
        if (e == nullptr) return;
        // lwIP has freed the pcb already.
        const bool connecting = e->state == State::Connecting;
        e->pcb = nullptr;
        if (err == ERR_RST) {
            e->error = connecting ? STBF_PORT_REFUSED : STBF_PORT_RESET;
        } else if (err == ERR_ABRT) {
            e->error = connecting ? STBF_PORT_TIMEOUT : STBF_PORT_RESET;  // retries exhausted
        } else if (err == ERR_CLSD) {
            e->error = STBF_PORT_CLOSED;
        } else {
            e->error = STBF_PORT_ERROR;
        }
        if (e->state == State::Pending) {
            e->state = State::Dead;  // stays queued; tcp_accept hands it out, reads see error
        } else {
            e->state = State::Dead;
        }
    }
    static err_t on_connected(void* arg, tcp_pcb*, err_t err) {
        Sock* e = static_cast<Sock*>(arg);
        if (e != nullptr && err == ERR_OK) e->state = State::Connected;
        return ERR_OK;
    }
    static err_t on_accept(void* arg, tcp_pcb* newpcb, err_t err) {
        Sock* l = static_cast<Sock*>(arg);
        if (l == nullptr || err != ERR_OK || newpcb == nullptr) return ERR_VAL;
        Impl* self = l->owner;
        const int32_t i = self->alloc(State::Pending);
        if (i < 0) {
            tcp_abort(newpcb);
            return ERR_ABRT;
        }
        Sock& c = self->socks[static_cast<size_t>(i)];
        c.pcb = newpcb;
        c.listener = self->index_of(l);
        self->hook(&c);
        if (l->last_pending < 0) {
            l->first_pending = i;
        } else {
            self->socks[static_cast<size_t>(l->last_pending)].next_pending = i;
        }
        l->last_pending = i;
        return ERR_OK;
    }

    void hook(Sock* e) {
        tcp_arg(e->pcb, e);
        tcp_recv(e->pcb, on_recv);
        tcp_err(e->pcb, on_err);
        tcp_nagle_disable(e->pcb);  // keepalives and ECM-sized messages must not wait
    }
    static void unhook(tcp_pcb* pcb) {
        tcp_arg(pcb, nullptr);
        tcp_recv(pcb, nullptr);
        tcp_err(pcb, nullptr);
        tcp_sent(pcb, nullptr);
    }

    // Releases entry `e` (its pcb closed or aborted) so the handle can be reused.
    void release(Sock* e, bool abortive) {
        if (e->state == State::Listener) {
            for (int32_t p = e->first_pending; p >= 0;) {
                Sock& c = socks[static_cast<size_t>(p)];
                const int32_t next = c.next_pending;
                c.state = State::Connected;  // so release() treats it as a connection
                release(&c, true);
                p = next;
            }
            if (e->pcb != nullptr) {
                tcp_arg(e->pcb, nullptr);
                tcp_accept(e->pcb, nullptr);
                tcp_close(e->pcb);
            }
        } else if (e->pcb != nullptr) {
            tcp_pcb* pcb = e->pcb;
            unhook(pcb);
            if (abortive) {
                tcp_abort(pcb);
            } else {
                // Unread bytes make lwIP answer with RST, as a BSD stack does.
                if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
            }
        }
        if (e->rx != nullptr) pbuf_free(e->rx);
        *e = Sock();
    }

    unsigned readiness(const Sock& e) const {
        switch (e.state) {
            case State::Listener:
                return e.first_pending >= 0 ? STBF_READABLE : 0u;
            case State::Connecting:
                return 0;
            case State::Dead:
                return STBF_READABLE | STBF_WRITABLE;  // the next call sees the error
            case State::Connected: {
                unsigned r = 0;
                if (e.rx != nullptr || e.fin) r |= STBF_READABLE;
                if (e.pcb != nullptr && tcp_sndbuf(e.pcb) > 0 &&
                    tcp_sndqueuelen(e.pcb) < TCP_SND_QUEUELEN / 2)
                    r |= STBF_WRITABLE;
                return r;
            }
            default:
                return 0;
        }
    }

    size_t collect(stbf_event* events, size_t cap) {
        size_t n = 0;
        for (size_t i = 0; i < kSockets && n < cap; ++i) {
            const Sock& e = socks[i];
            if (e.state == State::Free || e.state == State::Pending || e.interest == 0) continue;
            const unsigned ready = readiness(e) & e.interest;
            if (ready == 0) continue;
            stbf_event& ev = events[n++];
            ev = stbf_event{};
            ev.kind = STBF_EVENT_SOCKET;
            ev.ready = static_cast<uint8_t>(ready);
            ev.sock = static_cast<stbf_sock>(i);
            ev.request = 0;
            ev.tag = e.tag;
        }
        for (Resolve& r : resolves) {
            if (n >= cap) break;
            if (r.id == 0 || r.reported) continue;
            r.reported = true;
            stbf_event& ev = events[n++];
            ev = stbf_event{};
            ev.kind = STBF_EVENT_RESOLVED;
            ev.sock = STBF_SOCK_INVALID;
            ev.request = r.id;
            ev.tag = r.tag;
        }
        return n;
    }

    // ---- contract functions ------------------------------------------------------------
    static Impl* self(void* ctx) { return static_cast<Impl*>(ctx); }

    static bool to_ip(const stbf_addr* a, ip_addr_t* out) {
        if (a == nullptr) return false;
        if (a->family == 4) {
            uint32_t v;
            memcpy(&v, a->addr, 4);  // network order, as lwIP keeps it
            ip_addr_set_ip4_u32(out, v);
            return true;
        }
        if (a->family == 6) {
            uint32_t w[4];
            memcpy(w, a->addr, 16);
            IP_ADDR6(out, w[0], w[1], w[2], w[3]);
            return true;
        }
        return false;
    }
    static stbf_addr from_ip(const ip_addr_t* ip, uint16_t port) {
        stbf_addr a{};
        if (IP_IS_V6(ip)) {
            a.family = 6;
            memcpy(a.addr, ip_2_ip6(ip)->addr, 16);
        } else {
            a.family = 4;
            const uint32_t v = ip4_addr_get_u32(ip_2_ip4(ip));
            memcpy(a.addr, &v, 4);
        }
        a.port = port;
        return a;
    }

    static stbf_time_us now(void*) { return g_clock.now_us(); }

    static void random(void* ctx, uint8_t* out, size_t len) {
        Impl* p = self(ctx);
        for (size_t i = 0; i < len; ++i) {
            // splitmix64 over the seed, the clock and the state: no hardware source here.
            p->random_state += 0x9E3779B97F4A7C15ull ^ g_clock.now_us();
            uint64_t z = p->random_state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            out[i] = static_cast<uint8_t>(z ^ (z >> 31));
        }
    }

    static void log_fn(void* ctx, stbf_log_level level, const char* msg, size_t len) {
        Impl* p = self(ctx);
        if (level > p->options.log_level) return;
        if (p->options.log_sink != nullptr) {
            p->options.log_sink(p->options.log_user, level, msg, len);
        } else {
            fprintf(stderr, "stbfailover: %.*s\n", static_cast<int>(len), msg);
        }
    }

    static stbf_port_status tcp_listen_fn(void* ctx, const stbf_addr* local, stbf_sock* out) {
        Impl* p = self(ctx);
        ip_addr_t ip;
        if (out == nullptr || !to_ip(local, &ip)) return STBF_PORT_INVALID;
        *out = STBF_SOCK_INVALID;
        const int32_t i = p->alloc(State::Listener);
        if (i < 0) return STBF_PORT_NO_RESOURCES;
        Sock& e = p->socks[static_cast<size_t>(i)];
        tcp_pcb* pcb = tcp_new_ip_type(IP_GET_TYPE(&ip));
        if (pcb == nullptr) {
            e = Sock();
            return STBF_PORT_NO_RESOURCES;
        }
        ip_set_option(pcb, SOF_REUSEADDR);
        const err_t bound = tcp_bind(pcb, &ip, local->port);
        if (bound != ERR_OK) {
            tcp_abort(pcb);
            e = Sock();
            return bound == ERR_USE ? STBF_PORT_ADDR_IN_USE : STBF_PORT_ERROR;
        }
        err_t err = ERR_OK;
        tcp_pcb* lpcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
        if (lpcb == nullptr) {
            tcp_abort(pcb);
            e = Sock();
            return err == ERR_USE ? STBF_PORT_ADDR_IN_USE : STBF_PORT_NO_RESOURCES;
        }
        e.pcb = lpcb;
        tcp_arg(lpcb, &e);
        tcp_accept(lpcb, on_accept);
        *out = i;
        return STBF_PORT_OK;
    }

    static stbf_port_status tcp_accept_fn(void* ctx, stbf_sock listener, stbf_sock* out,
                                          stbf_addr* peer) {
        Impl* p = self(ctx);
        Sock* l = p->get(listener);
        if (l == nullptr || l->state != State::Listener || out == nullptr) return STBF_PORT_INVALID;
        if (l->first_pending < 0) return STBF_PORT_WOULD_BLOCK;
        const int32_t i = l->first_pending;
        Sock& c = p->socks[static_cast<size_t>(i)];
        l->first_pending = c.next_pending;
        if (l->first_pending < 0) l->last_pending = -1;
        c.next_pending = -1;
        c.listener = -1;
        if (c.state == State::Pending) c.state = State::Connected;
        if (peer != nullptr) {
            *peer = c.pcb != nullptr ? from_ip(&c.pcb->remote_ip, c.pcb->remote_port) : stbf_addr{};
        }
        *out = i;
        return STBF_PORT_OK;
    }

    static stbf_port_status tcp_connect_fn(void* ctx, const stbf_addr* remote, stbf_sock* out) {
        Impl* p = self(ctx);
        ip_addr_t ip;
        if (out == nullptr || !to_ip(remote, &ip) || remote->port == 0) return STBF_PORT_INVALID;
        *out = STBF_SOCK_INVALID;
        const int32_t i = p->alloc(State::Connecting);
        if (i < 0) return STBF_PORT_NO_RESOURCES;
        Sock& e = p->socks[static_cast<size_t>(i)];
        e.pcb = tcp_new_ip_type(IP_GET_TYPE(&ip));
        if (e.pcb == nullptr) {
            e = Sock();
            return STBF_PORT_NO_RESOURCES;
        }
        p->hook(&e);
        const err_t err = tcp_connect(e.pcb, &ip, remote->port, on_connected);
        if (err != ERR_OK) {
            unhook(e.pcb);
            tcp_abort(e.pcb);
            e = Sock();
            return err == ERR_RTE                     ? STBF_PORT_UNREACHABLE
                   : err == ERR_MEM || err == ERR_BUF ? STBF_PORT_NO_RESOURCES
                                                      : STBF_PORT_ERROR;
        }
        *out = i;
        return STBF_PORT_IN_PROGRESS;
    }

    static stbf_port_status tcp_connect_result_fn(void* ctx, stbf_sock s) {
        Sock* e = self(ctx)->get(s);
        if (e == nullptr) return STBF_PORT_INVALID;
        if (e->state == State::Connecting) return STBF_PORT_IN_PROGRESS;
        if (e->state == State::Dead) return e->error;
        return e->state == State::Connected ? STBF_PORT_OK : STBF_PORT_INVALID;
    }

    static stbf_port_status tcp_send_fn(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                                        size_t* sent) {
        Sock* e = self(ctx)->get(s);
        if (sent != nullptr) *sent = 0;
        if (e == nullptr || sent == nullptr || e->state == State::Listener)
            return STBF_PORT_INVALID;
        if (e->state == State::Dead)
            return e->error == STBF_PORT_CLOSED ? STBF_PORT_CLOSED : STBF_PORT_RESET;
        if (e->state != State::Connected || e->pcb == nullptr) return STBF_PORT_WOULD_BLOCK;
        size_t room = tcp_sndbuf(e->pcb);
        if (room > len) room = len;
        if (room > 0xffffu) room = 0xffffu;
        while (room > 0) {
            const err_t err =
                tcp_write(e->pcb, data, static_cast<u16_t>(room), TCP_WRITE_FLAG_COPY);
            if (err == ERR_OK) break;
            if (err != ERR_MEM) return STBF_PORT_RESET;
            room /= 2;  // segment queue full: try a smaller piece
        }
        if (room == 0) return STBF_PORT_WOULD_BLOCK;
        tcp_output(e->pcb);
        *sent = room;
        return STBF_PORT_OK;
    }

    static stbf_port_status tcp_recv_fn(void* ctx, stbf_sock s, uint8_t* buf, size_t cap,
                                        size_t* got) {
        Sock* e = self(ctx)->get(s);
        if (got != nullptr) *got = 0;
        if (e == nullptr || got == nullptr || e->state == State::Listener) return STBF_PORT_INVALID;
        if (e->rx != nullptr && cap > 0) {
            size_t total = 0;
            while (e->rx != nullptr && total < cap) {
                const size_t want = cap - total > 0xffffu ? 0xffffu : cap - total;
                const u16_t n = pbuf_copy_partial(e->rx, buf + total, static_cast<u16_t>(want), 0);
                if (n == 0) break;
                e->rx = pbuf_free_header(e->rx, n);
                if (e->pcb != nullptr) tcp_recved(e->pcb, n);  // opens the window again
                total += n;
            }
            *got = total;
            return STBF_PORT_OK;
        }
        if (e->fin) return STBF_PORT_CLOSED;
        if (e->state == State::Dead)
            return e->error == STBF_PORT_CLOSED ? STBF_PORT_CLOSED : STBF_PORT_RESET;
        return STBF_PORT_WOULD_BLOCK;
    }

    static void tcp_close_fn(void* ctx, stbf_sock s) {
        Impl* p = self(ctx);
        Sock* e = p->get(s);
        if (e != nullptr) p->release(e, false);
    }

    static stbf_port_status local_addr_fn(void* ctx, stbf_sock s, stbf_addr* out) {
        Sock* e = self(ctx)->get(s);
        if (e == nullptr || out == nullptr || e->pcb == nullptr) return STBF_PORT_INVALID;
        *out = from_ip(&e->pcb->local_ip, e->pcb->local_port);
        return STBF_PORT_OK;
    }

    static stbf_port_status watch_fn(void* ctx, stbf_sock s, unsigned interest, uint32_t tag) {
        Sock* e = self(ctx)->get(s);
        if (e == nullptr) return STBF_PORT_INVALID;
        e->interest = interest & (STBF_READABLE | STBF_WRITABLE);
        e->tag = tag;
        return STBF_PORT_OK;
    }

    static size_t poll_fn(void* ctx, stbf_time_us deadline, stbf_event* events, size_t cap) {
        Impl* p = self(ctx);
        for (int rounds = 0; rounds < 1'000'000; ++rounds) {
            run_stack();
            const size_t n = p->collect(events, cap);
            if (n > 0) return n;
            const uint64_t now = g_clock.now_us();
            if (now >= deadline) return 0;
            // Nothing ready: wait for the deadline or lwIP's next timer, whichever is first.
            uint64_t until = deadline;
            const u32_t sleep_ms = sys_timeouts_sleeptime();
            if (sleep_ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
                const uint64_t timer = (now / 1000u + sleep_ms) * 1000u;  // on sys_now's ms grid
                if (timer < until) until = timer > now ? timer : now + 1000u;
            }
            if (g_clock.is_virtual) {
                g_clock.virtual_us = until;
            } else {
                const uint64_t wait = until - now;
                timespec ts{static_cast<time_t>(wait / 1'000'000u),
                            static_cast<long>(wait % 1'000'000u) * 1000L};
                nanosleep(&ts, nullptr);
            }
        }
        return 0;
    }

    // Numeric literal or a host-table name; false if neither.
    bool lookup(const char* host, ip_addr_t* out) const {
        if (ipaddr_aton(host, out)) return true;
        for (const auto& entry : options.hosts)
            if (entry.first == host) return ipaddr_aton(entry.second.c_str(), out) != 0;
        return false;
    }

    static stbf_port_status resolve_start_fn(void* ctx, const char* host, uint16_t port,
                                             uint32_t tag, uint32_t* request) {
        Impl* p = self(ctx);
        if (host == nullptr || request == nullptr) return STBF_PORT_INVALID;
        for (Resolve& r : p->resolves) {
            if (r.id != 0) continue;
            r = Resolve();
            r.id = p->next_request++;
            if (p->next_request == 0) p->next_request = 1;
            r.tag = tag;
            ip_addr_t ip;
            if (p->lookup(host, &ip)) {
                r.addr = from_ip(&ip, port);
            } else {
                r.status = STBF_PORT_NOT_FOUND;
            }
            *request = r.id;
            return STBF_PORT_OK;
        }
        return STBF_PORT_NO_RESOURCES;
    }

    static stbf_port_status resolve_take_fn(void* ctx, uint32_t request, stbf_addr* out, size_t cap,
                                            size_t* count) {
        Impl* p = self(ctx);
        if (count != nullptr) *count = 0;
        for (Resolve& r : p->resolves) {
            if (r.id == 0 || r.id != request) continue;
            const stbf_port_status st = r.status;
            if (st == STBF_PORT_OK && cap > 0 && out != nullptr) {
                out[0] = r.addr;
                if (count != nullptr) *count = 1;
            }
            r = Resolve();
            return st;
        }
        return STBF_PORT_INVALID;
    }

    static void resolve_cancel_fn(void* ctx, uint32_t request) {
        for (Resolve& r : self(ctx)->resolves)
            if (r.id != 0 && r.id == request) r = Resolve();
    }
};

std::unique_ptr<LwipPort> LwipPort::create(const LwipPortOptions& options) {
    stack_up();
    if (options.virtual_clock) g_clock.is_virtual = true;
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->random_state = options.seed ^ g_clock.now_us() ^ reinterpret_cast<uintptr_t>(impl.get());
    stbf_port& t = impl->table;
    t.api_version = STBF_PORT_API_VERSION;
    t.ctx = impl.get();
    t.now = Impl::now;
    t.random = Impl::random;
    t.log = Impl::log_fn;
    t.tcp_listen = Impl::tcp_listen_fn;
    t.tcp_accept = Impl::tcp_accept_fn;
    t.tcp_connect = Impl::tcp_connect_fn;
    t.tcp_connect_result = Impl::tcp_connect_result_fn;
    t.tcp_send = Impl::tcp_send_fn;
    t.tcp_recv = Impl::tcp_recv_fn;
    t.tcp_close = Impl::tcp_close_fn;
    t.local_addr = Impl::local_addr_fn;
    t.watch = Impl::watch_fn;
    t.poll = Impl::poll_fn;
    t.resolve_start = Impl::resolve_start_fn;
    t.resolve_take = Impl::resolve_take_fn;
    t.resolve_cancel = Impl::resolve_cancel_fn;
    t.tcp_splice = nullptr;  // no zero-copy path on lwIP
    return std::unique_ptr<LwipPort>(new LwipPort(std::move(impl)));
}

LwipPort::LwipPort(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LwipPort::~LwipPort() {
    for (size_t i = 0; i < Impl::kSockets; ++i) {
        Impl::Sock& e = impl_->socks[i];
        if (e.state != Impl::State::Free && e.state != Impl::State::Pending)
            impl_->release(&e, true);
    }
    for (size_t i = 0; i < Impl::kSockets; ++i) {  // pending ones of no listener (cannot happen)
        Impl::Sock& e = impl_->socks[i];
        if (e.state == Impl::State::Pending) impl_->release(&e, true);
    }
    run_stack();  // deliver the RSTs so the next port starts from a quiet stack
}

const stbf_port* LwipPort::table() const {
    return &impl_->table;
}

void LwipPort::abort(stbf_sock s) {
    Impl::Sock* e = impl_->get(s);
    if (e != nullptr) impl_->release(e, true);
}

void LwipPort::advance(uint64_t us) {
    if (g_clock.is_virtual) g_clock.virtual_us += us;
}

}  // namespace stbf
