// Small helpers shared by the sim tests: drive a World's port like a runtime would.
#ifndef STBF_TESTS_SIM_TEST_SUPPORT_H
#define STBF_TESTS_SIM_TEST_SUPPORT_H

#include <stdint.h>

#include <vector>

#include "stbf/sim.h"

namespace stbf::sim::testing {

/// Poll until `s` reports any of `bits` or the virtual clock passes `deadline`. Returns the
/// reported bits (0 if the deadline passed first). Bounded: at most 10 000 polls.
inline unsigned wait_for(World& w, stbf_sock s, unsigned bits, stbf_time_us deadline) {
    const stbf_port* p = w.port();
    for (int i = 0; i < 10000; ++i) {
        stbf_event ev[16];
        const size_t n = p->poll(p->ctx, deadline, ev, 16);
        for (size_t k = 0; k < n; ++k) {
            if (ev[k].kind == STBF_EVENT_SOCKET && ev[k].sock == s && (ev[k].ready & bits)) {
                return ev[k].ready & bits;
            }
        }
        if (n == 0 && p->now(p->ctx) >= deadline) return 0;
    }
    return 0;
}

/// Read everything the port has for `s` right now; returns the last status (OK if the socket
/// simply has nothing more).
inline stbf_port_status read_all(World& w, stbf_sock s, std::vector<uint8_t>& into) {
    const stbf_port* p = w.port();
    for (int i = 0; i < 10000; ++i) {
        uint8_t buf[512];
        size_t got = 0;
        const stbf_port_status st = p->tcp_recv(p->ctx, s, buf, sizeof buf, &got);
        if (st != STBF_PORT_OK) return st == STBF_PORT_WOULD_BLOCK ? STBF_PORT_OK : st;
        into.insert(into.end(), buf, buf + got);
    }
    return STBF_PORT_ERROR;
}

/// Connect through the port and wait for the outcome; returns connect_result (or
/// IN_PROGRESS if `deadline` passed first). `*out` is the socket (close it yourself); it is
/// left unwatched.
inline stbf_port_status connect_and_wait(World& w, const stbf_addr& to, stbf_sock* out,
                                         stbf_time_us deadline) {
    const stbf_port* p = w.port();
    const stbf_port_status st = p->tcp_connect(p->ctx, &to, out);
    if (st != STBF_PORT_IN_PROGRESS) return st;
    p->watch(p->ctx, *out, STBF_WRITABLE, 0);
    wait_for(w, *out, STBF_WRITABLE, deadline);
    p->watch(p->ctx, *out, 0, 0);  // a connected socket is always writable: stop reporting it
    return p->tcp_connect_result(p->ctx, *out);
}

}  // namespace stbf::sim::testing

#endif  // STBF_TESTS_SIM_TEST_SUPPORT_H
