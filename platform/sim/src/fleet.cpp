// Fleet simulation: see fleet.h for what is real (the engine) and what is modelled.
#include "stbf/sim/fleet.h"

#include <algorithm>
#include <time.h>

#include <chrono>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <deque>
#include <memory>

#include "stbf/sim/random.h"

namespace stbf::sim::fleet {
namespace {

constexpr uint8_t kNone = 0xff;
constexpr int kMaxConns = 16;  // in-flight attempts + probes of one box

enum class Ev : uint8_t {
    Boot,
    EngineTimer,
    ReaderConnect,  // the softcam connects a reader to its local slot port
    NetConnected,   // TCP connect of an attempt/probe finished
    NetGreeting,    // greeting of an attempt/probe arrived
    NetRefused,     // connect refused
    LoginUp,        // the softcam sends its login after the relayed greeting
    KeepUp,         // the softcam sends a keepalive
    AnswerDown,     // the host answers a login/keepalive
    Restart,        // the softcam restarts
    HostWork,       // a host takes the next login off its queue (box = host index)
    Fault,
    Second,
};

struct Event {
    TimeUs t;
    uint64_t seq;
    uint32_t box;
    Ev kind;
    uint8_t slot;  // reader, or conn kind for Net* events
    uint8_t flag;
    uint32_t a;  // id / epoch / fault index
};

struct Later {
    bool operator()(const Event& x, const Event& y) const {
        return x.t != y.t ? x.t > y.t : x.seq > y.seq;
    }
};

enum class HostState : uint8_t { Up, Dead, Hung };

struct Host {
    HostSpec spec;
    HostState state = HostState::Up;
    uint32_t slow_us = 0;
    uint32_t conns = 0;     // accepted TCP connections (handshakes, sessions, probes)
    uint32_t sessions = 0;  // live sessions
    uint32_t duplicates = 0;
    TimeUs accept_free = 0;
    // Logins wait here in arrival order and are served one at a time; a login whose client
    // has gone by its turn is skipped at no cost (the server reads EOF), as a real one would.
    struct Pending {
        uint32_t box;
        uint8_t slot;
        uint32_t epoch;
        TimeUs arrival;
    };
    std::deque<Pending> logins;
    bool busy = false;
};

enum ConnKind : uint8_t { kFree = 0, kAttempt = 1, kProbe = 2 };

struct Conn {
    uint32_t id = 0;
    SessionId session = 0;
    uint8_t kind = kFree;
    uint8_t host = kNone;
    ServerSlot server = kNoServer;
    bool accepted = false;
};

enum class RState : uint8_t { Idle, Connecting, Live };

struct Reader {
    RState state = RState::Idle;
    uint8_t host = kNone;
    bool dup = false;  // counted as a duplicate login on `host`
    bool logged_in = false;  // the host answered this session's login: the reader serves
    SessionId session = 0;
    uint32_t epoch = 0;
    uint32_t tick_phase_us = 0;
    TimeUs lost_at = kNever;
    uint8_t lost_host = kNone;
};

struct Box {
    Engine engine;
    Reader readers[STBF_MAX_SLOTS];
    Conn conns[kMaxConns];
    TimeUs scheduled = kNever;  // engine deadline on the heap
    TimeUs booted_at = kNever;
    uint32_t rtt_us = 0;
    uint8_t live = 0;  // readers logged in
};

uint64_t mix(uint64_t x) {
    Random r(x);
    return r.next();
}

class Fleet {
  public:
    explicit Fleet(const Scenario& s) : s_(s), rng_(mix(s.seed ^ 0xF1EE7ull)) {}

    Result run();

  private:
    // ---- scheduling ----
    void push(TimeUs t, uint32_t box, Ev kind, uint8_t slot = 0, uint32_t a = 0,
              uint8_t flag = 0) {
        heap_.push_back(Event{t < now_ ? now_ : t, seq_++, box, kind, slot, flag, a});
        std::push_heap(heap_.begin(), heap_.end(), Later{});
    }
    void settle(uint32_t b);  // drain actions, re-arm the engine timer
    void handle(uint32_t b, const Action& a);
    uint64_t sec() const { return now_ / kSec; }
    void count(std::vector<uint32_t>& v, uint8_t host) {
        uint64_t i = sec() * hosts_.size() + host;
        if (i < v.size()) v[i]++;
    }
    TimeUs next_tick(const Reader& r) const {
        // OSCam reconnects from its idle routine only: the first tick >= 150 ms from now.
        TimeUs earliest = now_ + 150 * kMs;
        TimeUs period = s_.reconnect_tick_us;
        TimeUs phase = r.tick_phase_us % period;
        TimeUs k = (earliest > phase) ? (earliest - phase + period - 1) / period : 0;
        return phase + k * period;
    }

    // ---- box side ----
    Conn* find_conn(Box& bx, uint8_t kind, uint32_t id) {
        for (auto& c : bx.conns)
            if (c.kind == kind && c.id == id) return &c;
        return nullptr;
    }
    void release_conn(Conn& c) {
        if (c.accepted && c.host != kNone && hosts_[c.host].conns > 0) hosts_[c.host].conns--;
        c = Conn{};
    }
    Reader* reader_of(Box& bx, SessionId sid) {
        for (uint8_t k = 0; k < slots_; ++k)
            if (bx.readers[k].session == sid && bx.readers[k].state != RState::Idle)
                return &bx.readers[k];
        return nullptr;
    }
    /// The reader's session ended (any side). Host bookkeeping; reconnect on the next tick.
    void reader_down(uint32_t b, Reader& r, bool outage);
    void reader_live(uint32_t b, Reader& r, uint8_t host);
    void open_connection(uint32_t b, uint8_t kind, uint32_t id, SessionId session,
                         ServerSlot server);
    void apply_fault(const Fault& f);
    void host_work(uint8_t h);
    void kill_host(uint8_t h);

    const Scenario& s_;
    Random rng_;
    std::vector<Host> hosts_;
    std::vector<uint8_t> dns_;           // server index -> host
    uint8_t server_host_[STBF_MAX_SERVERS];  // engine server slot -> server index
    std::unique_ptr<Box[]> boxes_;
    std::unique_ptr<uint64_t[]> tables_;  // every box's engine tables, one block
    uint8_t slots_ = 1;
    std::vector<Event> heap_;
    uint64_t seq_ = 0;
    TimeUs now_ = 0;
    Result res_;
    std::vector<TimeUs> last_probe_;  // [box * servers + server]
    uint8_t servers_ = 0;
    bool mapped_ = false;
    TimeUs gap_floor_ = 0;
    double gap_sum_ = 0;
    std::vector<uint32_t> fault_order_;
};

void Fleet::settle(uint32_t b) {
    Box& bx = boxes_[b];
    Action a;
    while (bx.engine.pop_action(&a)) handle(b, a);
    Notice n;
    while (bx.engine.pop_notice(&n)) {
        if (n.kind == NoticeKind::Failover) res_.failovers++;
        if (n.kind == NoticeKind::SlotIdle) res_.slot_idle++;
    }
    TimeUs dl = bx.engine.next_deadline();
    if (dl != bx.scheduled) {
        bx.scheduled = dl;
        if (dl != kNever) push(dl, b, Ev::EngineTimer);
    }
}

void Fleet::open_connection(uint32_t b, uint8_t kind, uint32_t id, SessionId session,
                            ServerSlot server) {
    Box& bx = boxes_[b];
    Conn* c = nullptr;
    for (auto& x : bx.conns)
        if (x.kind == kFree) {
            c = &x;
            break;
        }
    uint8_t srv = server < STBF_MAX_SERVERS ? server_host_[server] : kNone;
    uint8_t h = srv < dns_.size() ? dns_[srv] : kNone;
    if (c == nullptr || h == kNone) {
        // Out of sockets on the box (never expected): fail it at once. The engine's queue
        // takes the follow-up actions; settle() is draining it.
        if (kind == kAttempt)
            bx.engine.attempt_failed(session, id, Reason::LocalError, now_);
        else
            bx.engine.probe_result(server, id, false, Reason::LocalError, now_);
        return;
    }
    c->id = id;
    c->kind = kind;
    c->session = session;
    c->host = h;
    c->server = server;
    c->accepted = false;
    Host& host = hosts_[h];
    if (kind == kAttempt) {
        count(res_.connects, h);
        res_.totals[h].connects++;
    } else {
        count(res_.probes, h);
        res_.totals[h].probes++;
    }
    const TimeUs half = bx.rtt_us / 2;
    if (host.state == HostState::Dead || host.conns >= host.spec.max_conns) {
        if (kind == kAttempt) {
            count(res_.refused, h);
            res_.totals[h].refused++;
        }
        push(now_ + bx.rtt_us, b, Ev::NetRefused, kind, id);
        return;
    }
    c->accepted = true;
    host.conns++;
    res_.totals[h].peak_conns = std::max(res_.totals[h].peak_conns, host.conns);
    push(now_ + bx.rtt_us, b, Ev::NetConnected, kind, id);
    if (host.state == HostState::Hung) return;  // the kernel accepts; nothing ever greets
    TimeUs start = std::max(now_ + half, host.accept_free);
    host.accept_free = start + host.spec.accept_us;
    push(host.accept_free + host.slow_us + half, b, Ev::NetGreeting, kind, id);
}

void Fleet::reader_live(uint32_t b, Reader& r, uint8_t h) {
    Box& bx = boxes_[b];
    r.state = RState::Live;
    r.host = h;
    r.epoch++;
    r.logged_in = false;
    Host& host = hosts_[h];
    host.sessions++;
    HostTotals& tot = res_.totals[h];
    tot.peak_sessions = std::max(tot.peak_sessions, host.sessions);
    r.dup = false;
    for (uint8_t k = 0; k < slots_; ++k) {
        const Reader& o = bx.readers[k];
        if (&o != &r && o.state == RState::Live && o.host == h) r.dup = true;
    }
    if (r.dup) {
        tot.duplicate_logins++;
        host.duplicates++;
        tot.peak_duplicates = std::max(tot.peak_duplicates, host.duplicates);
    }
    push(now_, b, Ev::LoginUp, static_cast<uint8_t>(&r - bx.readers), r.epoch);
}

void Fleet::reader_down(uint32_t b, Reader& r, bool outage) {
    Box& bx = boxes_[b];
    // A connecting session's upstream sockets are the caller's to close.
    for (auto& c : bx.conns)
        if (c.kind == kAttempt && c.session == r.session && r.session != 0) release_conn(c);
    if (r.state == RState::Live) {
        Host& host = hosts_[r.host];
        if (host.sessions > 0) host.sessions--;
        if (host.conns > 0) host.conns--;
        if (r.dup && host.duplicates > 0) host.duplicates--;
        if (r.logged_in && bx.live > 0) bx.live--;
        if (outage && r.lost_at == kNever) {
            r.lost_at = now_;
            r.lost_host = r.host;
        }
    } else if (outage && r.lost_at == kNever) {
        r.lost_at = now_;
        r.lost_host = kNone;
    }
    r.state = RState::Idle;
    r.host = kNone;
    r.dup = false;
    r.logged_in = false;
    r.session = 0;
    r.epoch++;
    push(next_tick(r), b, Ev::ReaderConnect, static_cast<uint8_t>(&r - bx.readers), r.epoch);
}

void Fleet::handle(uint32_t b, const Action& a) {
    Box& bx = boxes_[b];
    switch (a.kind) {
        case ActionKind::Connect:
            open_connection(b, kAttempt, a.attempt, a.session, a.server);
            break;
        case ActionKind::Probe: {
            uint8_t srv = server_host_[a.server];
            if (srv < servers_ && now_ >= s_.probe_stats_from && now_ < s_.probe_stats_until) {
                TimeUs& last = last_probe_[static_cast<size_t>(b) * servers_ + srv];
                if (last != kNever) {
                    TimeUs gap = now_ - last;
                    res_.probe_gaps++;
                    gap_sum_ += static_cast<double>(gap);
                    res_.probe_gap_min_us = std::min(res_.probe_gap_min_us, gap);
                    if (gap < gap_floor_) res_.probe_gaps_fast++;
                }
                last = now_;
            }
            open_connection(b, kProbe, a.probe, 0, a.server);
            break;
        }
        case ActionKind::AbortAttempt:
            if (Conn* c = find_conn(bx, kAttempt, a.attempt)) release_conn(*c);
            break;
        case ActionKind::CancelProbe:
            if (Conn* c = find_conn(bx, kProbe, a.probe)) release_conn(*c);
            break;
        case ActionKind::Relay: {
            Conn* c = find_conn(bx, kAttempt, a.attempt);
            Reader* r = reader_of(bx, a.session);
            if (c == nullptr || r == nullptr) break;
            uint8_t h = c->host;
            *c = Conn{};  // the connection is the session's now (host keeps counting it)
            reader_live(b, *r, h);
            break;
        }
        case ActionKind::CloseSession: {
            Reader* r = reader_of(bx, a.session);
            if (r == nullptr) break;
            if (r->state == RState::Live) {
                if (a.reason == Reason::Hung) {
                    res_.hung_cuts++;
                } else if (a.reason != Reason::Idle && hosts_[r->host].state == HostState::Up) {
                    res_.moved_live++;
                }
            }
            reader_down(b, *r, true);
            break;
        }
    }
}

void Fleet::host_work(uint8_t h) {
    Host& host = hosts_[h];
    while (!host.logins.empty()) {
        if (host.state != HostState::Up) break;  // hung: the queue waits; dead: cleared
        Host::Pending p = host.logins.front();
        if (p.arrival > now_) {
            push(p.arrival, h, Ev::HostWork);
            return;
        }
        host.logins.pop_front();
        const Reader& r = boxes_[p.box].readers[p.slot];
        if (r.epoch != p.epoch || r.state != RState::Live || r.host != h) continue;  // gone
        const TimeUs half = boxes_[p.box].rtt_us / 2;
        push(now_ + host.spec.login_us + host.slow_us + half, p.box, Ev::AnswerDown, p.slot,
             p.epoch, 1);
        push(now_ + host.spec.login_us, h, Ev::HostWork);
        return;
    }
    host.busy = false;
}

void Fleet::kill_host(uint8_t h) {
    Host& host = hosts_[h];
    host.state = HostState::Dead;
    // Every connection to it is reset: live sessions end (the runtime reports the upstream
    // close), handshakes fail when their greeting would have come.
    for (uint32_t b = 0; b < s_.boxes; ++b) {
        Box& bx = boxes_[b];
        if (bx.booted_at == kNever) continue;
        for (uint8_t k = 0; k < slots_; ++k) {
            Reader& r = bx.readers[k];
            if (r.state != RState::Live || r.host != h) continue;
            SessionId sid = r.session;
            reader_down(b, r, true);
            bx.engine.session_closed(sid, Reason::UpstreamClosed, now_);
            settle(b);
        }
        for (auto& c : bx.conns) {
            if (c.kind == kFree || c.host != h || !c.accepted) continue;
            // Reset: tell the engine now.
            uint8_t kind = c.kind;
            uint32_t id = c.id;
            SessionId sid = c.session;
            ServerSlot sl = c.server;
            release_conn(c);
            if (kind == kAttempt)
                bx.engine.attempt_failed(sid, id, Reason::Reset, now_);
            else
                bx.engine.probe_result(sl, id, false, Reason::Reset, now_);
            settle(b);
        }
    }
    host.conns = 0;
    host.sessions = 0;
    host.duplicates = 0;
    host.logins.clear();
}

void Fleet::apply_fault(const Fault& f) {
    auto each = [&](auto fn) {
        if (f.kind == FaultKind::ProviderDown || f.kind == FaultKind::ProviderUp) {
            for (uint8_t h = 0; h < hosts_.size(); ++h) fn(h);
        } else if (f.host < hosts_.size()) {
            fn(f.host);
        }
    };
    switch (f.kind) {
        case FaultKind::Die:
        case FaultKind::ProviderDown:
            each([&](uint8_t h) { kill_host(h); });
            break;
        case FaultKind::Hang:
            each([&](uint8_t h) { hosts_[h].state = HostState::Hung; });
            break;
        case FaultKind::Slow:
            each([&](uint8_t h) { hosts_[h].slow_us = f.value; });
            break;
        case FaultKind::Recover:
        case FaultKind::ProviderUp:
            each([&](uint8_t h) {
                hosts_[h].state = HostState::Up;
                hosts_[h].slow_us = 0;
                hosts_[h].accept_free = now_;
                if (!hosts_[h].logins.empty() && !hosts_[h].busy) {
                    hosts_[h].busy = true;
                    push(now_, h, Ev::HostWork);
                }
            });
            break;
        case FaultKind::Dns:
            if (f.host < dns_.size() && f.value < hosts_.size())
                dns_[f.host] = static_cast<uint8_t>(f.value);
            break;
    }
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Result Fleet::run() {
    auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = thread_cpu_seconds();
    res_.name = s_.name;
    res_.boxes = s_.boxes;
    res_.hosts = static_cast<uint8_t>(s_.hosts.size());
    res_.duration = s_.duration;
    const GroupConfig& g = s_.config.groups[0];
    res_.mode = g.mode;
    servers_ = g.server_count;
    uint8_t enabled = 0;
    for (uint8_t i = 0; i < g.server_count; ++i)
        if (s_.config.servers[g.servers[i]].enabled) ++enabled;
    slots_ = g.slots != 0 ? g.slots : (enabled >= 2 ? 2 : 1);
    if (slots_ > STBF_MAX_SLOTS) slots_ = STBF_MAX_SLOTS;
    res_.slots = slots_;
    for (const auto& h : s_.hosts) {
        Host host;
        host.spec = h;
        hosts_.push_back(host);
    }
    dns_.resize(servers_);
    for (uint8_t i = 0; i < servers_; ++i) dns_[i] = i;
    uint64_t secs = s_.duration / kSec;
    size_t cells = static_cast<size_t>(secs) * hosts_.size();
    res_.sessions.assign(cells, 0);
    res_.connects.assign(cells, 0);
    res_.logins.assign(cells, 0);
    res_.probes.assign(cells, 0);
    res_.refused.assign(cells, 0);
    res_.served.assign(secs, 0);
    res_.totals.assign(hosts_.size(), HostTotals{});
    last_probe_.assign(static_cast<size_t>(s_.boxes) * servers_, kNever);
    gap_floor_ = s_.probe_gap_floor_us
                     ? s_.probe_gap_floor_us
                     : static_cast<TimeUs>(g.health.inter_ms) * kMs *
                           (100 - g.health.jitter_pct) / 100;
    // Each box's engine gets tables for this config only: its servers and groups, and a
    // session per softcam reader with room for each to reconnect while the old one closes.
    auto at_least_one = [](unsigned n) { return static_cast<uint16_t>(n == 0 ? 1 : n); };
    const Capacity box_capacity{at_least_one(s_.config.server_count),
                                at_least_one(s_.config.group_count),
                                at_least_one(2u * STBF_MAX_SLOTS * s_.config.group_count)};
    const size_t table_words = (Engine::size_for(box_capacity) + 7) / 8;
    res_.bytes_per_box = sizeof(Box) + table_words * 8;

    boxes_.reset(new Box[s_.boxes]);
    tables_.reset(new uint64_t[table_words * s_.boxes]);
    for (uint32_t b = 0; b < s_.boxes; ++b)
        if (boxes_[b].engine.attach(box_capacity, &tables_[table_words * b], table_words * 8) !=
            Status::Ok)
            return res_;  // a config above the build's bounds: no box can run it
    heap_.reserve(static_cast<size_t>(s_.boxes) * 8);
    for (uint32_t b = 0; b < s_.boxes; ++b) {
        Box& bx = boxes_[b];
        double u = static_cast<double>(rng_.next() >> 11) / 9007199254740992.0;
        double f = s_.ramp ? std::sqrt(u) : u;  // ramp: density rising linearly
        TimeUs boot = static_cast<TimeUs>(f * static_cast<double>(s_.boot_spread));
        bx.rtt_us = static_cast<uint32_t>(s_.rtt_us / 2 + rng_.next() % (s_.rtt_us + 1));
        for (uint8_t k = 0; k < slots_; ++k)
            bx.readers[k].tick_phase_us = static_cast<uint32_t>(rng_.next() % s_.reconnect_tick_us);
        push(boot, b, Ev::Boot);
    }
    for (uint32_t i = 0; i < s_.faults.size(); ++i) push(s_.faults[i].at, 0, Ev::Fault, 0, i);
    push(kSec - 1, 0, Ev::Second);
    const double restart_mean_us =
        s_.restarts_per_hour > 0 ? 3600.0 * 1e6 / s_.restarts_per_hour : 0;
    auto exp_delay = [&]() {
        double u = static_cast<double>((rng_.next() >> 11) + 1) / 9007199254740993.0;
        return static_cast<TimeUs>(-std::log(u) * restart_mean_us);
    };

    while (!heap_.empty()) {
        std::pop_heap(heap_.begin(), heap_.end(), Later{});
        Event e = heap_.back();
        heap_.pop_back();
        if (e.t > s_.duration) break;
        now_ = e.t;
        res_.events++;
        Box& bx = boxes_[e.kind == Ev::HostWork ? 0 : e.box];
        switch (e.kind) {
            case Ev::Boot: {
                Status st = bx.engine.init(s_.config, mix(s_.seed * 1000003ull + e.box), now_);
                if (st != Status::Ok) break;
                bx.booted_at = now_;
                if (!mapped_) {
                    // Every box runs the same config, so the engine's server slots are the same
                    // in every box: learn them from the first box that boots.
                    mapped_ = true;
                    for (auto& v : server_host_) v = kNone;
                    for (uint8_t i = 0; i < servers_; ++i) {
                        ServerSlot sl = bx.engine.group_server(0, i);
                        if (sl < STBF_MAX_SERVERS) server_host_[sl] = i;
                    }
                }
                for (uint8_t k = 0; k < slots_; ++k) {
                    Reader& r = bx.readers[k];
                    r.lost_at = now_;
                    r.lost_host = kNone;
                    // OSCam connects its cccam readers right after start.
                    push(now_ + 500 * kMs + rng_.next() % (2 * kSec), e.box, Ev::ReaderConnect, k,
                         r.epoch);
                }
                if (restart_mean_us > 0) push(now_ + exp_delay(), e.box, Ev::Restart);
                settle(e.box);
                break;
            }
            case Ev::EngineTimer:
                if (bx.scheduled != e.t) break;  // superseded
                bx.scheduled = kNever;
                bx.engine.on_timeout(now_);
                settle(e.box);
                break;
            case Ev::ReaderConnect: {
                Reader& r = bx.readers[e.slot];
                if (r.epoch != e.a || r.state != RState::Idle) break;
                SessionId sid = 0;
                Status st = bx.engine.session_open_slot(0, e.slot, now_, &sid);
                if (st == Status::Ok) {
                    r.state = RState::Connecting;
                    r.session = sid;
                    r.epoch++;
                    settle(e.box);
                } else {
                    // The runtime closes the client at once: the softcam waits for its tick.
                    settle(e.box);
                    r.epoch++;
                    push(next_tick(r), e.box, Ev::ReaderConnect, e.slot, r.epoch);
                }
                break;
            }
            case Ev::NetConnected: {
                Conn* c = find_conn(bx, e.slot, e.a);
                if (c == nullptr || !c->accepted) break;
                if (e.slot == kAttempt) {
                    bx.engine.attempt_connected(c->session, c->id, now_);
                } else {
                    bx.engine.probe_connected(c->server, c->id, now_);
                }
                settle(e.box);
                break;
            }
            case Ev::NetGreeting: {
                Conn* c = find_conn(bx, e.slot, e.a);
                if (c == nullptr || !c->accepted) break;
                if (hosts_[c->host].state != HostState::Up) break;  // hung: never greets
                if (e.slot == kAttempt) {
                    bx.engine.attempt_ready(c->session, c->id, now_);
                } else {
                    uint32_t id = c->id;
                    ServerSlot sl = c->server;
                    release_conn(*c);  // the probe closes after the greeting
                    bx.engine.probe_result(sl, id, true, Reason::None, now_);
                }
                settle(e.box);
                break;
            }
            case Ev::NetRefused: {
                Conn* c = find_conn(bx, e.slot, e.a);
                if (c == nullptr) break;
                SessionId sid = c->session;
                ServerSlot sl = c->server;
                release_conn(*c);
                if (e.slot == kAttempt)
                    bx.engine.attempt_failed(sid, e.a, Reason::Refused, now_);
                else
                    bx.engine.probe_result(sl, e.a, false, Reason::Refused, now_);
                settle(e.box);
                break;
            }
            case Ev::LoginUp:
            case Ev::KeepUp: {
                Reader& r = bx.readers[e.slot];
                if (r.epoch != e.a || r.state != RState::Live) break;
                bx.engine.bytes_up(r.session, now_);
                Host& host = hosts_[r.host];
                const TimeUs half = bx.rtt_us / 2;
                if (host.state == HostState::Up && e.kind == Ev::LoginUp) {
                    host.logins.push_back(Host::Pending{e.box, e.slot, r.epoch, now_ + half});
                    if (!host.busy) {
                        host.busy = true;
                        push(now_ + half, r.host, Ev::HostWork);
                    }
                } else if (host.state == HostState::Up) {
                    push(now_ + half + host.spec.answer_us + host.slow_us + half, e.box,
                         Ev::AnswerDown, e.slot, r.epoch);
                }
                // OSCam's keepalive runs on its own timer whether or not anything answered.
                push(now_ + s_.keepalive_us, e.box, Ev::KeepUp, e.slot, r.epoch);
                settle(e.box);
                break;
            }
            case Ev::AnswerDown: {
                Reader& r = bx.readers[e.slot];
                if (r.epoch != e.a || r.state != RState::Live) break;
                if (hosts_[r.host].state != HostState::Up) break;
                if (e.flag && !r.logged_in) {
                    count(res_.logins, r.host);
                    res_.totals[r.host].logins++;
                    r.logged_in = true;
                    bx.live++;
                    if (r.lost_at != kNever) {
                        res_.reader_outages.push_back(
                            Outage{r.lost_at, now_ - r.lost_at, e.box, e.slot, r.lost_host});
                        r.lost_at = kNever;
                    }
                }
                bx.engine.bytes_down(r.session, now_);
                settle(e.box);
                break;
            }
            case Ev::Restart: {
                for (uint8_t k = 0; k < slots_; ++k) {
                    Reader& r = bx.readers[k];
                    if (r.state == RState::Idle) continue;
                    SessionId sid = r.session;
                    reader_down(e.box, r, false);
                    bx.engine.session_closed(sid, Reason::ClientClosed, now_);
                    settle(e.box);
                    // A restarted softcam connects right after start, not on a tick.
                    r.epoch++;
                    push(now_ + 2 * kSec + rng_.next() % kSec, e.box, Ev::ReaderConnect, k,
                         r.epoch);
                }
                push(now_ + exp_delay(), e.box, Ev::Restart);
                break;
            }
            case Ev::HostWork:
                host_work(static_cast<uint8_t>(e.box));
                break;
            case Ev::Fault:
                apply_fault(s_.faults[e.a]);
                break;
            case Ev::Second: {
                uint64_t i = sec();
                if (i < res_.served.size()) {
                    for (size_t h = 0; h < hosts_.size(); ++h)
                        res_.sessions[i * hosts_.size() + h] = hosts_[h].sessions;
                    uint32_t served = 0;
                    for (uint32_t b = 0; b < s_.boxes; ++b) served += boxes_[b].live > 0;
                    res_.served[i] = served;
                }
                push(now_ + kSec, 0, Ev::Second);
                break;
            }
        }
    }
    now_ = s_.duration;
    for (uint32_t b = 0; b < s_.boxes; ++b) {
        Box& bx = boxes_[b];
        res_.actions_dropped += bx.engine.actions_dropped();
        if (bx.booted_at == kNever) continue;
        for (uint8_t k = 0; k < slots_; ++k) {
            const Reader& r = bx.readers[k];
            if (r.lost_at != kNever)
                res_.reader_outages.push_back(Outage{r.lost_at, kNever, b, k, r.lost_host});
        }
    }
    res_.probe_gap_mean_us = res_.probe_gaps ? gap_sum_ / static_cast<double>(res_.probe_gaps) : 0;
    res_.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    res_.cpu_seconds = thread_cpu_seconds() - cpu0;
    return res_;
}

}  // namespace

Config make_box_config(const std::vector<HostSpec>& hosts, Mode mode, bool sticky,
                       uint8_t slots) {
    Config c;
    uint8_t n = static_cast<uint8_t>(std::min<size_t>(hosts.size(), STBF_MAX_SERVERS_PER_GROUP));
    c.server_count = n;
    for (uint8_t i = 0; i < n; ++i) {
        ServerConfig& s = c.servers[i];
        char host[48];
        std::snprintf(host, sizeof host, "s%u.provider.example", static_cast<unsigned>(i + 1));
        s.host.assign(host);
        s.label.assign(host);
        s.port = 12000;
        s.protocol = Protocol::Cccam;
        s.probe = ProbeKind::Cccam;
        s.user.assign("subscriber");
        s.weight = hosts[i].weight;
        s.priority = hosts[i].priority;
        s.backup = hosts[i].backup;
    }
    c.group_count = 1;
    GroupConfig& g = c.groups[0];
    g.name.assign("line");
    g.listen_port = 20000;
    g.mode = mode;
    g.sticky = sticky;
    g.slots = slots;
    g.server_count = n;
    for (uint8_t i = 0; i < n; ++i) g.servers[i] = i;
    for (uint8_t k = 0; k < STBF_MAX_SLOTS; ++k) g.slot_ports[k] = static_cast<uint16_t>(20000 + k);
    return c;
}

Result run(const Scenario& s) {
    Result empty;
    if (s.hosts.empty() || s.config.group_count == 0 || s.boxes == 0) return empty;
    auto fleet = std::make_unique<Fleet>(s);
    return fleet->run();
}

}  // namespace stbf::sim::fleet

// ---- named scenarios ------------------------------------------------------------------------

namespace stbf::sim::fleet {

std::vector<HostSpec> default_hosts(uint8_t hosts, uint32_t boxes, uint8_t slots) {
    std::vector<HostSpec> out(hosts);
    if (hosts == 0) return out;
    uint64_t share = (static_cast<uint64_t>(boxes) * (slots ? slots : 1) + hosts - 1) / hosts;
    for (auto& h : out) {
        // Room for the even share plus 50 %; logs its even share in within 20 s (a provider
        // sized for its own subscribers, not for all of them at once).
        h.max_conns = static_cast<uint32_t>(share + share / 2 + 8);
        uint64_t login = share ? 20 * kSec / share : 10 * kMs;
        h.login_us = static_cast<uint32_t>(std::min<uint64_t>(login, 200 * kMs));
        if (h.login_us == 0) h.login_us = 1;
        h.accept_us = std::max<uint32_t>(1, h.login_us / 20);
    }
    return out;
}

const std::vector<std::string>& scenario_names() {
    static const std::vector<std::string> names = {"steady",      "host-dies",  "host-recovers",
                                                   "provider-outage", "slow-host", "evening-ramp",
                                                   "dns-change"};
    return names;
}

bool make_named(const std::string& name, Scenario* s) {
    s->name = name;
    s->faults.clear();
    s->ramp = false;
    s->boot_spread = 60 * kSec;
    s->restarts_per_hour = 0;
    s->recovered_host = 0xff;
    s->recover_at = s->serve_from = s->fault_at = kNever;
    // Idle probe statistics: after the boot transient, before any fault.
    s->probe_stats_from = 4 * kMin;
    s->probe_stats_until = 10 * kMin;
    s->sample_at = 10 * kMin - kSec;
    if (name == "steady") {
        s->duration = 12 * kMin;
        s->probe_stats_until = 12 * kMin;
        s->sample_at = 12 * kMin - kSec;
    } else if (name == "host-dies") {
        s->duration = 20 * kMin;
        s->faults = {{10 * kMin, FaultKind::Die, 0, 0}};
        s->fault_at = 10 * kMin;
    } else if (name == "host-recovers") {
        // Host 0 dies, comes back 10 min later; softcams restart now and then (2 per box per
        // hour) so new sessions show where the policy puts them.
        s->duration = 40 * kMin;
        s->restarts_per_hour = 2;
        s->faults = {{10 * kMin, FaultKind::Die, 0, 0}, {20 * kMin, FaultKind::Recover, 0, 0}};
        s->fault_at = 10 * kMin;
        s->recovered_host = 0;
        s->recover_at = 20 * kMin;
    } else if (name == "provider-outage") {
        s->duration = 25 * kMin;
        s->faults = {{10 * kMin, FaultKind::ProviderDown, 0, 0},
                     {15 * kMin, FaultKind::ProviderUp, 0, 0}};
        s->fault_at = 10 * kMin;
        s->serve_from = 15 * kMin;
    } else if (name == "slow-host") {
        s->duration = 40 * kMin;
        s->restarts_per_hour = 2;
        s->faults = {{10 * kMin, FaultKind::Slow, 0, 800 * 1000}};
        s->fault_at = 10 * kMin;
    } else if (name == "evening-ramp") {
        s->duration = 60 * kMin;
        s->ramp = true;
        s->boot_spread = 45 * kMin;
        s->restarts_per_hour = 0.5;
        s->probe_stats_from = 50 * kMin;
        s->probe_stats_until = 60 * kMin;
        s->sample_at = 60 * kMin - kSec;
    } else if (name == "dns-change") {
        // The provider moves host 0 to a new address (a spare host) and stops the old one 5 min
        // later: boxes follow the name when the old address dies.
        s->duration = 25 * kMin;
        if (!s->hosts.empty()) s->hosts.push_back(s->hosts[0]);
        uint8_t spare = static_cast<uint8_t>(s->hosts.size() - 1);
        s->faults = {{10 * kMin, FaultKind::Dns, 0, spare}, {15 * kMin, FaultKind::Die, 0, 0}};
        s->fault_at = 15 * kMin;
    } else {
        return false;
    }
    return true;
}

// ---- summaries --------------------------------------------------------------------------

Summary summarize(const Scenario& s, const Result& r) {
    Summary m;
    const uint8_t H = r.hosts;
    const uint64_t secs = r.seconds();
    if (H == 0 || secs == 0) return m;
    const GroupConfig& g = s.config.groups[0];
    // Expected shares: weights of the non-backup servers (host i = server i).
    std::vector<double> share(H, 0.0);
    double wsum = 0;
    for (uint8_t i = 0; i < g.server_count && i < H; ++i) {
        const ServerConfig& sc = s.config.servers[g.servers[i]];
        if (sc.backup || !sc.enabled) continue;
        share[i] = sc.weight ? sc.weight : 1;
        wsum += share[i];
    }
    for (auto& v : share) v = wsum > 0 ? v / wsum : 0;

    uint64_t at = s.sample_at == kNever ? secs - 1 : std::min<uint64_t>(s.sample_at / kSec, secs - 1);
    uint64_t total = 0;
    for (uint8_t h = 0; h < H; ++h) {
        m.sample_sessions.push_back(r.at(r.sessions, at, h));
        m.final_sessions.push_back(r.at(r.sessions, secs - 1, h));
        total += r.at(r.sessions, at, h);
    }
    for (uint8_t h = 0; h < H; ++h) {
        if (share[h] <= 0 || total == 0) continue;
        double ratio = m.sample_sessions[h] / (static_cast<double>(total) * share[h]);
        m.max_over_mean = std::max(m.max_over_mean, ratio);
        m.worst_weight_error = std::max(m.worst_weight_error, std::fabs(ratio - 1.0));
    }

    TimeUs from = s.serve_from != kNever ? s.serve_from : s.fault_at;
    uint64_t from_s = from == kNever ? 0 : std::min<uint64_t>(from / kSec, secs);
    for (uint64_t t = from_s; t < secs; ++t)
        for (uint8_t h = 0; h < H; ++h) {
            uint32_t c = r.at(r.connects, t, h);
            if (c > m.peak_connects_per_s) {
                m.peak_connects_per_s = c;
                double rate = 1e6 / (h < s.hosts.size() ? s.hosts[h].login_us : 1);
                m.peak_connects_over_capacity = c / rate;
            }
            m.peak_logins_per_s = std::max(m.peak_logins_per_s, r.at(r.logins, t, h));
        }

    if (s.recovered_host < H && s.recover_at != kNever && share[s.recovered_host] > 0) {
        const uint8_t rh = s.recovered_host;
        uint64_t t0 = s.recover_at / kSec;
        double fair_total = 0;
        uint64_t fair_secs = 0;
        for (uint64_t w = t0; w + 60 <= secs; w += 60) {
            double mine = 0, all = 0;
            for (uint64_t t = w; t < w + 60; ++t)
                for (uint8_t h = 0; h < H; ++h) {
                    double ok = static_cast<double>(r.at(r.connects, t, h)) - r.at(r.refused, t, h);
                    all += ok;
                    if (h == rh) mine += ok;
                }
            double fair = all * share[rh];
            fair_total += fair;
            fair_secs += 60;
            if (fair >= 5) m.recovered_over_fair = std::max(m.recovered_over_fair, mine / fair);
        }
        for (uint64_t t = t0; t < secs; ++t)
            m.recovered_peak_per_s = std::max(m.recovered_peak_per_s, r.at(r.connects, t, rh));
        m.fair_per_s = fair_secs ? fair_total / static_cast<double>(fair_secs) : 0;
    }

    std::vector<TimeUs> reserve;
    for (const Outage& o : r.reader_outages) {
        if (s.fault_at == kNever || o.start < s.fault_at) continue;
        if (o.length == kNever) {
            m.unserved_at_end++;
            continue;
        }
        TimeUs end = o.start + o.length;
        TimeUs begin = (from != kNever && from > o.start) ? from : o.start;
        reserve.push_back(end > begin ? end - begin : 0);
    }
    std::sort(reserve.begin(), reserve.end());
    if (!reserve.empty()) {
        m.reserve_p50 = reserve[reserve.size() / 2];
        m.reserve_p99 = reserve[std::min(reserve.size() - 1, reserve.size() * 99 / 100)];
        m.reserve_max = reserve.back();
    }

    uint64_t p0 = std::min<uint64_t>(s.probe_stats_from / kSec, secs);
    uint64_t p1 = std::min<uint64_t>(s.probe_stats_until == kNever ? secs : s.probe_stats_until / kSec, secs);
    if (p1 > p0) {
        uint64_t probes = 0;
        for (uint64_t t = p0; t < p1; ++t)
            for (uint8_t h = 0; h < H; ++h) probes += r.at(r.probes, t, h);
        m.probes_per_host_per_min = static_cast<double>(probes) / H / ((p1 - p0) / 60.0);
    }
    for (const auto& t : r.totals) {
        m.duplicates += t.duplicate_logins;
        m.peak_duplicates = std::max(m.peak_duplicates, t.peak_duplicates);
    }
    m.moved_live = r.moved_live;
    return m;
}

namespace {

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

double secs_of(TimeUs t) { return t == kNever ? -1.0 : static_cast<double>(t) / 1e6; }

}  // namespace

std::string text_table(const Scenario& s, const Result& r, const Summary& m) {
    std::string out;
    out += fmt("scenario %s: %u boxes, %u hosts, mode %s%s, %u slot(s), %.0f min simulated in "
               "%.1f s CPU (%llu events, %zu bytes per box)\n",
               r.name.c_str(), r.boxes, r.hosts, mode_name(r.mode),
               s.config.groups[0].sticky ? " (sticky)" : "", r.slots,
               static_cast<double>(r.duration) / 6e7, r.cpu_seconds,
               static_cast<unsigned long long>(r.events), r.bytes_per_box);
    out += fmt("%-5s %6s %7s %8s %8s %8s %9s %8s %8s %8s %6s\n", "host", "weight", "sample",
               "final", "peak", "connects", "refused", "logins", "probes", "pk-c/s", "dups");
    for (uint8_t h = 0; h < r.hosts; ++h) {
        const HostTotals& t = r.totals[h];
        uint32_t pk = 0;
        for (uint64_t sec = 0; sec < r.seconds(); ++sec) pk = std::max(pk, r.at(r.connects, sec, h));
        uint16_t w = h < s.config.groups[0].server_count
                         ? s.config.servers[s.config.groups[0].servers[h]].weight
                         : 0;
        out += fmt("%-5u %6u %7u %8u %8u %8llu %9llu %8llu %8llu %8u %6llu\n", h, w,
                   m.sample_sessions[h], m.final_sessions[h], t.peak_sessions,
                   static_cast<unsigned long long>(t.connects),
                   static_cast<unsigned long long>(t.refused),
                   static_cast<unsigned long long>(t.logins),
                   static_cast<unsigned long long>(t.probes), pk,
                   static_cast<unsigned long long>(t.duplicate_logins));
    }
    out += fmt("sessions max/fair share %.3f (worst weight error %.1f %%)\n", m.max_over_mean,
               100 * m.worst_weight_error);
    out += fmt("peak connects/s on one host after the fault %u (%.2f x its login rate), peak "
               "logins/s %u\n",
               m.peak_connects_per_s, m.peak_connects_over_capacity, m.peak_logins_per_s);
    if (s.recovered_host != 0xff)
        out += fmt("recovered host %u: connect rate <= %.2f x fair share (60 s windows), peak %u/s "
                   "vs fair %.2f/s\n",
                   s.recovered_host, m.recovered_over_fair, m.recovered_peak_per_s, m.fair_per_s);
    if (s.fault_at != kNever)
        out += fmt("readers re-served after the fault: p50 %.1f s, p99 %.1f s, max %.1f s; never: "
                   "%llu\n",
                   secs_of(m.reserve_p50), secs_of(m.reserve_p99), secs_of(m.reserve_max),
                   static_cast<unsigned long long>(m.unserved_at_end));
    out += fmt("probes per host per minute (idle, fleet) %.1f; per box-host gap min %.1f s mean "
               "%.1f s (%llu below %.0f s)\n",
               m.probes_per_host_per_min, secs_of(r.probe_gap_min_us), r.probe_gap_mean_us / 1e6,
               static_cast<unsigned long long>(r.probe_gaps_fast),
               static_cast<double>(s.probe_gap_floor_us ? s.probe_gap_floor_us
                                                        : s.config.groups[0].health.inter_ms *
                                                              kMs *
                                                              (100 - s.config.groups[0].health.jitter_pct) /
                                                              100) /
                   1e6);
    out += fmt("duplicate logins %llu (peak %u at once on one host); live sessions moved %llu; "
               "hang cuts %llu; failovers %llu; slot refusals %llu\n",
               static_cast<unsigned long long>(m.duplicates), m.peak_duplicates,
               static_cast<unsigned long long>(m.moved_live),
               static_cast<unsigned long long>(r.hung_cuts),
               static_cast<unsigned long long>(r.failovers),
               static_cast<unsigned long long>(r.slot_idle));
    return out;
}

std::string json_summary(const Scenario& s, const Result& r, const Summary& m) {
    std::string o = "{";
    o += fmt("\"scenario\":\"%s\",\"boxes\":%u,\"hosts\":%u,\"mode\":\"%s\",\"sticky\":%s,"
             "\"slots\":%u,\"simulated_s\":%.0f,\"wall_s\":%.2f,\"cpu_s\":%.2f,\"events\":%llu,"
             "\"bytes_per_box\":%zu,",
             r.name.c_str(), r.boxes, r.hosts, mode_name(r.mode),
             s.config.groups[0].sticky ? "true" : "false", r.slots,
             static_cast<double>(r.duration) / 1e6, r.wall_seconds, r.cpu_seconds,
             static_cast<unsigned long long>(r.events), r.bytes_per_box);
    o += fmt("\"max_over_fair\":%.4f,\"worst_weight_error\":%.4f,\"peak_connects_per_s\":%u,"
             "\"peak_connects_over_login_rate\":%.3f,\"peak_logins_per_s\":%u,",
             m.max_over_mean, m.worst_weight_error, m.peak_connects_per_s,
             m.peak_connects_over_capacity, m.peak_logins_per_s);
    o += fmt("\"recovered_over_fair\":%.3f,\"recovered_peak_per_s\":%u,\"fair_per_s\":%.3f,",
             m.recovered_over_fair, m.recovered_peak_per_s, m.fair_per_s);
    o += fmt("\"reserve_p50_s\":%.2f,\"reserve_p99_s\":%.2f,\"reserve_max_s\":%.2f,"
             "\"unserved_at_end\":%llu,",
             secs_of(m.reserve_p50), secs_of(m.reserve_p99), secs_of(m.reserve_max),
             static_cast<unsigned long long>(m.unserved_at_end));
    o += fmt("\"probes_per_host_per_min\":%.2f,\"probe_gap_min_s\":%.2f,\"probe_gap_mean_s\":%.2f,"
             "\"probe_gaps_fast\":%llu,\"duplicates\":%llu,\"peak_duplicates\":%u,"
             "\"moved_live\":%llu,\"hung_cuts\":%llu,\"failovers\":%llu,\"slot_idle\":%llu,"
             "\"hosts_detail\":[",
             m.probes_per_host_per_min, secs_of(r.probe_gap_min_us), r.probe_gap_mean_us / 1e6,
             static_cast<unsigned long long>(r.probe_gaps_fast),
             static_cast<unsigned long long>(m.duplicates), m.peak_duplicates,
             static_cast<unsigned long long>(m.moved_live),
             static_cast<unsigned long long>(r.hung_cuts),
             static_cast<unsigned long long>(r.failovers),
             static_cast<unsigned long long>(r.slot_idle));
    for (uint8_t h = 0; h < r.hosts; ++h) {
        const HostTotals& t = r.totals[h];
        o += fmt("%s{\"host\":%u,\"sample_sessions\":%u,\"final_sessions\":%u,\"peak_sessions\":%u,"
                 "\"connects\":%llu,\"refused\":%llu,\"logins\":%llu,\"probes\":%llu,"
                 "\"duplicates\":%llu,\"max_conns\":%u}",
                 h ? "," : "", h, m.sample_sessions[h], m.final_sessions[h], t.peak_sessions,
                 static_cast<unsigned long long>(t.connects),
                 static_cast<unsigned long long>(t.refused),
                 static_cast<unsigned long long>(t.logins),
                 static_cast<unsigned long long>(t.probes),
                 static_cast<unsigned long long>(t.duplicate_logins),
                 h < s.hosts.size() ? s.hosts[h].max_conns : 0);
    }
    o += "]}";
    return o;
}

std::string series_table(const Result& r) {
    std::string o = "# second";
    for (uint8_t h = 0; h < r.hosts; ++h) o += fmt(" sessions%u", h);
    for (uint8_t h = 0; h < r.hosts; ++h) o += fmt(" connects%u", h);
    o += " served\n";
    for (uint64_t t = 0; t < r.seconds(); ++t) {
        o += fmt("%llu", static_cast<unsigned long long>(t));
        for (uint8_t h = 0; h < r.hosts; ++h) o += fmt(" %u", r.at(r.sessions, t, h));
        for (uint8_t h = 0; h < r.hosts; ++h) o += fmt(" %u", r.at(r.connects, t, h));
        o += fmt(" %u\n", r.served[t]);
    }
    return o;
}

}  // namespace stbf::sim::fleet
