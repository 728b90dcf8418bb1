/*
 * stub_port.c: the smallest port a bare-metal image can give the core (tests/baremetal).
 * A tick counter as the clock, no network (every TCP call fails with NO_RESOURCES or
 * INVALID), numeric-only resolution that never finishes, log lines dropped. Enough to bring up
 * the Engine and Runtime and run their loop, which is what the proof needs: the core links
 * and runs against nothing but this table and mem.. / str.. functions.
 */
#include "stbf/port.h"

static stbf_time_us ticks_us = 1000000;

static stbf_time_us stub_now(void* ctx) {
    (void)ctx;
    return ticks_us;
}
static void stub_random(void* ctx, uint8_t* out, size_t len) {
    (void)ctx;
    for (size_t i = 0; i < len; ++i) out[i] = (uint8_t)(ticks_us >> (i % 8) ^ (0x5au + i));
}
static void stub_log(void* ctx, stbf_log_level level, const char* msg, size_t len) {
    (void)ctx;
    (void)level;
    (void)msg;
    (void)len;
}
static stbf_port_status stub_listen(void* ctx, const stbf_addr* local, stbf_sock* out) {
    (void)ctx;
    (void)local;
    *out = 0;
    return STBF_PORT_OK;
}
static stbf_port_status stub_accept(void* ctx, stbf_sock l, stbf_sock* out, stbf_addr* peer) {
    (void)ctx;
    (void)l;
    (void)out;
    (void)peer;
    return STBF_PORT_WOULD_BLOCK;
}
static stbf_port_status stub_connect(void* ctx, const stbf_addr* remote, stbf_sock* out) {
    (void)ctx;
    (void)remote;
    (void)out;
    return STBF_PORT_NO_RESOURCES;
}
static stbf_port_status stub_connect_result(void* ctx, stbf_sock s) {
    (void)ctx;
    (void)s;
    return STBF_PORT_INVALID;
}
static stbf_port_status stub_send(void* ctx, stbf_sock s, const uint8_t* d, size_t n, size_t* sent) {
    (void)ctx;
    (void)s;
    (void)d;
    (void)n;
    *sent = 0;
    return STBF_PORT_INVALID;
}
static stbf_port_status stub_recv(void* ctx, stbf_sock s, uint8_t* b, size_t cap, size_t* got) {
    (void)ctx;
    (void)s;
    (void)b;
    (void)cap;
    *got = 0;
    return STBF_PORT_INVALID;
}
static void stub_close(void* ctx, stbf_sock s) {
    (void)ctx;
    (void)s;
}
static stbf_port_status stub_local_addr(void* ctx, stbf_sock s, stbf_addr* out) {
    (void)ctx;
    (void)s;
    out->family = 4;
    out->addr[0] = 127;
    out->addr[3] = 1;
    out->port = 20000;
    return STBF_PORT_OK;
}
static stbf_port_status stub_watch(void* ctx, stbf_sock s, unsigned interest, uint32_t tag) {
    (void)ctx;
    (void)s;
    (void)interest;
    (void)tag;
    return STBF_PORT_OK;
}
static size_t stub_poll(void* ctx, stbf_time_us deadline, stbf_event* ev, size_t cap) {
    (void)ctx;
    (void)ev;
    (void)cap;
    if (deadline > ticks_us) ticks_us = deadline; /* a wait-for-interrupt until the deadline */
    return 0;
}
static stbf_port_status stub_resolve_start(void* ctx, const char* host, uint16_t port,
                                           uint32_t tag, uint32_t* request) {
    (void)ctx;
    (void)host;
    (void)port;
    (void)tag;
    (void)request;
    return STBF_PORT_NO_RESOURCES;
}
static stbf_port_status stub_resolve_take(void* ctx, uint32_t request, stbf_addr* out,
                                          size_t cap, size_t* count) {
    (void)ctx;
    (void)request;
    (void)out;
    (void)cap;
    *count = 0;
    return STBF_PORT_INVALID;
}
static void stub_resolve_cancel(void* ctx, uint32_t request) {
    (void)ctx;
    (void)request;
}

const stbf_port stbf_stub_port = {
    STBF_PORT_API_VERSION, 0, stub_now, stub_random, stub_log, stub_listen, stub_accept,
    stub_connect, stub_connect_result, stub_send, stub_recv, stub_close, stub_local_addr,
    stub_watch, stub_poll, stub_resolve_start, stub_resolve_take, stub_resolve_cancel, 0};
