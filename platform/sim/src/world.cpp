#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stbf/sim.h"

namespace stbf::sim {

static World* self(void* ctx) {
    return static_cast<World*>(ctx);
}

World::World(uint64_t seed, stbf_time_us start_us)
    : echo_([] {
          const char* v = getenv("STBF_SIM_LOG");
          return v != nullptr && strcmp(v, "1") == 0;
      }()),
      clock_(start_us),
      net_(clock_, [this](const std::string& line) { add_trace(line); }),
      resolver_(clock_),
      random_(seed) {
    port_ = stbf_port{};
    port_.api_version = STBF_PORT_API_VERSION;
    port_.ctx = this;
    port_.now = &World::port_now;
    port_.random = &World::port_random;
    port_.log = &World::port_log;
    port_.tcp_listen = &World::port_tcp_listen;
    port_.tcp_accept = &World::port_tcp_accept;
    port_.tcp_connect = &World::port_tcp_connect;
    port_.tcp_connect_result = &World::port_tcp_connect_result;
    port_.tcp_send = &World::port_tcp_send;
    port_.tcp_recv = &World::port_tcp_recv;
    port_.tcp_close = &World::port_tcp_close;
    port_.local_addr = &World::port_local_addr;
    port_.watch = &World::port_watch;
    port_.poll = &World::port_poll;
    port_.resolve_start = &World::port_resolve_start;
    port_.resolve_take = &World::port_resolve_take;
    port_.resolve_cancel = &World::port_resolve_cancel;
    port_.tcp_splice = nullptr;    // the sim relays through tcp_recv / tcp_send only
    port_.tcp_shutdown = nullptr;  // and models no half-close: the runtime's fallback path
}

World::~World() = default;

// ---- time ---------------------------------------------------------------------------------

void World::run_until(stbf_time_us t) {
    if (!clock_.run_until(t, max_steps_)) {
        add_trace("ERROR run_until: more than " + std::to_string(max_steps_) +
                  " callbacks in one call; a script reschedules itself forever?");
    }
}

size_t World::collect(stbf_event* events, size_t cap) {
    size_t n = net_.collect_ready(events, cap);
    n += resolver_.collect_finished(events + n, cap - n);
    return n;
}

size_t World::poll(stbf_time_us deadline, stbf_event* events, size_t cap) {
    if (events == nullptr || cap == 0) return 0;
    size_t steps = 0;
    for (;;) {
        // Everything due at the current instant runs before anything is reported, so one
        // poll sees the complete state of that instant.
        while (clock_.next_time() <= now()) {
            if (steps++ >= max_steps_) {
                add_trace("ERROR poll: more than " + std::to_string(max_steps_) +
                          " callbacks at one instant; a script reschedules itself forever?");
                return 0;
            }
            clock_.run_next(now());
        }
        const size_t n = collect(events, cap);
        if (n > 0) note_busy_poll();
        if (n > 0 || deadline <= now()) return n;
        const stbf_time_us next = clock_.next_time();
        if (next > deadline) {
            if (deadline == kNoTime) {
                add_trace("poll without deadline and nothing scheduled: would sleep forever");
                return 0;
            }
            clock_.jump_to(deadline);
            return 0;
        }
        if (steps++ >= max_steps_) {
            add_trace("ERROR poll: more than " + std::to_string(max_steps_) +
                      " callbacks without an event for the caller");
            return 0;
        }
        clock_.run_next(next);
    }
}

void World::note_busy_poll() {
    // Level-triggered readiness: a caller that never services a ready socket gets it back from
    // every poll. On a real OS time still passes; here the clock stands still, so say so once.
    if (now() != busy_instant_) {
        busy_instant_ = now();
        busy_polls_ = 0;
    }
    if (++busy_polls_ == kBusyPollWarning) {
        add_trace("WARNING poll: " + std::to_string(kBusyPollWarning) +
                  " polls at one instant returned events; is a ready socket never serviced "
                  "(e.g. WRITABLE watched with nothing to send)? Virtual time cannot move.");
    }
}

// ---- scripts ------------------------------------------------------------------------------

Server& World::add_server(const char* host, uint16_t port, ServerBehaviour behaviour) {
    servers_.push_back(std::make_unique<Server>(
        clock_, net_, [this](const std::string& line) { add_trace(line); }, addr(host, port),
        std::move(behaviour)));
    return *servers_.back();
}

Client& World::add_client(const char* host, uint16_t port, ClientScript script) {
    clients_.push_back(std::make_unique<Client>(
        clock_, net_, [this](const std::string& line) { add_trace(line); }, addr(host, port),
        std::move(script)));
    return *clients_.back();
}

Softcam& World::add_softcam(const std::vector<std::pair<std::string, uint16_t>>& targets,
                            const SoftcamOptions& options) {
    std::vector<stbf_addr> to;
    for (const auto& [host, port] : targets) to.push_back(addr(host.c_str(), port));
    softcams_.push_back(std::make_unique<Softcam>(
        clock_, net_, [this](const std::string& line) { add_trace(line); }, std::move(to),
        options));
    return *softcams_.back();
}

void World::add_name(const std::string& name, const std::vector<std::string>& addresses) {
    std::vector<stbf_addr> parsed;
    for (const auto& a : addresses) parsed.push_back(addr(a.c_str()));
    resolver_.add_name(name, std::move(parsed));
}

// ---- what happened ------------------------------------------------------------------------

bool World::logged(const std::string& needle) const {
    for (const auto& l : log_) {
        if (l.text.find(needle) != std::string::npos) return true;
    }
    return false;
}

void World::note(const std::string& what) {
    add_trace("note " + what);
}

void World::add_trace(const std::string& what) {
    trace_.push_back(std::to_string(now()) + " " + what);
    if (echo_) fprintf(stderr, "[sim] %s\n", trace_.back().c_str());
}

void World::add_log(stbf_log_level level, const char* msg, size_t len) {
    log_.push_back(LogLine{now(), level, std::string(msg ? msg : "", msg ? len : 0)});
    if (echo_) {
        fprintf(stderr, "[log] %llu <%d> %s\n", static_cast<unsigned long long>(now()),
                static_cast<int>(level), log_.back().text.c_str());
    }
}

// ---- the port table -----------------------------------------------------------------------

stbf_time_us World::port_now(void* ctx) {
    return self(ctx)->now();
}

void World::port_random(void* ctx, uint8_t* out, size_t len) {
    if (out != nullptr) self(ctx)->random_.fill(out, len);
}

void World::port_log(void* ctx, stbf_log_level level, const char* msg, size_t len) {
    self(ctx)->add_log(level, msg, len);
}

stbf_port_status World::port_tcp_listen(void* ctx, const stbf_addr* local, stbf_sock* out) {
    if (local == nullptr) return STBF_PORT_INVALID;
    return self(ctx)->net_.listen(*local, nullptr, false, out);
}

stbf_port_status World::port_tcp_accept(void* ctx, stbf_sock l, stbf_sock* out, stbf_addr* peer) {
    if (!self(ctx)->is_port_socket(l)) return STBF_PORT_INVALID;
    return self(ctx)->net_.accept(l, nullptr, out, peer);
}

stbf_port_status World::port_tcp_connect(void* ctx, const stbf_addr* remote, stbf_sock* out) {
    if (remote == nullptr) return STBF_PORT_INVALID;
    return self(ctx)->net_.connect(*remote, nullptr, out);
}

stbf_port_status World::port_tcp_connect_result(void* ctx, stbf_sock s) {
    if (!self(ctx)->is_port_socket(s)) return STBF_PORT_INVALID;
    return self(ctx)->net_.connect_result(s);
}

stbf_port_status World::port_tcp_send(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                                      size_t* sent) {
    if (sent) *sent = 0;
    if (!self(ctx)->is_port_socket(s)) return STBF_PORT_INVALID;
    return self(ctx)->net_.send(s, data, len, sent);
}

stbf_port_status World::port_tcp_recv(void* ctx, stbf_sock s, uint8_t* buf, size_t cap,
                                      size_t* got) {
    if (got) *got = 0;
    if (!self(ctx)->is_port_socket(s)) return STBF_PORT_INVALID;
    return self(ctx)->net_.recv(s, buf, cap, got);
}

void World::port_tcp_close(void* ctx, stbf_sock s) {
    if (self(ctx)->is_port_socket(s)) self(ctx)->net_.close(s);
}

stbf_port_status World::port_local_addr(void* ctx, stbf_sock s, stbf_addr* out) {
    if (!self(ctx)->is_port_socket(s)) return STBF_PORT_INVALID;
    return self(ctx)->net_.local_addr(s, out);
}

stbf_port_status World::port_watch(void* ctx, stbf_sock s, unsigned interest, uint32_t tag) {
    if (!self(ctx)->is_port_socket(s)) return STBF_PORT_INVALID;
    return self(ctx)->net_.watch(s, interest, tag);
}

size_t World::port_poll(void* ctx, stbf_time_us deadline, stbf_event* events, size_t cap) {
    return self(ctx)->poll(deadline, events, cap);
}

stbf_port_status World::port_resolve_start(void* ctx, const char* host, uint16_t port, uint32_t tag,
                                           uint32_t* request) {
    return self(ctx)->resolver_.start(host, port, tag, request);
}

stbf_port_status World::port_resolve_take(void* ctx, uint32_t request, stbf_addr* out, size_t cap,
                                          size_t* count) {
    return self(ctx)->resolver_.take(request, out, cap, count);
}

void World::port_resolve_cancel(void* ctx, uint32_t request) {
    self(ctx)->resolver_.cancel(request);
}

}  // namespace stbf::sim
