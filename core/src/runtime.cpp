#include "stbf/runtime.h"

namespace stbf {
namespace {

constexpr size_t kMaxEvents = 64;       // the POSIX port reports up to 64 per epoll_wait
constexpr int kMaxAcceptsPerEvent = 8;  // one busy listener must not starve the others
constexpr int kMaxPumpRounds = 8;       // bounded work per event; level-triggered poll resumes
// What the port may hold per spliced direction (a Linux pipe holds 64 KiB by default).
constexpr size_t kSpliceMax = 64 * 1024;
// After a client's half-close the upstream has this long to finish its answer and close.
constexpr TimeUs kHalfCloseLingerUs = 2 * 1000 * 1000;
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

Status Runtime::open_listeners(const Config& config, Listener* out, bool adopt_old) {
    if (config.group_count > capacity_.groups) return Status::CapacityExceeded;
    const size_t slots = listener_slots(capacity_);
    for (size_t i = 0; i < slots; ++i) out[i] = Listener();
    Status failure = Status::Ok;
    for (uint16_t g = 0; g < config.group_count && failure == Status::Ok; ++g) {
        const GroupConfig& gc = config.groups[g];
        const char* text = gc.listen_addr.empty() ? "127.0.0.1" : gc.listen_addr.c_str();
        // Slot 0 is the group's listen port (0 = pick one); slot k >= 1 is served when
        // assign_listen_ports gave it a port, which it does for exactly the effective slots.
        for (uint8_t k = 0; k < STBF_MAX_SLOTS && failure == Status::Ok; ++k) {
            const uint16_t port = k == 0 ? gc.listen_port : gc.slot_ports[k];
            if (k > 0 && port == 0) continue;
            const uint16_t index = static_cast<uint16_t>(g * STBF_MAX_SLOTS + k);
            Listener& l = out[index];
            l.group = g;
            l.slot = k;
            l.name = gc.name;
            if (!parse_numeric_host(text, port, &l.requested)) {
                log(STBF_LOG_ERROR, gc.name.c_str(),
                    "listen_addr is not a numeric IP address:", text);
                failure = Status::InvalidArgument;
                break;
            }
            // An unchanged listen address keeps its socket, and with it the sessions it
            // accepted.
            for (size_t i = 0; i < slots && adopt_old; ++i) {
                Listener& old = t_.listeners[i];
                if (!old.open || old.taken || !same_endpoint(old.requested, l.requested)) continue;
                if (l.requested.port == 0 && (old.name != l.name || old.slot != k)) continue;
                old.taken = true;
                l.sock = old.sock;
                l.bound = old.bound;
                l.paused_until = old.paused_until;
                l.open = true;
                l.adopted = true;
                break;
            }
            if (l.open) continue;
            const stbf_port_status st = port_->tcp_listen(port_->ctx, &l.requested, &l.sock);
            if (st != STBF_PORT_OK) {
                log(STBF_LOG_ERROR, "group", gc.name.c_str(),
                    k == 0 ? "cannot listen on port" : "cannot listen on slot port", nullptr, port);
                failure = st == STBF_PORT_ADDR_IN_USE ? Status::AddrInUse : Status::PortError;
                break;
            }
            l.open = true;
            if (port_->local_addr(port_->ctx, l.sock, &l.bound) != STBF_PORT_OK)
                l.bound = l.requested;
            port_->watch(port_->ctx, l.sock, STBF_READABLE, make_tag(TagKind::Listener, index));
        }
    }
    if (failure == Status::Ok) return Status::Ok;
    for (size_t i = 0; i < slots; ++i) {
        if (!out[i].adopted) close_listener(out[i]);
        out[i] = Listener();
    }
    if (adopt_old)
        for (Listener& old : listeners()) old.taken = false;
    return failure;
}

void Runtime::swap_listener_tables() {
    // The new set becomes the current one; the old set's entries are stale from now on (their
    // sockets are closed or adopted) and open_listeners clears them before the next use.
    Listener* old = t_.listeners;
    t_.listeners = t_.next_listeners;
    t_.next_listeners = old;
}

void Runtime::close_listener(Listener& l) {
    if (l.open) port_->tcp_close(port_->ctx, l.sock);
    l = Listener();
}

Status Runtime::attach(void* memory, size_t bytes) {
    const Capacity& c = engine_.capacity();
    const size_t need = size_for(c);
    if (t_.sessions != nullptr || need == 0 || !table_memory_ok(memory) || bytes < need)
        return Status::InvalidArgument;
    TablePlacer placer(static_cast<unsigned char*>(memory));
    t_ = lay_out(placer, c);
    capacity_ = c;
    map_mask_ = map_size(c) - 1;
    return Status::Ok;
}

const size_t Runtime::kBytesPerSession =
    sizeof(SessionIo) + 2 * sizeof(MapEntry) + sizeof(uint16_t);
const size_t Runtime::kBytesPerServer =
    sizeof(ProbeIo) + sizeof(uint32_t) + sizeof(EndpointCache::Entry);
const size_t Runtime::kBytesPerGroup = 2 * STBF_MAX_SLOTS * sizeof(Listener) + sizeof(uint16_t);

Status Runtime::init(const Config& config, TimeUs now) {
    if (state_ == State::Running || port_ == nullptr || t_.sessions == nullptr)
        return Status::InvalidArgument;
    if (port_->api_version != STBF_PORT_API_VERSION) return Status::PortVersionMismatch;
    if (!port_complete(*port_)) return Status::InvalidArgument;
    default_transport_ = Transport{port_->ctx,       port_->tcp_connect, port_->tcp_connect_result,
                                   port_->tcp_send, port_->tcp_recv,    port_->tcp_close};
    endpoints_.attach(port_, make_tag(TagKind::Resolve, 0), t_.endpoints, capacity_.servers);
    for (Listener& l : listeners()) l = Listener();

    Listener* fresh = t_.next_listeners;
    const size_t slots = listener_slots(capacity_);
    Status st = open_listeners(config, fresh, false);
    if (st != Status::Ok) return st;
    uint64_t seed = config.seed;
    if (seed == 0) {
        uint8_t bytes[8];
        port_->random(port_->ctx, bytes, sizeof bytes);
        for (uint8_t b : bytes) seed = seed << 8 | b;
    }
    st = engine_.init(config, seed, now);
    if (st != Status::Ok) {
        for (size_t i = 0; i < slots; ++i) close_listener(fresh[i]);
        return st;
    }
    swap_listener_tables();
    for (SessionIo& s : sessions()) reset_session(s);
    for (size_t i = 0; i <= map_mask_; ++i) t_.session_map[i] = MapEntry();
    free_count_ = 0;
    for (uint16_t i = capacity_.sessions; i > 0; --i) t_.free_sessions[free_count_++] = i - 1;
    for (uint16_t g = 0; g < capacity_.groups; ++g) t_.group_sessions[g] = 0;
    session_count_ = 0;
    for (ProbeIo& p : probes()) p = ProbeIo();
    probe_count_ = 0;
    for (uint16_t v = 0; v < capacity_.servers; ++v) t_.wait_head[v] = 0;
    paused_listeners_ = 0;
    lingering_ = 0;
    linger_deadline_ = kNever;
    counters_ = RuntimeCounters();
    state_ = State::Running;
    for (const Listener& l : listeners())
        if (l.open) log_listening(l);
    drain(now);
    return Status::Ok;
}

Status Runtime::reload(const Config& config) {
    if (state_ != State::Running) return Status::InvalidArgument;
    const TimeUs t = now();
    Listener* next = t_.next_listeners;
    const size_t slots = listener_slots(capacity_);
    Status st = open_listeners(config, next, true);
    if (st != Status::Ok) return st;
    st = engine_.replace_config(config, t);
    if (st != Status::Ok) {
        for (size_t i = 0; i < slots; ++i)
            if (!next[i].adopted) close_listener(next[i]);
        for (Listener& old : listeners()) old.taken = false;
        return st;
    }
    // Sessions follow their group by name (the name of its slot-0 listener); those of a removed
    // group drain under no group.
    GroupIndex renumber[STBF_MAX_GROUPS];
    for (GroupIndex old = 0; old < capacity_.groups; ++old) {
        renumber[old] = kNoGroup;
        const Listener& first = t_.listeners[old * STBF_MAX_SLOTS];
        for (uint16_t g = 0; g < config.group_count; ++g)
            if (first.open && config.groups[g].name == first.name) renumber[old] = g;
    }
    for (uint16_t g = 0; g < capacity_.groups; ++g) t_.group_sessions[g] = 0;
    for (SessionIo& s : sessions()) {  // a reload is rare: one pass over the table is fine
        if (s.id == 0) continue;
        if (s.group < capacity_.groups) s.group = renumber[s.group];
        if (s.group < capacity_.groups) t_.group_sessions[s.group]++;
    }
    for (Listener& old : listeners()) {
        if (old.open && !old.taken) {
            log(STBF_LOG_NOTICE, "group", old.name.c_str(),
                old.slot == 0 ? "removed: listener closed, its sessions drain"
                              : "slot removed: listener closed, its sessions drain");
            close_listener(old);
        }
    }
    swap_listener_tables();
    paused_listeners_ = 0;
    for (size_t i = 0; i < slots; ++i) {
        Listener& l = t_.listeners[i];
        // An adopted listener may have moved in the table: its events must name its new place.
        if (l.adopted && l.paused_until == kNever)
            port_->watch(port_->ctx, l.sock, STBF_READABLE,
                         make_tag(TagKind::Listener, static_cast<uint32_t>(i)));
        if (l.open && l.paused_until != kNever) paused_listeners_++;
        if (l.open && !l.adopted) log_listening(l);
        l.adopted = false;
    }
    for (unsigned slot = 0; slot < capacity_.servers; ++slot)
        if (!engine_.server_in_use(static_cast<ServerSlot>(slot)))
            endpoints_.forget(static_cast<ServerSlot>(slot));
    drain(t);
    return Status::Ok;
}

void Runtime::log_listening(const Listener& l) {
    LineBuilder line;
    line.text("group");
    line.text(l.name.c_str());
    if (l.slot > 0) {
        line.text("slot");
        line.number(l.slot + 1u);  // box owners count slots from 1
    }
    line.text("listening on port");
    line.number(l.bound.port);
    port_->log(port_->ctx, STBF_LOG_NOTICE, line.data(), line.size());
}

void Runtime::shutdown() {
    if (state_ != State::Running) return;
    const TimeUs t = now();
    for (Listener& l : listeners()) close_listener(l);
    for (SessionIo& s : sessions())
        if (s.id != 0) end_session(s, Reason::Drained, true, t);
    for (ProbeIo& p : probes()) {
        close_upstream(p.up);
        p.id = 0;
    }
    probe_count_ = 0;
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
        deadline = min_time(deadline, min_time(listeners_deadline(), linger_deadline_));
    }
    stbf_event events[kMaxEvents];
    const size_t n = port_->poll(port_->ctx, deadline, events, kMaxEvents);
    for (size_t i = 0; i < n && i < kMaxEvents; ++i) dispatch(events[i], now());
    if (state_ == State::Running) run_timers(now());
    return Status::Ok;
}

TimeUs Runtime::listeners_deadline() const {
    TimeUs next = kNever;
    if (paused_listeners_ == 0) return next;  // the usual case: no scan per loop iteration
    for (const Listener& l : listeners())
        if (l.open) next = min_time(next, l.paused_until);
    return next;
}

void Runtime::run_timers(TimeUs t) {
    const size_t slots = listener_slots(capacity_);
    for (uint32_t i = 0; i < slots && paused_listeners_ > 0; ++i) {
        Listener& l = t_.listeners[i];
        if (l.open && l.paused_until <= t) {
            l.paused_until = kNever;
            paused_listeners_--;
            port_->watch(port_->ctx, l.sock, STBF_READABLE, make_tag(TagKind::Listener, i));
        }
    }
    if (linger_deadline_ <= t) end_lingering(t);
    if (engine_.next_deadline() <= t) engine_.on_timeout(t);
    if (endpoints_.next_deadline() <= t) endpoints_.on_timeout(t);
    drain(t);
}

void Runtime::half_close(SessionIo& s, TimeUs t) {
    s.client_eof = true;
    s.client_rd = false;
    // The client is gone: the upstream gets a short while to finish its answer and close. One
    // that never does (hung) must not hold the session's place for hours.
    if (s.linger_until == kNever) {
        s.linger_until = t + kHalfCloseLingerUs;
        lingering_++;
        linger_deadline_ = min_time(linger_deadline_, s.linger_until);
    }
}

void Runtime::end_lingering(TimeUs t) {
    // Only while some session lingers after a half-close (rare and short): one pass.
    TimeUs next = kNever;
    for (SessionIo& s : sessions()) {
        if (s.id == 0 || s.linger_until == kNever) continue;
        if (s.linger_until <= t)
            end_session(s, Reason::ClientClosed, true, t);
        else
            next = min_time(next, s.linger_until);
    }
    linger_deadline_ = next;
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
            if (a.reason != Reason::ClientClosed)
                log(STBF_LOG_INFO, "session closed:", reason_name(a.reason),
                    a.config != nullptr ? a.config->label.c_str() : nullptr);
            end_session(*s, a.reason, false, t);
            break;
        }
        case ActionKind::Probe: start_probe(a, t); break;
        case ActionKind::CancelProbe: {
            if (a.server >= capacity_.servers) break;
            ProbeIo& p = t_.probes[a.server];
            if (p.id != a.probe) break;
            if (a.reason != Reason::Drained && p.up.resolved)
                endpoints_.report_failure(p.up.server, p.up.endpoint, t);
            close_upstream(p.up);
            p.id = 0;
            probe_count_--;
            break;
        }
    }
}

void Runtime::dispatch(const stbf_event& ev, TimeUs t) {
    // O(1): the tag names the owner; a stale event (its owner gone or holding another socket
    // since an earlier event of this batch) is dropped, level-triggered poll repeats live ones.
    if ((ev.tag & kRuntimeTagBit) == 0) {
        if (foreign_ != nullptr) {
            counters_.foreign_events++;
            foreign_(foreign_user_, ev);
        }
        return;
    }
    if (state_ != State::Running) return;
    if (ev.kind == STBF_EVENT_RESOLVED) {
        on_resolved(ev, t);
    } else if (ev.kind == STBF_EVENT_SOCKET) {
        dispatch_socket(ev, t);
    }
    drain(t);
}

void Runtime::dispatch_socket(const stbf_event& ev, TimeUs t) {
    const uint32_t index = ev.tag & 0xffffffu;
    switch (static_cast<TagKind>((ev.tag & ~kRuntimeTagBit) >> 24)) {
        case TagKind::Listener:
            if (index < listener_slots(capacity_) && t_.listeners[index].open &&
                t_.listeners[index].sock == ev.sock)
                on_accept(t_.listeners[index], t);
            return;
        case TagKind::Client:
        case TagKind::Upstream: {
            if (index >= capacity_.sessions) return;
            SessionIo& s = t_.sessions[index];
            if (s.id == 0) return;
            if (s.client == ev.sock)
                pump(s, ev.ready, 0, t);
            else if (s.live && s.upstream == ev.sock)
                pump(s, 0, ev.ready, t);
            return;
        }
        case TagKind::Attempt: {
            SessionIo* s = nullptr;
            AttemptIo* at = attempt_by_ref(index + 1, &s);
            if (at == nullptr || at->up.phase == Phase::Free || at->up.sock != ev.sock) return;
            Reason why = Reason::None;
            const Step step = advance(at->up, &why);
            drive_attempt(*s, *at, step, why, t);
            return;
        }
        case TagKind::Probe: {
            if (index >= capacity_.servers) return;
            ProbeIo& p = t_.probes[index];
            if (p.id == 0 || p.up.phase == Phase::Free || p.up.sock != ev.sock) return;
            Reason why = Reason::None;
            const Step step = advance(p.up, &why);
            drive_probe(p, step, why, t);
            return;
        }
        case TagKind::Resolve:
            return;  // resolutions come as STBF_EVENT_RESOLVED
    }
}

// ---- tables ---------------------------------------------------------------------------------

void Runtime::map_insert(SessionId id, uint16_t index) {
    size_t i = id & map_mask_;
    while (t_.session_map[i].id != 0) i = (i + 1) & map_mask_;
    t_.session_map[i].id = id;
    t_.session_map[i].index = index;
}

void Runtime::map_erase(SessionId id) {
    size_t i = id & map_mask_;
    while (t_.session_map[i].id != id) {
        if (t_.session_map[i].id == 0) return;
        i = (i + 1) & map_mask_;
    }
    // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
    size_t hole = i;
    for (size_t j = (hole + 1) & map_mask_; t_.session_map[j].id != 0; j = (j + 1) & map_mask_) {
        const size_t home = t_.session_map[j].id & map_mask_;
        const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            t_.session_map[hole] = t_.session_map[j];
            hole = j;
        }
    }
    t_.session_map[hole] = MapEntry();
}

uint16_t Runtime::index_of(const SessionIo& s) const {
    return static_cast<uint16_t>(&s - t_.sessions);
}

Runtime::AttemptIo* Runtime::attempt_by_ref(uint32_t ref, SessionIo** session) {
    // ref = session index * attempts per session + attempt + 1 (0 = none)
    if (ref == 0 || ref > uint32_t{capacity_.sessions} * STBF_MAX_ATTEMPTS_IN_FLIGHT)
        return nullptr;
    const uint32_t i = ref - 1;
    SessionIo& s = t_.sessions[i / STBF_MAX_ATTEMPTS_IN_FLIGHT];
    AttemptIo& at = s.attempts[i % STBF_MAX_ATTEMPTS_IN_FLIGHT];
    if (s.id == 0 || at.id == 0) return nullptr;
    *session = &s;
    return &at;
}

void Runtime::wait_link(Upstream& u, uint32_t ref) {
    if (ref == 0 || u.server >= capacity_.servers) return;  // probes wait in probes_[server]
    uint32_t& head = t_.wait_head[u.server];
    u.wait_prev = 0;
    u.wait_next = head;
    if (head != 0) {
        SessionIo* s = nullptr;
        AttemptIo* first = attempt_by_ref(head, &s);
        if (first != nullptr) first->up.wait_prev = ref;
    }
    head = ref;
}

void Runtime::wait_unlink(Upstream& u) {
    if (u.phase != Phase::Resolving || u.server >= capacity_.servers) return;
    SessionIo* s = nullptr;
    const bool attempt = (u.tag & ~kRuntimeTagBit) >> 24 == static_cast<uint32_t>(TagKind::Attempt);
    const uint32_t self = attempt ? (u.tag & 0xffffffu) + 1 : 0;
    if (self == 0) return;  // a probe
    if (u.wait_prev != 0) {
        AttemptIo* prev = attempt_by_ref(u.wait_prev, &s);
        if (prev != nullptr) prev->up.wait_next = u.wait_next;
    } else if (t_.wait_head[u.server] == self) {
        t_.wait_head[u.server] = u.wait_next;
    }
    if (u.wait_next != 0) {
        AttemptIo* next = attempt_by_ref(u.wait_next, &s);
        if (next != nullptr) next->up.wait_prev = u.wait_prev;
    }
    u.wait_prev = u.wait_next = 0;
}

void Runtime::on_accept(Listener& l, TimeUs t) {
    for (int k = 0; k < kMaxAcceptsPerEvent; ++k) {
        stbf_sock client = STBF_SOCK_INVALID;
        const stbf_port_status accepted = port_->tcp_accept(port_->ctx, l.sock, &client, nullptr);
        if (accepted == STBF_PORT_WOULD_BLOCK) return;
        if (accepted != STBF_PORT_OK) {
            log(STBF_LOG_WARNING, "group", l.name.c_str(), "cannot accept a client:",
                accepted == STBF_PORT_NO_RESOURCES ? "out of resources" : "port error");
            port_->watch(port_->ctx, l.sock, 0, 0);
            if (l.paused_until == kNever) paused_listeners_++;
            l.paused_until = t + kAcceptPauseUs;
            return;
        }
        SessionIo* s = free_count_ > 0 ? &t_.sessions[t_.free_sessions[free_count_ - 1]] : nullptr;
        SessionId id = 0;
        const Status st = s != nullptr ? engine_.session_open_slot(l.group, l.slot, t, &id)
                                       : Status::CapacityExceeded;
        if (st != Status::Ok) {
            // Accept only what can be served: the client sees a close and tries again later.
            // A slot without a server of its own (NoServer) is closed at once, so the softcam
            // keeps using its other readers; it retries often, so that is no warning.
            port_->tcp_close(port_->ctx, client);
            counters_.refused++;
            if (l.slot > 0 && st == Status::NoServer)
                log(STBF_LOG_INFO, "group", l.name.c_str(),
                    "slot idle, client closed:", status_name(st));
            else
                log(STBF_LOG_WARNING, "group", l.name.c_str(),
                    "refused a client:", status_name(st));
            continue;
        }
        free_count_--;
        reset_session(*s);
        s->id = id;
        s->group = l.group;
        s->client = client;
        map_insert(id, index_of(*s));
        session_count_++;
        if (l.group < capacity_.groups) t_.group_sessions[l.group]++;
        counters_.accepted++;
        update_interest(*s);
        drain(t);  // the Connect for this session runs now, before the next accept
    }
}

void Runtime::on_resolved(const stbf_event& ev, TimeUs t) {
    bool usable = false;
    const ServerSlot slot = endpoints_.on_resolved(ev.tag, ev.request, t, &usable);
    if (slot == kNoServer || slot >= capacity_.servers) return;
    counters_.resolutions++;
    // Exactly the attempts that wait for this name: take the list, then drive each one. No
    // engine action runs in between (drain comes after), so the saved links stay valid.
    uint32_t ref = t_.wait_head[slot];
    t_.wait_head[slot] = 0;
    while (ref != 0) {
        SessionIo* s = nullptr;
        AttemptIo* at = attempt_by_ref(ref, &s);
        if (at == nullptr) break;
        ref = at->up.wait_next;
        at->up.wait_prev = at->up.wait_next = 0;
        if (at->up.phase != Phase::Resolving) continue;
        at->up.phase = Phase::Free;  // unlinked already; open_upstream sets the next phase
        Reason why = Reason::ResolveFailed;
        const Step step = usable ? open_upstream(at->up, t, &why) : Step::Failed;
        drive_attempt(*s, *at, step, why, t);
    }
    ProbeIo& p = t_.probes[slot];
    if (p.id != 0 && p.up.phase == Phase::Resolving) {
        Reason why = Reason::ResolveFailed;
        const Step step = usable ? open_upstream(p.up, t, &why) : Step::Failed;
        drive_probe(p, step, why, t);
    }
}

// ---- upstream connections --------------------------------------------------------------------

void Runtime::prepare_upstream(Upstream& u, const Action& a, uint32_t tag) {
    u = Upstream();
    u.server = a.server;
    u.cfg = a.config;
    u.tag = tag;
    u.transport = &default_transport_;
    if (selector_ != nullptr) {
        const Transport* chosen = selector_(selector_user_, *a.config);
        if (chosen != nullptr) u.transport = chosen;
    }
}

Runtime::Step Runtime::open_upstream(Upstream& u, TimeUs t, Reason* why) {
    stbf_addr addr = {};
    switch (endpoints_.lookup(u.server, *u.cfg, t, &addr, &u.endpoint)) {
        case EndpointCache::Lookup::Pending: {
            const bool attempt =
                (u.tag & ~kRuntimeTagBit) >> 24 == static_cast<uint32_t>(TagKind::Attempt);
            if (attempt) wait_link(u, (u.tag & 0xffffffu) + 1);
            u.phase = Phase::Resolving;
            return Step::Waiting;
        }
        case EndpointCache::Lookup::Failed: *why = Reason::ResolveFailed; return Step::Failed;
        case EndpointCache::Lookup::Ready: break;
    }
    u.resolved = true;
    u.endpoints_tried++;
    u.phase = Phase::Connecting;  // also on an immediate failure: retry_next_endpoint looks
    const stbf_port_status st = u.transport->connect(u.transport->ctx, &addr, &u.sock);
    if (st == STBF_PORT_IN_PROGRESS) {
        u.phase = Phase::Connecting;
        set_interest(u.sock, &u.interest, STBF_WRITABLE, u.tag);
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
                set_interest(u.sock, &u.interest, STBF_WRITABLE, u.tag);
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
    set_interest(u.sock, &u.interest, STBF_READABLE, u.tag);
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
    wait_unlink(u);
    if (u.sock != STBF_SOCK_INVALID && u.transport != nullptr)
        u.transport->close(u.transport->ctx, u.sock);
    u.sock = STBF_SOCK_INVALID;
    u.phase = Phase::Free;
    u.interest = 0;
}

void Runtime::set_interest(stbf_sock sock, unsigned* current, unsigned wanted, uint32_t tag) {
    if (sock == STBF_SOCK_INVALID || *current == wanted) return;
    port_->watch(port_->ctx, sock, wanted, tag);
    *current = wanted;
}

// ---- sessions -------------------------------------------------------------------------------

Runtime::SessionIo* Runtime::find_session(SessionId id) {
    if (id == 0) return nullptr;
    for (size_t i = id & map_mask_; t_.session_map[i].id != 0; i = (i + 1) & map_mask_)
        if (t_.session_map[i].id == id) return &t_.sessions[t_.session_map[i].index];
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
    s.client_rd = s.upstream_rd = s.client_wr = s.upstream_wr = true;
    s.client_eof = s.upstream_shut = s.upstream_eof = false;
    s.linger_until = kNever;
    s.splice_up = SpliceDir();
    s.splice_down = SpliceDir();
    s.up.clear();
    s.down.clear();
}

void Runtime::start_attempt(const Action& a, TimeUs t) {
    SessionIo* s = find_session(a.session);
    AttemptIo* at = nullptr;
    uint32_t k = 0;
    if (s != nullptr)
        for (uint32_t i = 0; i < STBF_MAX_ATTEMPTS_IN_FLIGHT && at == nullptr; ++i)
            if (s->attempts[i].id == 0) {
                at = &s->attempts[i];
                k = i;
            }
    if (at == nullptr || a.config == nullptr) {
        engine_.attempt_failed(a.session, a.attempt, Reason::LocalError, t);
        return;
    }
    at->id = a.attempt;
    prepare_upstream(
        at->up, a,
        make_tag(TagKind::Attempt, index_of(*s) * uint32_t{STBF_MAX_ATTEMPTS_IN_FLIGHT} + k));
    at->up.check.reset(greeting_rule_for_protocol(a.config->protocol));
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
    s->server = at->up.server;
    // From now on its events belong to the session, not to the attempt slot.
    s->upstream_interest = at->up.interest;
    port_->watch(port_->ctx, s->upstream, s->upstream_interest,
                 make_tag(TagKind::Upstream, index_of(*s)));
    s->down.push(at->up.kept, at->up.kept_len);
    *at = AttemptIo();
    if (s->up.len > 0) engine_.bytes_up(s->id, t);  // the client spoke while we connected
    pump(*s, 0, STBF_READABLE, t);                  // the greeting read may have left bytes behind
}

void Runtime::pump(SessionIo& s, unsigned client_ready, unsigned upstream_ready, TimeUs t) {
    // Readiness hints: a side is read only when poll said so (or its transport may hold bytes
    // of its own), and not again after a short read drained it; a side that would not take
    // more is written only after it reported WRITABLE. Level-triggered poll reports a side
    // again while it stays ready, so nothing is missed, and a 64-byte ping costs one recv and
    // one send instead of a round of probing calls on both sockets.
    if (client_ready & STBF_READABLE) s.client_rd = true;
    if (upstream_ready & STBF_READABLE) s.upstream_rd = true;
    if (client_ready & STBF_WRITABLE) s.client_wr = true;
    if (upstream_ready & STBF_WRITABLE) s.upstream_wr = true;
    for (int round = 0; round < kMaxPumpRounds; ++round) {
        bool progress = false;
        if (!move_up(s, &progress, t)) return;
        if (s.live && !move_down(s, &progress, t)) return;
        if (!s.live && s.down.len > 0 && !send_down(s, &progress, t)) return;
        if (s.client_eof && !s.upstream_shut && s.up.len == 0 && s.splice_up.held == 0) {
            // Everything the client said is upstream: pass its end of stream on and keep
            // relaying the answer until the upstream ends too.
            port_->tcp_shutdown(port_->ctx, s.upstream);
            s.upstream_shut = true;
        }
        if (s.upstream_eof && s.down.len == 0 && s.splice_down.held == 0) {
            end_session(s, Reason::ClientClosed, true, t);  // the half-closed exchange is over
            return;
        }
        if (!progress) break;
    }
    update_interest(s);
}

bool Runtime::half_close_ok(const SessionIo& s) const {
    // Only towards a plain socket of a port that can half-close; a TLS upstream (or a port
    // without tcp_shutdown) ends the session at the client's FIN as before.
    return s.live && port_->tcp_shutdown != nullptr &&
           (s.transport == nullptr || s.transport == &default_transport_);
}

Reason Runtime::end_reason(const SessionIo& s, stbf_port_status upstream_status) const {
    // The upstream ending its answer after the client's own end of stream is the client's
    // doing, not a failure of the server.
    if (s.upstream_shut && upstream_status == STBF_PORT_CLOSED) return Reason::ClientClosed;
    return reason_for(upstream_status);
}

bool Runtime::can_splice(const SessionIo& s, const Pipe& buffer, const SpliceDir& dir) const {
    // Only plain sockets on both sides, only once the direction carries bulk (a full buffer in
    // one read: small messages gain nothing and would cost a pipe), only from an empty copy
    // buffer (order), and for as long as the port holds bytes of it.
    if (dir.held > 0) return true;
    return dir.bulk && !dir.off && buffer.len == 0 && s.live && port_->tcp_splice != nullptr &&
           (s.transport == nullptr || s.transport == &default_transport_);
}

bool Runtime::splice_leg(SessionIo& s, bool up, bool* progress, TimeUs t) {
    SpliceDir& dir = up ? s.splice_up : s.splice_down;
    const stbf_sock from = up ? s.client : s.upstream;
    const stbf_sock to = up ? s.upstream : s.client;
    stbf_splice_result r = {};
    const stbf_port_status st = port_->tcp_splice(port_->ctx, from, to, kSpliceMax, &r);
    if (st == STBF_PORT_NO_RESOURCES) {  // no pipe left: this direction copies from now on
        dir.off = true;
        return true;
    }
    if (st != STBF_PORT_OK) {
        end_session(s, Reason::LocalError, true, t);
        return false;
    }
    dir.held = r.held;
    if (r.taken > 0) {
        if (up) {
            counters_.bytes_up += r.taken;
            engine_.bytes_up(s.id, t);
        } else {
            counters_.bytes_down += r.taken;
            engine_.bytes_down(s.id, t);
        }
    }
    counters_.spliced += r.given;
    if (r.taken > 0 || r.given > 0) *progress = true;
    if (r.from_status == STBF_PORT_WOULD_BLOCK) (up ? s.client_rd : s.upstream_rd) = false;
    if (r.to_status == STBF_PORT_WOULD_BLOCK) (up ? s.upstream_wr : s.client_wr) = false;
    if (up && r.from_status == STBF_PORT_CLOSED && half_close_ok(s)) {
        half_close(s, t);  // what the port holds still goes upstream, then the FIN
        s.client_rd = false;
    } else if (!up && r.from_status == STBF_PORT_CLOSED && s.upstream_shut) {
        s.upstream_eof = true;  // the answer is complete; what the port holds still goes out
        s.upstream_rd = false;
    } else if (r.from_status == STBF_PORT_CLOSED || r.from_status == STBF_PORT_RESET) {
        // The port wrote what it held as far as the peer took it (best effort, as below).
        end_session(s, up ? Reason::ClientClosed : end_reason(s, r.from_status), true, t);
        return false;
    }
    if (r.to_status == STBF_PORT_RESET) {
        end_session(s, up ? reason_for(r.to_status) : Reason::ClientClosed, true, t);
        return false;
    }
    return true;
}

bool Runtime::move_up(SessionIo& s, bool* progress, TimeUs t) {
    const bool drained_eof = s.client_eof && s.splice_up.held == 0;  // nothing left to splice
    if (!drained_eof && can_splice(s, s.up, s.splice_up)) {
        if (!splice_leg(s, true, progress, t)) return false;
        if (!s.splice_up.off) return true;
    }
    const Transport& tr = *(s.transport != nullptr ? s.transport : &default_transport_);
    size_t n = 0;
    if (s.client_rd && !s.client_eof && s.up.room() > 0) {  // client -> up buffer
        uint8_t* span = s.up.write_span(&n);
        const size_t want = n;
        const stbf_port_status st = port_->tcp_recv(port_->ctx, s.client, span, want, &n);
        if (st == STBF_PORT_OK) {
            s.up.commit(n);
            counters_.bytes_up += n;
            *progress = true;
            if (n < want) s.client_rd = false;  // drained: wait for the next readiness
            if (n >= STBF_RELAY_BUFFER / 2) s.splice_up.bulk = true;
            if (s.live) engine_.bytes_up(s.id, t);
        } else if (st == STBF_PORT_WOULD_BLOCK) {
            s.client_rd = false;
        } else if (st == STBF_PORT_CLOSED && half_close_ok(s)) {
            half_close(s, t);
        } else {
            // Pass on what the client said before it went away.
            if (s.live) flush_best_effort(s.up, tr, s.upstream);
            end_session(s, Reason::ClientClosed, true, t);
            return false;
        }
    }
    if (s.live && s.up.len > 0 && s.upstream_wr) {  // up buffer -> upstream
        const uint8_t* data = s.up.read_span(&n);
        const size_t want = n;
        const stbf_port_status st = tr.send(tr.ctx, s.upstream, data, want, &n);
        if (st == STBF_PORT_OK) {
            s.up.consume(n);
            *progress = true;
            if (n < want) s.upstream_wr = false;  // its send buffer is full
        } else if (st == STBF_PORT_WOULD_BLOCK) {
            s.upstream_wr = false;
        } else {
            end_session(s, reason_for(st), true, t);
            return false;
        }
    }
    return true;
}

bool Runtime::move_down(SessionIo& s, bool* progress, TimeUs t) {
    if (s.upstream_eof && s.splice_down.held == 0) return send_down(s, progress, t);
    if (can_splice(s, s.down, s.splice_down)) {
        if (!splice_leg(s, false, progress, t)) return false;
        if (!s.splice_down.off) return true;
    }
    const Transport& tr = *(s.transport != nullptr ? s.transport : &default_transport_);
    // A transport of its own (TLS) may hold decrypted bytes no readiness announces: ask it.
    const bool plain = &tr == &default_transport_;
    size_t n = 0;
    if ((s.upstream_rd || !plain) && s.down.room() > 0) {  // upstream -> down buffer
        uint8_t* span = s.down.write_span(&n);
        const size_t want = n;
        const stbf_port_status st = tr.recv(tr.ctx, s.upstream, span, want, &n);
        if (st == STBF_PORT_OK) {
            s.down.commit(n);
            counters_.bytes_down += n;
            *progress = true;
            if (n < want && plain) s.upstream_rd = false;
            if (n >= STBF_RELAY_BUFFER / 2) s.splice_down.bulk = true;
            engine_.bytes_down(s.id, t);
        } else if (st == STBF_PORT_WOULD_BLOCK) {
            s.upstream_rd = false;
        } else if (st == STBF_PORT_CLOSED && s.upstream_shut) {
            s.upstream_eof = true;  // answered after the client's FIN: deliver the rest
            s.upstream_rd = false;
        } else {
            // Hand the client what the upstream said before it went away.
            flush_best_effort(s.down, default_transport_, s.client);
            end_session(s, end_reason(s, st), true, t);
            return false;
        }
    }
    return send_down(s, progress, t);
}

bool Runtime::send_down(SessionIo& s, bool* progress, TimeUs t) {
    if (s.down.len == 0 || !s.client_wr) return true;  // down buffer -> client
    size_t n = 0;
    const uint8_t* data = s.down.read_span(&n);
    const size_t want = n;
    const stbf_port_status st = port_->tcp_send(port_->ctx, s.client, data, want, &n);
    if (st == STBF_PORT_OK) {
        s.down.consume(n);
        *progress = true;
        if (n < want) s.client_wr = false;
    } else if (st == STBF_PORT_WOULD_BLOCK) {
        s.client_wr = false;
    } else {
        end_session(s, Reason::ClientClosed, true, t);
        return false;
    }
    return true;
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
    // Back-pressure: a side is read only while the buffer (or the port's splice pipe) towards
    // its peer has room, and watched for WRITABLE only while something waits for it.
    const bool up_splice = s.splice_up.held > 0;
    const bool down_splice = s.splice_down.held > 0;
    // A client at end of stream stays readable for ever: stop watching it for reading.
    const bool client_read =
        !s.client_eof && (up_splice ? s.splice_up.held < kSpliceMax : s.up.room() > 0);
    const bool client_write = s.down.len > 0 || down_splice;
    set_interest(s.client, &s.client_interest,
                 (client_read ? STBF_READABLE : 0u) | (client_write ? STBF_WRITABLE : 0u),
                 make_tag(TagKind::Client, index_of(s)));
    if (!client_write) s.client_wr = true;  // nothing waits: the next send just tries
    if (s.live) {
        const bool upstream_read =
            !s.upstream_eof && (down_splice ? s.splice_down.held < kSpliceMax : s.down.room() > 0);
        const bool upstream_write = s.up.len > 0 || up_splice;
        set_interest(s.upstream, &s.upstream_interest,
                     (upstream_read ? STBF_READABLE : 0u) | (upstream_write ? STBF_WRITABLE : 0u),
                     make_tag(TagKind::Upstream, index_of(s)));
        if (!upstream_write) s.upstream_wr = true;
    }
}

void Runtime::end_session(SessionIo& s, Reason why, bool report, TimeUs t) {
    if (report) engine_.session_closed(s.id, why, t);
    port_->tcp_close(port_->ctx, s.client);
    if (s.live && s.transport != nullptr) s.transport->close(s.transport->ctx, s.upstream);
    for (AttemptIo& at : s.attempts) close_upstream(at.up);
    if (s.linger_until != kNever) lingering_--;
    map_erase(s.id);
    session_count_--;
    if (s.group < capacity_.groups && t_.group_sessions[s.group] > 0) t_.group_sessions[s.group]--;
    t_.free_sessions[free_count_++] = index_of(s);
    reset_session(s);
}

// ---- probes ---------------------------------------------------------------------------------

void Runtime::start_probe(const Action& a, TimeUs t) {
    const ServerConfig* cfg = a.config;
    if (a.server >= capacity_.servers || cfg == nullptr) {
        engine_.probe_result(a.server, a.probe, false, Reason::LocalError, t);
        return;
    }
    ProbeIo& p = t_.probes[a.server];
    close_upstream(p.up);
    if (p.id == 0) probe_count_++;
    p.id = a.probe;
    prepare_upstream(p.up, a, make_tag(TagKind::Probe, a.server));
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
    probe_count_--;
    engine_.probe_result(server, id, ok, why, t);
}

// ---- status ---------------------------------------------------------------------------------

bool Runtime::listener_address(GroupIndex group, stbf_addr* out) const {
    return listener_address(group, 0, out);
}

bool Runtime::listener_address(GroupIndex group, uint8_t slot, stbf_addr* out) const {
    if (group >= capacity_.groups || slot >= STBF_MAX_SLOTS) return false;
    const Listener& l = t_.listeners[group * STBF_MAX_SLOTS + slot];
    if (!l.open) return false;
    *out = l.bound;
    return true;
}

uint16_t Runtime::listener_count() const {
    uint16_t n = 0;
    for (const Listener& l : listeners())
        if (l.open) ++n;
    return n;
}

uint16_t Runtime::open_sessions(GroupIndex group) const {
    return group < capacity_.groups ? t_.group_sessions[group] : 0;
}

uint16_t Runtime::open_sessions() const {
    return session_count_;
}

uint16_t Runtime::probes_in_flight() const {
    return probe_count_;
}

}  // namespace stbf
