#include "stbf/runtime.h"

namespace stbf {
namespace {

constexpr size_t kMaxEvents = 32;
constexpr int kMaxAcceptsPerEvent = 8;  // one busy listener must not starve the others
constexpr int kMaxPumpRounds = 8;       // bounded work per event; level-triggered poll resumes
constexpr int kMaxGreetingReads = 8;
constexpr size_t kProbeReadChunk = 64;
// A listener whose accept fails (out of descriptors) would be reported ready on every poll:
// stop watching it this long instead of spinning.
constexpr TimeUs kAcceptPauseUs = 100 * 1000;

TimeUs min_time(TimeUs a, TimeUs b) { return a < b ? a : b; }
TimeUs add_saturating(TimeUs a, TimeUs b) { return a > kNever - b ? kNever : a + b; }

Reason reason_for(stbf_port_status st) {
    switch (st) {
        case STBF_PORT_REFUSED: return Reason::Refused;
        case STBF_PORT_UNREACHABLE: return Reason::Unreachable;
        case STBF_PORT_TIMEOUT: return Reason::ConnectTimeout;
        case STBF_PORT_CLOSED: return Reason::UpstreamClosed;
        case STBF_PORT_NOT_FOUND: return Reason::ResolveFailed;
        case STBF_PORT_NO_RESOURCES:
        case STBF_PORT_INVALID: return Reason::LocalError;
        default: return Reason::Reset;
    }
}

bool port_complete(const stbf_port& p) {
    return p.now && p.random && p.log && p.tcp_listen && p.tcp_accept && p.tcp_connect &&
           p.tcp_connect_result && p.tcp_send && p.tcp_recv && p.tcp_close && p.local_addr &&
           p.watch && p.poll && p.resolve_start && p.resolve_take && p.resolve_cancel;
}

// Small fixed-buffer text builder for log lines (no printf in the freestanding core).
class LineBuilder {
public:
    void text(const char* s) {
        if (s == nullptr) return;
        if (len_ > 0 && len_ < sizeof buf_) buf_[len_++] = ' ';
        while (*s != '\0' && len_ < sizeof buf_) buf_[len_++] = *s++;
    }
    void number(uint64_t v) {
        char digits[20];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        if (len_ > 0 && len_ < sizeof buf_) buf_[len_++] = ' ';
        while (n > 0 && len_ < sizeof buf_) buf_[len_++] = digits[--n];
    }
    const char* data() const { return buf_; }
    size_t size() const { return len_; }

private:
    char buf_[200];
    size_t len_ = 0;
};

}  // namespace

// ---- Pipe -----------------------------------------------------------------------------------

uint8_t* Runtime::Pipe::write_span(size_t* n) {
    const size_t tail = (head + len) % STBF_RELAY_BUFFER;
    const size_t contiguous = STBF_RELAY_BUFFER - tail;
    *n = room() < contiguous ? room() : contiguous;
    return data + tail;
}

const uint8_t* Runtime::Pipe::read_span(size_t* n) const {
    const size_t contiguous = STBF_RELAY_BUFFER - head;
    *n = len < contiguous ? len : contiguous;
    return data + head;
}

void Runtime::Pipe::consume(size_t n) {
    head = (head + n) % STBF_RELAY_BUFFER;
    len -= n;
    if (len == 0) head = 0;
}

bool Runtime::Pipe::push(const uint8_t* bytes, size_t n) {
    if (n > room()) return false;
    for (size_t i = 0; i < n; ++i) data[(head + len + i) % STBF_RELAY_BUFFER] = bytes[i];
    len += n;
    return true;
}

// ---- setup ----------------------------------------------------------------------------------

Runtime::Runtime(Engine& engine, const stbf_port* port) : engine_(engine), port_(port) {}

TimeUs Runtime::now() const { return port_->now(port_->ctx); }

void Runtime::log(stbf_log_level level, const char* a, const char* b, const char* c,
                  const char* d, uint64_t number) {
    LineBuilder line;
    line.text(a);
    line.text(b);
    line.text(c);
    line.text(d);
    if (number != ~0ull) line.number(number);
    port_->log(port_->ctx, level, line.data(), line.size());
}

Status Runtime::open_listeners(const Config& config, Listener* out, bool* adopted_old) {
    if (config.group_count > STBF_MAX_GROUPS) return Status::CapacityExceeded;
    Status failure = Status::Ok;
    GroupIndex g = 0;
    for (; g < config.group_count; ++g) {
        const GroupConfig& gc = config.groups[g];
        Listener& l = out[g];
        l = Listener();
        l.group = g;
        l.name = gc.name;
        const char* text = gc.listen_addr.empty() ? "127.0.0.1" : gc.listen_addr.c_str();
        if (!parse_numeric_host(text, gc.listen_port, &l.requested)) {
            log(STBF_LOG_ERROR, gc.name.c_str(), "listen_addr is not a numeric IP address:", text);
            failure = Status::InvalidArgument;
            break;
        }
        // An unchanged listen address keeps its socket, and with it the sessions it accepted.
        for (GroupIndex i = 0; i < STBF_MAX_GROUPS && adopted_old != nullptr; ++i) {
            const Listener& old = listeners_[i];
            if (!old.open || adopted_old[i] || !same_endpoint(old.requested, l.requested))
                continue;
            if (l.requested.port == 0 && old.name != l.name) continue;
            adopted_old[i] = true;
            l.sock = old.sock;
            l.bound = old.bound;
            l.paused_until = old.paused_until;
            l.failovers_logged = old.failovers_logged;
            l.open = true;
            l.adopted = true;
            break;
        }
        if (l.open) continue;
        const stbf_port_status st = port_->tcp_listen(port_->ctx, &l.requested, &l.sock);
        if (st != STBF_PORT_OK) {
            log(STBF_LOG_ERROR, "group", gc.name.c_str(), "cannot listen on port", nullptr,
                gc.listen_port);
            failure = st == STBF_PORT_ADDR_IN_USE ? Status::AddrInUse : Status::PortError;
            break;
        }
        l.open = true;
        if (port_->local_addr(port_->ctx, l.sock, &l.bound) != STBF_PORT_OK) l.bound = l.requested;
        port_->watch(port_->ctx, l.sock, STBF_READABLE);
    }
    if (failure == Status::Ok) return Status::Ok;
    for (GroupIndex i = 0; i <= g && i < config.group_count; ++i) {
        if (!out[i].adopted) close_listener(out[i]);
        out[i] = Listener();
    }
    if (adopted_old != nullptr)
        for (GroupIndex i = 0; i < STBF_MAX_GROUPS; ++i) adopted_old[i] = false;
    return failure;
}

void Runtime::close_listener(Listener& l) {
    if (l.open) port_->tcp_close(port_->ctx, l.sock);
    l = Listener();
}

Status Runtime::init(const Config& config, TimeUs now) {
    if (state_ == State::Running || port_ == nullptr) return Status::InvalidArgument;
    if (port_->api_version != STBF_PORT_API_VERSION) return Status::PortVersionMismatch;
    if (!port_complete(*port_)) return Status::InvalidArgument;
    default_transport_ = Transport{port_->ctx,       port_->tcp_connect, port_->tcp_connect_result,
                                   port_->tcp_send, port_->tcp_recv,    port_->tcp_close};
    endpoints_.attach(port_);
    for (Listener& l : listeners_) l = Listener();

    Listener fresh[STBF_MAX_GROUPS];
    Status st = open_listeners(config, fresh, nullptr);
    if (st != Status::Ok) return st;
    uint64_t seed = config.seed;
    if (seed == 0) {
        uint8_t bytes[8];
        port_->random(port_->ctx, bytes, sizeof bytes);
        for (uint8_t b : bytes) seed = seed << 8 | b;
    }
    st = engine_.init(config, seed, now);
    if (st != Status::Ok) {
        for (Listener& l : fresh) close_listener(l);
        return st;
    }
    for (GroupIndex g = 0; g < STBF_MAX_GROUPS; ++g) listeners_[g] = fresh[g];
    for (SessionIo& s : sessions_) reset_session(s);
    for (ProbeIo& p : probes_) p = ProbeIo();
    counters_ = RuntimeCounters();
    state_ = State::Running;
    for (GroupIndex g = 0; g < config.group_count; ++g)
        log(STBF_LOG_NOTICE, "group", config.groups[g].name.c_str(), "listening on port",
            nullptr, listeners_[g].bound.port);
    drain(now);
    return Status::Ok;
}

Status Runtime::reload(const Config& config) {
    if (state_ != State::Running) return Status::InvalidArgument;
    const TimeUs t = now();
    Listener next[STBF_MAX_GROUPS];
    bool adopted_old[STBF_MAX_GROUPS] = {};
    Status st = open_listeners(config, next, adopted_old);
    if (st != Status::Ok) return st;
    st = engine_.replace_config(config, t);
    if (st != Status::Ok) {
        for (Listener& l : next)
            if (!l.adopted) close_listener(l);
        return st;
    }
    // Sessions follow their group by name; those of a removed group drain under no group.
    GroupIndex renumber[STBF_MAX_GROUPS];
    for (GroupIndex old = 0; old < STBF_MAX_GROUPS; ++old) {
        renumber[old] = kNoGroup;
        for (GroupIndex g = 0; g < config.group_count; ++g)
            if (listeners_[old].open && config.groups[g].name == listeners_[old].name)
                renumber[old] = g;
    }
    for (SessionIo& s : sessions_)
        if (s.id != 0 && s.group < STBF_MAX_GROUPS) s.group = renumber[s.group];
    for (GroupIndex i = 0; i < STBF_MAX_GROUPS; ++i) {
        if (listeners_[i].open && !adopted_old[i]) {
            log(STBF_LOG_NOTICE, "group", listeners_[i].name.c_str(),
                "removed: listener closed, its sessions drain");
            close_listener(listeners_[i]);
        }
    }
    for (GroupIndex g = 0; g < STBF_MAX_GROUPS; ++g) {
        listeners_[g] = next[g];
        listeners_[g].adopted = false;
        if (g < config.group_count && !next[g].adopted)
            log(STBF_LOG_NOTICE, "group", config.groups[g].name.c_str(), "listening on port",
                nullptr, next[g].bound.port);
    }
    for (unsigned slot = 0; slot < STBF_MAX_SERVERS; ++slot)
        if (!engine_.server_in_use(static_cast<ServerSlot>(slot)))
            endpoints_.forget(static_cast<ServerSlot>(slot));
    drain(t);
    return Status::Ok;
}

void Runtime::shutdown() {
    if (state_ != State::Running) return;
    const TimeUs t = now();
    for (Listener& l : listeners_) close_listener(l);
    for (SessionIo& s : sessions_)
        if (s.id != 0) end_session(s, Reason::Drained, true, t);
    for (ProbeIo& p : probes_) {
        close_upstream(p.up);
        p.id = 0;
    }
    endpoints_.clear();
    Action dropped;
    while (engine_.pop_action(&dropped)) {
    }
    state_ = State::Stopped;
}

void Runtime::set_transport_selector(TransportSelector selector, void* user) {
    selector_ = selector;
    selector_user_ = user;
}

void Runtime::set_foreign_handler(ForeignEventHandler handler, void* user) {
    foreign_ = handler;
    foreign_user_ = user;
}

// ---- loop -----------------------------------------------------------------------------------

Status Runtime::step(TimeUs max_wait_us) {
    if (state_ == State::Idle) return Status::InvalidArgument;
    TimeUs t = now();
    TimeUs deadline = add_saturating(t, max_wait_us);
    if (state_ == State::Running) {
        run_timers(t);
        deadline = min_time(deadline, min_time(engine_.next_deadline(),
                                               endpoints_.next_deadline()));
        deadline = min_time(deadline, listeners_deadline());
    }
    stbf_event events[kMaxEvents];
    const size_t n = port_->poll(port_->ctx, deadline, events, kMaxEvents);
    for (size_t i = 0; i < n && i < kMaxEvents; ++i) dispatch(events[i], now());
    if (state_ == State::Running) run_timers(now());
    return Status::Ok;
}

TimeUs Runtime::listeners_deadline() const {
    TimeUs next = kNever;
    for (const Listener& l : listeners_)
        if (l.open) next = min_time(next, l.paused_until);
    return next;
}

void Runtime::run_timers(TimeUs t) {
    for (Listener& l : listeners_) {
        if (l.open && l.paused_until <= t) {
            l.paused_until = kNever;
            port_->watch(port_->ctx, l.sock, STBF_READABLE);
        }
    }
    if (engine_.next_deadline() <= t) engine_.on_timeout(t);
    if (endpoints_.next_deadline() <= t) endpoints_.on_timeout(t);
    drain(t);
}

void Runtime::drain(TimeUs t) {
    if (draining_) return;  // execute() feeds the engine; the outer loop picks up new actions
    draining_ = true;
    Action a;
    while (engine_.pop_action(&a))
        if (state_ == State::Running) execute(a, t);
    draining_ = false;
}

void Runtime::execute(const Action& a, TimeUs t) {
    switch (a.kind) {
        case ActionKind::Connect: start_attempt(a, t); break;
        case ActionKind::AbortAttempt: {
            SessionIo* s = find_session(a.session);
            AttemptIo* at = s != nullptr ? find_attempt(*s, a.attempt) : nullptr;
            if (at == nullptr) break;
            // A timed-out attempt rotates the endpoint; a race loser did nothing wrong.
            if (a.reason != Reason::None && at->up.resolved)
                endpoints_.report_failure(at->up.server, at->up.endpoint, t);
            close_upstream(at->up);
            at->id = 0;
            break;
        }
        case ActionKind::Relay: start_relay(a, t); break;
        case ActionKind::CloseSession: {
            SessionIo* s = find_session(a.session);
            if (s == nullptr) break;
            if (a.reason != Reason::ClientClosed) {
                const ServerConfig* cfg = engine_.server_config(a.server);
                log(STBF_LOG_INFO, "session closed:", reason_name(a.reason),
                    cfg != nullptr ? cfg->label.c_str() : nullptr);
            }
            end_session(*s, a.reason, false, t);
            break;
        }
        case ActionKind::Probe: start_probe(a, t); break;
        case ActionKind::CancelProbe: {
            if (a.server >= STBF_MAX_SERVERS) break;
            ProbeIo& p = probes_[a.server];
            if (p.id != a.probe) break;
            if (a.reason != Reason::Drained && p.up.resolved)
                endpoints_.report_failure(p.up.server, p.up.endpoint, t);
            close_upstream(p.up);
            p.id = 0;
            break;
        }
    }
}

void Runtime::dispatch(const stbf_event& ev, TimeUs t) {
    if (ev.kind == STBF_EVENT_RESOLVED) {
        if (state_ == State::Running) on_resolved(ev.request, t);
        drain(t);
        return;
    }
    if (ev.kind != STBF_EVENT_SOCKET) return;
    if (state_ == State::Running) {
        for (Listener& l : listeners_) {
            if (l.open && l.sock == ev.sock) {
                on_accept(l, t);
                drain(t);
                return;
            }
        }
        for (SessionIo& s : sessions_) {
            if (s.id == 0) continue;
            if (s.client == ev.sock || (s.live && s.upstream == ev.sock)) {
                pump(s, t);
                drain(t);
                return;
            }
            for (AttemptIo& at : s.attempts) {
                if (at.id != 0 && at.up.phase != Phase::Free && at.up.sock == ev.sock) {
                    Reason why = Reason::None;
                    const Step step = advance(at.up, &why);
                    drive_attempt(s, at, step, why, t);
                    drain(t);
                    return;
                }
            }
        }
        for (ProbeIo& p : probes_) {
            if (p.id != 0 && p.up.phase != Phase::Free && p.up.sock == ev.sock) {
                Reason why = Reason::None;
                const Step step = advance(p.up, &why);
                drive_probe(p, step, why, t);
                drain(t);
                return;
            }
        }
    }
    if (foreign_ != nullptr) {
        counters_.foreign_events++;
        foreign_(foreign_user_, ev.sock, ev.ready);
    }
}

void Runtime::on_accept(Listener& l, TimeUs t) {
    for (int k = 0; k < kMaxAcceptsPerEvent; ++k) {
        stbf_sock client = STBF_SOCK_INVALID;
        const stbf_port_status accepted = port_->tcp_accept(port_->ctx, l.sock, &client, nullptr);
        if (accepted == STBF_PORT_WOULD_BLOCK) return;
        if (accepted != STBF_PORT_OK) {
            log(STBF_LOG_WARNING, "group", l.name.c_str(), "cannot accept a client:",
                accepted == STBF_PORT_NO_RESOURCES ? "out of resources" : "port error");
            port_->watch(port_->ctx, l.sock, 0);
            l.paused_until = t + kAcceptPauseUs;
            return;
        }
        SessionIo* s = nullptr;
        for (SessionIo& candidate : sessions_) {
            if (candidate.id == 0) {
                s = &candidate;
                break;
            }
        }
        SessionId id = 0;
        const Status st = s != nullptr ? engine_.session_open(l.group, t, &id)
                                       : Status::CapacityExceeded;
        if (st != Status::Ok) {
            // Accept only what can be served: the client sees a close and tries again later.
            port_->tcp_close(port_->ctx, client);
            counters_.refused++;
            log(STBF_LOG_WARNING, "group", l.name.c_str(), "refused a client:", status_name(st));
            continue;
        }
        reset_session(*s);
        s->id = id;
        s->group = l.group;
        s->client = client;
        counters_.accepted++;
        update_interest(*s);
        drain(t);  // the Connect for this session runs now, before the next accept
    }
}

void Runtime::on_resolved(uint32_t request, TimeUs t) {
    bool usable = false;
    const ServerSlot slot = endpoints_.on_resolved(request, t, &usable);
    if (slot == kNoServer) return;
    counters_.resolutions++;
    for (SessionIo& s : sessions_) {
        if (s.id == 0) continue;
        for (AttemptIo& at : s.attempts) {
            if (at.id == 0 || at.up.phase != Phase::Resolving || at.up.server != slot) continue;
            Reason why = Reason::ResolveFailed;
            const Step step = usable ? open_upstream(at.up, t, &why) : Step::Failed;
            drive_attempt(s, at, step, why, t);
        }
    }
    if (slot < STBF_MAX_SERVERS) {
        ProbeIo& p = probes_[slot];
        if (p.id != 0 && p.up.phase == Phase::Resolving) {
            Reason why = Reason::ResolveFailed;
            const Step step = usable ? open_upstream(p.up, t, &why) : Step::Failed;
            drive_probe(p, step, why, t);
        }
    }
}

// ---- upstream connections --------------------------------------------------------------------

void Runtime::prepare_upstream(Upstream& u, ServerSlot server) {
    u = Upstream();
    u.server = server;
    u.transport = &default_transport_;
    if (selector_ != nullptr) {
        const ServerConfig* cfg = engine_.server_config(server);
        const Transport* chosen = cfg != nullptr ? selector_(selector_user_, *cfg) : nullptr;
        if (chosen != nullptr) u.transport = chosen;
    }
}

Runtime::Step Runtime::open_upstream(Upstream& u, TimeUs t, Reason* why) {
    const ServerConfig* cfg = engine_.server_config(u.server);
    if (cfg == nullptr) {
        *why = Reason::LocalError;
        return Step::Failed;
    }
    stbf_addr addr = {};
    switch (endpoints_.lookup(u.server, *cfg, t, &addr, &u.endpoint)) {
        case EndpointCache::Lookup::Pending: u.phase = Phase::Resolving; return Step::Waiting;
        case EndpointCache::Lookup::Failed: *why = Reason::ResolveFailed; return Step::Failed;
        case EndpointCache::Lookup::Ready: break;
    }
    u.resolved = true;
    u.endpoints_tried++;
    u.phase = Phase::Connecting;  // also on an immediate failure: retry_next_endpoint looks
    const stbf_port_status st = u.transport->connect(u.transport->ctx, &addr, &u.sock);
    if (st == STBF_PORT_IN_PROGRESS) {
        u.phase = Phase::Connecting;
        set_interest(u.sock, &u.interest, STBF_WRITABLE);
        return Step::Waiting;
    }
    if (st != STBF_PORT_OK) {
        u.sock = STBF_SOCK_INVALID;  // a connect that failed at once returns no socket
        *why = reason_for(st);
        return Step::Failed;
    }
    u.phase = u.sent < u.send_len ? Phase::Sending : Phase::Greeting;
    return Step::Connected;
}

Runtime::Step Runtime::advance(Upstream& u, Reason* why) {
    const Transport& tr = *u.transport;
    if (u.phase == Phase::Connecting) {
        const stbf_port_status st = tr.connect_result(tr.ctx, u.sock);
        if (st == STBF_PORT_IN_PROGRESS) return Step::Waiting;
        if (st != STBF_PORT_OK) {
            *why = reason_for(st);
            return Step::Failed;
        }
        u.phase = u.sent < u.send_len ? Phase::Sending : Phase::Greeting;
        return Step::Connected;
    }
    if (u.phase == Phase::Sending) {
        while (u.sent < u.send_len) {
            size_t n = 0;
            const stbf_port_status st =
                tr.send(tr.ctx, u.sock, u.send + u.sent, u.send_len - u.sent, &n);
            if (st == STBF_PORT_WOULD_BLOCK) {
                set_interest(u.sock, &u.interest, STBF_WRITABLE);
                return Step::Waiting;
            }
            if (st != STBF_PORT_OK) {
                *why = reason_for(st);
                return Step::Failed;
            }
            u.sent = static_cast<uint8_t>(u.sent + n);
        }
        u.phase = Phase::Greeting;
    }
    if (u.phase != Phase::Greeting) return Step::Waiting;
    for (int i = 0; i < kMaxGreetingReads; ++i) {
        if (u.check.verdict() == GreetingVerdict::Ok) return Step::Ready;
        uint8_t chunk[kProbeReadChunk];
        const size_t want = u.check.wanted() < sizeof chunk ? u.check.wanted() : sizeof chunk;
        size_t got = 0;
        const stbf_port_status st = tr.recv(tr.ctx, u.sock, chunk, want, &got);
        if (st == STBF_PORT_WOULD_BLOCK) break;
        if (st != STBF_PORT_OK) {
            *why = reason_for(st);
            return Step::Failed;
        }
        if (u.keep) {
            for (size_t k = 0; k < got && u.kept_len < sizeof u.kept; ++k)
                u.kept[u.kept_len++] = chunk[k];
        }
        if (u.check.feed(chunk, got, nullptr) == GreetingVerdict::Bad) {
            *why = Reason::GreetingBad;
            return Step::Failed;
        }
    }
    if (u.check.verdict() == GreetingVerdict::Ok) return Step::Ready;
    set_interest(u.sock, &u.interest, STBF_READABLE);
    return Step::Waiting;
}

bool Runtime::retry_next_endpoint(Upstream& u, TimeUs t, Step* step, Reason* why) {
    // A server with several addresses is one server to the engine: a connect that fails on one
    // address goes on to the next within the same attempt (the engine's timeout still bounds
    // it). Greeting failures are the server's, not the address's, and are not retried here.
    if (u.phase != Phase::Connecting || !u.resolved) return false;
    endpoints_.report_failure(u.server, u.endpoint, t);
    u.resolved = false;  // reported
    if (u.endpoints_tried >= endpoints_.endpoint_count(u.server)) return false;
    if (u.sock != STBF_SOCK_INVALID) u.transport->close(u.transport->ctx, u.sock);
    u.sock = STBF_SOCK_INVALID;
    u.interest = 0;
    *step = open_upstream(u, t, why);
    return true;
}

void Runtime::close_upstream(Upstream& u) {
    if (u.sock != STBF_SOCK_INVALID && u.transport != nullptr)
        u.transport->close(u.transport->ctx, u.sock);
    u.sock = STBF_SOCK_INVALID;
    u.phase = Phase::Free;
    u.interest = 0;
}

void Runtime::set_interest(stbf_sock sock, unsigned* current, unsigned wanted) {
    if (sock == STBF_SOCK_INVALID || *current == wanted) return;
    port_->watch(port_->ctx, sock, wanted);
    *current = wanted;
}

// ---- sessions -------------------------------------------------------------------------------

Runtime::SessionIo* Runtime::find_session(SessionId id) {
    if (id == 0) return nullptr;
    for (SessionIo& s : sessions_)
        if (s.id == id) return &s;
    return nullptr;
}

Runtime::AttemptIo* Runtime::find_attempt(SessionIo& s, AttemptId id) {
    if (id == 0) return nullptr;
    for (AttemptIo& at : s.attempts)
        if (at.id == id) return &at;
    return nullptr;
}

void Runtime::reset_session(SessionIo& s) {
    // Field by field: the relay buffers need no clearing, only their indexes.
    s.id = 0;
    s.group = kNoGroup;
    s.client = STBF_SOCK_INVALID;
    s.client_interest = 0;
    s.live = false;
    s.upstream = STBF_SOCK_INVALID;
    s.transport = nullptr;
    s.upstream_interest = 0;
    s.server = kNoServer;
    for (AttemptIo& at : s.attempts) at = AttemptIo();
    s.up.clear();
    s.down.clear();
}

void Runtime::start_attempt(const Action& a, TimeUs t) {
    SessionIo* s = find_session(a.session);
    AttemptIo* at = nullptr;
    if (s != nullptr)
        for (AttemptIo& candidate : s->attempts)
            if (candidate.id == 0 && at == nullptr) at = &candidate;
    const ServerConfig* cfg = engine_.server_config(a.server);
    if (at == nullptr || cfg == nullptr) {
        engine_.attempt_failed(a.session, a.attempt, Reason::LocalError, t);
        return;
    }
    at->id = a.attempt;
    prepare_upstream(at->up, a.server);
    at->up.check.reset(greeting_rule_for_protocol(cfg->protocol));
    at->up.keep = true;
    counters_.connects++;
    Reason why = Reason::None;
    const Step step = open_upstream(at->up, t, &why);
    drive_attempt(*s, *at, step, why, t);
}

void Runtime::drive_attempt(SessionIo& s, AttemptIo& at, Step step, Reason why, TimeUs t) {
    // Connected is followed by the greeting, and a failed address by the next one; all may
    // complete within one call. Each pass moves the connection forward, so this ends.
    for (;;) {
        if (step == Step::Failed && retry_next_endpoint(at.up, t, &step, &why)) continue;
        switch (step) {
            case Step::Waiting: return;
            case Step::Failed: fail_attempt(s, at, why, t); return;
            case Step::Ready: engine_.attempt_ready(s.id, at.id, t); return;
            case Step::Connected: engine_.attempt_connected(s.id, at.id, t); break;
        }
        step = advance(at.up, &why);
    }
}

void Runtime::fail_attempt(SessionIo& s, AttemptIo& at, Reason why, TimeUs t) {
    if (at.up.resolved) endpoints_.report_failure(at.up.server, at.up.endpoint, t);
    close_upstream(at.up);
    const AttemptId id = at.id;
    at.id = 0;
    engine_.attempt_failed(s.id, id, why, t);
}

void Runtime::start_relay(const Action& a, TimeUs t) {
    SessionIo* s = find_session(a.session);
    if (s == nullptr) return;
    AttemptIo* at = find_attempt(*s, a.attempt);
    if (at == nullptr || at->up.sock == STBF_SOCK_INVALID) {
        end_session(*s, Reason::LocalError, true, t);
        return;
    }
    // The attempt's socket becomes the session's upstream; the greeting goes to the client
    // first, exactly as the server sent it.
    s->live = true;
    s->upstream = at->up.sock;
    s->transport = at->up.transport;
    s->upstream_interest = at->up.interest;
    s->server = at->up.server;
    s->down.push(at->up.kept, at->up.kept_len);
    *at = AttemptIo();
    log_failover(s->group);
    if (s->up.len > 0) engine_.bytes_up(s->id, t);  // the client spoke while we connected
    pump(*s, t);
}

void Runtime::log_failover(GroupIndex group) {
    // One line per failover, so a box owner reading the log sees when and why the line moved.
    if (group >= engine_.group_count()) return;
    Listener* l = nullptr;
    for (Listener& candidate : listeners_)
        if (candidate.open && candidate.group == group) l = &candidate;
    const GroupStatus gs = engine_.group_status(group);
    if (l == nullptr || gs.failovers == l->failovers_logged) return;
    l->failovers_logged = gs.failovers;
    const ServerConfig* from = engine_.server_config(gs.last_failover.from);
    const ServerConfig* to = engine_.server_config(gs.last_failover.to);
    LineBuilder line;
    line.text("group");
    line.text(l->name.c_str());
    line.text("failover from");
    line.text(from != nullptr ? from->label.c_str() : "?");
    line.text("to");
    line.text(to != nullptr ? to->label.c_str() : "?");
    line.text("after");
    line.text(reason_name(gs.last_failover.reason));
    port_->log(port_->ctx, STBF_LOG_NOTICE, line.data(), line.size());
}

void Runtime::pump(SessionIo& s, TimeUs t) {
    const Transport& tr = *(s.transport != nullptr ? s.transport : &default_transport_);
    for (int round = 0; round < kMaxPumpRounds; ++round) {
        bool progress = false;
        size_t n = 0;
        stbf_port_status st = STBF_PORT_WOULD_BLOCK;
        // client -> up buffer
        if (s.up.room() > 0) {
            uint8_t* span = s.up.write_span(&n);
            st = port_->tcp_recv(port_->ctx, s.client, span, n, &n);
            if (st == STBF_PORT_OK) {
                s.up.commit(n);
                counters_.bytes_up += n;
                progress = true;
                if (s.live) engine_.bytes_up(s.id, t);
            } else if (st != STBF_PORT_WOULD_BLOCK) {
                // Pass on what the client said before it went away.
                if (s.live) flush_best_effort(s.up, tr, s.upstream);
                end_session(s, Reason::ClientClosed, true, t);
                return;
            }
        }
        if (s.live) {
            // up buffer -> upstream
            if (s.up.len > 0) {
                const uint8_t* data = s.up.read_span(&n);
                st = tr.send(tr.ctx, s.upstream, data, n, &n);
                if (st == STBF_PORT_OK) {
                    s.up.consume(n);
                    progress = true;
                } else if (st != STBF_PORT_WOULD_BLOCK) {
                    end_session(s, reason_for(st), true, t);
                    return;
                }
            }
            // upstream -> down buffer
            if (s.down.room() > 0) {
                uint8_t* span = s.down.write_span(&n);
                st = tr.recv(tr.ctx, s.upstream, span, n, &n);
                if (st == STBF_PORT_OK) {
                    s.down.commit(n);
                    counters_.bytes_down += n;
                    progress = true;
                    engine_.bytes_down(s.id, t);
                } else if (st != STBF_PORT_WOULD_BLOCK) {
                    // Hand the client what the upstream said before it went away.
                    flush_best_effort(s.down, default_transport_, s.client);
                    end_session(s, reason_for(st), true, t);
                    return;
                }
            }
        }
        // down buffer -> client
        if (s.down.len > 0) {
            const uint8_t* data = s.down.read_span(&n);
            st = port_->tcp_send(port_->ctx, s.client, data, n, &n);
            if (st == STBF_PORT_OK) {
                s.down.consume(n);
                progress = true;
            } else if (st != STBF_PORT_WOULD_BLOCK) {
                end_session(s, Reason::ClientClosed, true, t);
                return;
            }
        }
        if (!progress) break;
    }
    update_interest(s);
}

void Runtime::flush_best_effort(Pipe& p, const Transport& to, stbf_sock sock) {
    // One non-blocking pass: the session is ending, nothing waits for a slow peer.
    while (p.len > 0) {
        size_t n = 0;
        const uint8_t* data = p.read_span(&n);
        if (to.send(to.ctx, sock, data, n, &n) != STBF_PORT_OK) break;
        p.consume(n);
    }
}

void Runtime::update_interest(SessionIo& s) {
    // Back-pressure: a side is read only while the buffer towards its peer has room.
    set_interest(s.client, &s.client_interest,
                 (s.up.room() > 0 ? STBF_READABLE : 0u) | (s.down.len > 0 ? STBF_WRITABLE : 0u));
    if (s.live)
        set_interest(s.upstream, &s.upstream_interest,
                     (s.down.room() > 0 ? STBF_READABLE : 0u) |
                         (s.up.len > 0 ? STBF_WRITABLE : 0u));
}

void Runtime::end_session(SessionIo& s, Reason why, bool report, TimeUs t) {
    if (report) engine_.session_closed(s.id, why, t);
    port_->tcp_close(port_->ctx, s.client);
    if (s.live && s.transport != nullptr) s.transport->close(s.transport->ctx, s.upstream);
    for (AttemptIo& at : s.attempts) close_upstream(at.up);
    reset_session(s);
}

// ---- probes ---------------------------------------------------------------------------------

void Runtime::start_probe(const Action& a, TimeUs t) {
    const ServerConfig* cfg = engine_.server_config(a.server);
    if (a.server >= STBF_MAX_SERVERS || cfg == nullptr) {
        engine_.probe_result(a.server, a.probe, false, Reason::LocalError, t);
        return;
    }
    ProbeIo& p = probes_[a.server];
    close_upstream(p.up);
    p.id = a.probe;
    prepare_upstream(p.up, a.server);
    p.up.check.reset(greeting_rule_for_probe(*cfg));
    if (cfg->probe == ProbeKind::Expect) {
        const uint8_t n = cfg->expect_send_len <= STBF_EXPECT_MAX
                              ? cfg->expect_send_len
                              : static_cast<uint8_t>(STBF_EXPECT_MAX);
        for (uint8_t i = 0; i < n; ++i) p.up.send[i] = cfg->expect_send[i];
        p.up.send_len = n;
    }
    counters_.probes++;
    Reason why = Reason::None;
    const Step step = open_upstream(p.up, t, &why);
    drive_probe(p, step, why, t);
}

void Runtime::drive_probe(ProbeIo& p, Step step, Reason why, TimeUs t) {
    for (;;) {  // as drive_attempt
        if (step == Step::Failed && retry_next_endpoint(p.up, t, &step, &why)) continue;
        switch (step) {
            case Step::Waiting: return;
            case Step::Failed: finish_probe(p, false, why, t); return;
            case Step::Ready: finish_probe(p, true, Reason::None, t); return;
            case Step::Connected: engine_.probe_connected(p.up.server, p.id, t); break;
        }
        step = advance(p.up, &why);
    }
}

void Runtime::finish_probe(ProbeIo& p, bool ok, Reason why, TimeUs t) {
    if (!ok && p.up.resolved) endpoints_.report_failure(p.up.server, p.up.endpoint, t);
    const ServerSlot server = p.up.server;
    const ProbeId id = p.id;
    close_upstream(p.up);  // close right after the verdict: a check must stay short
    p.id = 0;
    engine_.probe_result(server, id, ok, why, t);
}

// ---- status ---------------------------------------------------------------------------------

bool Runtime::listener_address(GroupIndex group, stbf_addr* out) const {
    for (const Listener& l : listeners_) {
        if (l.open && l.group == group) {
            *out = l.bound;
            return true;
        }
    }
    return false;
}

uint16_t Runtime::listener_count() const {
    uint16_t n = 0;
    for (const Listener& l : listeners_)
        if (l.open) ++n;
    return n;
}

uint16_t Runtime::open_sessions(GroupIndex group) const {
    uint16_t n = 0;
    for (const SessionIo& s : sessions_)
        if (s.id != 0 && s.group == group) ++n;
    return n;
}

uint16_t Runtime::open_sessions() const {
    uint16_t n = 0;
    for (const SessionIo& s : sessions_)
        if (s.id != 0) ++n;
    return n;
}

uint8_t Runtime::probes_in_flight() const {
    uint8_t n = 0;
    for (const ProbeIo& p : probes_)
        if (p.id != 0) ++n;
    return n;
}

}  // namespace stbf
