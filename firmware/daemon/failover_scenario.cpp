#include "failover_scenario.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <thread>

#include "stbf/engine.h"
#include "stbf/posix_port.h"
#include "stbf/runtime.h"

namespace stbf::standin {
namespace {

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

/// Time of the first event of `kind` at or after `since` (and its upstream); -1 if none.
double first_at(const std::vector<ClientEvent>& events, ClientEvent::Kind kind, double since,
                std::string* upstream = nullptr) {
    for (const ClientEvent& e : events) {
        if (e.kind == kind && e.at_ms >= since) {
            if (upstream != nullptr) *upstream = e.upstream;
            return e.at_ms;
        }
    }
    return -1;
}

/// Time of the first keepalive in [from, to) that no answer followed before `to`; -1 if none.
double first_unanswered(const std::vector<ClientEvent>& events, double from, double to) {
    double pending = -1;
    for (const ClientEvent& e : events) {
        if (e.at_ms < from || e.at_ms >= to) continue;
        if (e.kind == ClientEvent::Kind::Sent && pending < 0) pending = e.at_ms;
        if (e.kind == ClientEvent::Kind::Answered) pending = -1;
    }
    return pending;
}

constexpr uint64_t kStepUs = 10'000;  // longest wait of one runtime step

}  // namespace

namespace {

/// A port free on 127.0.0.1 right now (the kernel's pick; 0 if none).
uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    uint16_t port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

}  // namespace

std::unique_ptr<Config> make_group_config(const std::vector<const Upstream*>& upstreams,
                                          uint32_t hang_timeout_ms, uint8_t slots) {
    auto config = std::make_unique<Config>();
    GroupConfig& g = config->groups[0];
    g.name.assign("demo");
    g.listen_addr.assign("127.0.0.1");
    g.listen_port = 0;
    g.listen_pinned = true;
    g.slots = slots;  // explicit: 0 would mean "automatic"
    if (slots > 1) {
        for (uint8_t k = 0; k < slots && k < STBF_MAX_SLOTS; ++k)
            g.slot_ports[k] = free_loopback_port();
        g.listen_port = g.slot_ports[0];
    }
    g.mode = Mode::Ordered;
    g.session.hang_timeout_ms = hang_timeout_ms;
    for (const Upstream* u : upstreams) {
        ServerConfig& s = config->servers[config->server_count];
        s.label.assign(u->name().c_str());
        s.host.assign("127.0.0.1");
        s.port = u->port();
        s.protocol = Protocol::Cccam;
        s.probe = ProbeKind::Cccam;
        g.servers[g.server_count++] = config->server_count++;
    }
    config->group_count = 1;
    return config;
}

namespace {

/// The runtime over the POSIX port on its own thread, serving one group over `upstreams`.
class Relay {
  public:
    ~Relay() { stop(); }
    bool start(const std::vector<const Upstream*>& upstreams, uint32_t hang_timeout_ms,
               uint8_t slots, std::string* error) {
        PosixPortOptions port_options;
        port_options.log_level = STBF_LOG_WARNING;
        port_ = PosixPort::create(port_options, error);
        if (!port_) return false;
        std::unique_ptr<Config> config = make_group_config(upstreams, hang_timeout_ms, slots);
        engine_ = std::make_unique<DefaultEngine>();
        runtime_ = std::make_unique<DefaultRuntime>(*engine_, port_->table());
        const Status st = runtime_->init(*config, port_->table()->now(port_->table()->ctx));
        stbf_addr listen{};
        if (st != Status::Ok || !runtime_->listener_address(0, &listen)) {
            *error = std::string("runtime did not start: ") + status_name(st);
            return false;
        }
        ports_.push_back(listen.port);
        for (uint8_t k = 1; k < slots; ++k) ports_.push_back(config->groups[0].slot_ports[k]);
        thread_ = std::thread([this] {
            while (!stop_) runtime_->step(kStepUs);
        });
        return true;
    }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (runtime_) runtime_->shutdown();
        runtime_.reset();
    }
    /// Local port of each slot.
    const std::vector<uint16_t>& ports() const { return ports_; }

  private:
    std::unique_ptr<PosixPort> port_;
    std::unique_ptr<DefaultEngine> engine_;
    std::unique_ptr<DefaultRuntime> runtime_;
    std::vector<uint16_t> ports_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

/// Name of the upstream reader `r` is logged in on ("-": not logged in; "?": unknown greeting).
std::string home_of(const Softcam& cam, unsigned r, const std::vector<const Upstream*>& upstreams) {
    if (!cam.logged_in(r)) return "-";
    const std::vector<uint8_t> g = cam.greeting(r);
    for (const Upstream* u : upstreams)
        if (std::equal(u->greeting().begin(), u->greeting().end(), g.begin(), g.end()))
            return u->name();
    return "?";
}

std::vector<std::string> homes_of(const Softcam& cam, unsigned readers,
                                  const std::vector<const Upstream*>& upstreams) {
    std::vector<std::string> h;
    for (unsigned r = 0; r < readers; ++r) h.push_back(home_of(cam, r, upstreams));
    return h;
}

/// Sleeps until now_ms() >= t, in 5 ms steps.
void sleep_until_ms(double t) {
    while (now_ms() < t) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace

ScenarioResult run_failover_scenario(const ScenarioOptions& o,
                                     const std::function<void(const std::string&)>& narrate) {
    ScenarioResult r;
    const double t0 = now_ms();
    std::mutex say_mutex;
    auto say = [&](double at, const std::string& text) {
        if (!narrate) return;
        std::lock_guard<std::mutex> lock(say_mutex);
        narrate(format("[%6.3f s] ", (at - t0) / 1000) + text);
    };

    Upstream a("A", 1), b("B", 2), c("C", 3);
    Upstream* all[] = {&a, &b, &c};
    for (Upstream* u : all) {
        if (!u->start(&r.error)) return r;
    }
    Relay relay;
    if (!relay.start({&a, &b, &c}, o.hang_timeout_ms, 1, &r.error)) return r;
    stbf_addr listen{};
    listen.port = relay.ports()[0];
    say(now_ms(), format("group \"demo\" on 127.0.0.1:%u, ordered over stand-in CCcam upstreams "
                         "A (:%u), B (:%u), C (:%u)",
                         listen.port, a.port(), b.port(), c.port()));
    say(now_ms(), format("client: keepalive every %.0f ms, reconnects %.0f ms after a close; "
                         "hang window %u ms",
                         o.keepalive_ms, o.reconnect_ms, o.hang_timeout_ms));

    Client client({listen.port, o.reconnect_ms, o.keepalive_ms, 2000}, {&a, &b, &c});
    client.start([&](const ClientEvent& e) {
        if (e.kind == ClientEvent::Kind::Served)
            say(e.at_ms, "client served by upstream " + e.upstream);
        else if (e.kind != ClientEvent::Kind::Sent && e.kind != ClientEvent::Kind::Answered)
            say(e.at_ms, std::string("client: ") + client_event_name(e.kind));
    });

    auto named = [&](const std::string& name) -> Upstream* {
        for (Upstream* u : all)
            if (u->name() == name) return u;
        return nullptr;
    };
    enum class Phase { First, AfterKill, AfterHang, Done } phase = Phase::First;
    double kill_at = 0, hang_at = 0, served_after_kill = 0;
    while (phase != Phase::Done) {
        std::this_thread::sleep_for(std::chrono::microseconds(kStepUs));
        const double t = now_ms();
        if (t - t0 > o.bound_ms) {
            r.error = format("no failover within %.0f ms", o.bound_ms);
            break;
        }
        const std::vector<ClientEvent> events = client.events();
        std::string who;
        if (phase == Phase::First) {
            const double served = first_at(events, ClientEvent::Kind::Served, t0, &who);
            if (served < 0 || t < served + o.settle_ms) continue;
            r.first = who;
            Upstream* victim = named(who);
            if (victim == nullptr) break;
            victim->kill();
            kill_at = now_ms();
            say(kill_at, "upstream " + who + " killed (process died)");
            phase = Phase::AfterKill;
        } else if (phase == Phase::AfterKill) {
            const double served = first_at(events, ClientEvent::Kind::Served, kill_at, &who);
            if (served < 0) continue;
            if (r.after_kill.empty()) {
                r.after_kill = who;
                const double closed = first_at(events, ClientEvent::Kind::Closed, kill_at);
                r.kill_to_close_ms = closed - kill_at;
                r.close_to_served_ms = served - closed;
                say(served, format("-> served by %s %.0f ms after its connection closed (the "
                                   "client's own reconnect delay: %.0f ms)",
                                   who.c_str(), r.close_to_served_ms, o.reconnect_ms));
            }
            if (t < served + o.settle_ms) continue;
            Upstream* victim = named(who);
            if (victim == nullptr) break;
            served_after_kill = served;
            victim->hang();
            hang_at = now_ms();
            say(hang_at, "upstream " + who + " hung (accepts connections, never answers)");
            phase = Phase::AfterHang;
        } else {
            const double served = first_at(events, ClientEvent::Kind::Served, hang_at, &who);
            if (served < 0) continue;
            r.after_hang = who;
            const double closed = first_at(events, ClientEvent::Kind::Closed, hang_at);
            const double unanswered = first_unanswered(events, served_after_kill, closed);
            r.unanswered_to_close_ms = closed - unanswered;
            r.unanswered_to_served_ms = served - unanswered;
            say(served, format("-> session cut %.0f ms after the first unanswered keepalive; "
                               "served by %s %.0f ms after it",
                               r.unanswered_to_close_ms, who.c_str(), r.unanswered_to_served_ms));
            phase = Phase::Done;
        }
    }
    client.stop();
    relay.stop();
    r.ok = phase == Phase::Done && r.first != r.after_kill && r.after_kill != r.after_hang &&
           r.after_kill != "?" && r.after_hang != "?";
    if (!r.ok && r.error.empty()) r.error = "the client was not moved to another upstream";
    return r;
}

// ---- black-screen time ----------------------------------------------------------------------

const char* setup_name(Setup s) {
    switch (s) {
        case Setup::DirectOne:
            return "direct, one reader";
        case Setup::DirectTwo:
            return "direct, two readers";
        case Setup::RelayOneSlot:
            return "stbfailover, slots=1";
        case Setup::RelayTwoSlots:
            return "stbfailover, slots=2";
    }
    return "?";
}

const char* fault_name(Fault f) {
    switch (f) {
        case Fault::Kill:
            return "kill";
        case Fault::Hang:
            return "hang";
        case Fault::Flap:
            return "flap";
    }
    return "?";
}

unsigned setup_readers(Setup s) {
    return s == Setup::DirectOne || s == Setup::RelayOneSlot ? 1 : 2;
}

BlackScreenResult run_black_screen(const BlackScreenOptions& o,
                                   const std::function<void(const std::string&)>& narrate) {
    BlackScreenResult r;
    std::mutex say_mutex;
    auto say = [&](const std::string& text) {
        if (!narrate) return;
        std::lock_guard<std::mutex> lock(say_mutex);
        narrate(format("[%8.3f s] ", now_ms() / 1000) + text);
    };
    Upstream a("A", 1, Upstream::Wire::Line), b("B", 2, Upstream::Wire::Line),
        c("C", 3, Upstream::Wire::Line);
    Upstream* all[] = {&a, &b, &c};
    for (Upstream* u : all)
        if (!u->start(&r.error)) return r;

    const bool relay = o.setup == Setup::RelayOneSlot || o.setup == Setup::RelayTwoSlots;
    const std::vector<const Upstream*> ups = {&a, &b, &c};
    std::vector<uint16_t> ports;
    Relay relay_rig;
    if (relay && o.start_relay) {
        if (!o.start_relay({a.port(), b.port(), c.port()}, setup_readers(o.setup), &ports,
                           &r.error))
            return r;
    } else if (relay) {
        if (!relay_rig.start(ups, o.hang_timeout_ms, static_cast<uint8_t>(setup_readers(o.setup)),
                             &r.error))
            return r;
        ports = relay_rig.ports();
    } else {
        ports.push_back(a.port());
        if (o.setup == Setup::DirectTwo) ports.push_back(b.port());
    }

    if (ports.empty()) {
        r.error = "no port to connect the softcam to";
        return r;
    }
    sim::SoftcamOptions so = o.softcam;
    so.readers = static_cast<unsigned>(ports.size());
    Softcam cam(ports, so);
    auto home = [&](unsigned reader) { return home_of(cam, reader, ups); };
    auto homes = [&] { return homes_of(cam, so.readers, ups); };
    say(format("%s, fault %s: readers on 127.0.0.1:%u%s", setup_name(o.setup), fault_name(o.fault),
               ports[0], ports.size() > 1 ? format(" and :%u", ports[1]).c_str() : ""));
    cam.start([&](const sim::ReaderEvent& e) {
        say(format(
            "reader %u %s%s", e.reader, sim::reader_event_name(e.kind),
            e.kind == sim::ReaderEventKind::LoggedIn ? (" on " + home(e.reader)).c_str() : ""));
    });
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(o.warmup_ms));
    r.victim = home(0);
    Upstream* victim = nullptr;
    for (Upstream* u : all)
        if (u->name() == r.victim) victim = u;
    if (victim == nullptr) {
        cam.stop();
        r.error = "reader 0 was not logged in before the fault";
        return r;
    }
    r.fault_at_us = static_cast<uint64_t>(now_ms() * 1000);
    const double fault_end = now_ms() + o.fault_ms;
    const double look_at = now_ms() + o.fault_ms * 0.8;
    auto wait_to = [&](double t) {
        // Sleep until t, taking the "during" snapshot on the way.
        while (now_ms() < t) {
            if (r.homes_during.empty() && now_ms() >= look_at) r.homes_during = homes();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    };
    std::string error;
    bool restarted = true;
    switch (o.fault) {
        case Fault::Kill:
            victim->kill();
            say("upstream " + r.victim + " killed");
            wait_to(fault_end);
            restarted = victim->restart(&error);
            break;
        case Fault::Hang:
            victim->hang();
            say("upstream " + r.victim + " hung");
            wait_to(fault_end);
            victim->resume();
            break;
        case Fault::Flap:
            for (int cycle = 0; cycle < 1000 && now_ms() < fault_end; ++cycle) {
                victim->kill();
                say("upstream " + r.victim + " down (flapping)");
                wait_to(std::min(fault_end, now_ms() + o.flap_down_ms));
                restarted = restarted && victim->restart(&error);
                wait_to(std::min(fault_end, now_ms() + o.flap_up_ms));
            }
            break;
    }
    if (r.homes_during.empty()) r.homes_during = homes();
    say("upstream " + r.victim + " back");
    r.back_at_us = static_cast<uint64_t>(now_ms() * 1000);
    wait_to(now_ms() + o.after_ms);
    r.homes_end = homes();
    r.end_us = static_cast<uint64_t>(now_ms() * 1000);
    cam.stop();
    relay_rig.stop();
    r.requests = cam.requests();
    r.events = cam.events();
    r.ok = restarted;
    if (!restarted) r.error = error;
    return r;
}

// ---- the demo ------------------------------------------------------------------------------

SlotsDemoResult run_slots_demo(const SlotsDemoOptions& o,
                               const std::function<void(const std::string&)>& narrate) {
    SlotsDemoResult r;
    const double t0 = now_ms();
    std::mutex say_mutex;
    auto say = [&](const std::string& text) {
        if (!narrate) return;
        std::lock_guard<std::mutex> lock(say_mutex);
        narrate(format("[%6.3f s] ", (now_ms() - t0) / 1000) + text);
    };
    Upstream a("A", 1, Upstream::Wire::Line), b("B", 2, Upstream::Wire::Line),
        c("C", 3, Upstream::Wire::Line);
    Upstream* all[] = {&a, &b, &c};
    const std::vector<const Upstream*> ups = {&a, &b, &c};
    for (Upstream* u : all)
        if (!u->start(&r.error)) return r;
    Relay relay;
    if (!relay.start(ups, o.hang_timeout_ms, 2, &r.error)) return r;
    const std::vector<uint16_t>& ports = relay.ports();
    say(
        format("group \"demo\": slot 1 on 127.0.0.1:%u, slot 2 on 127.0.0.1:%u, ordered over "
               "stand-in line upstreams A (:%u), B (:%u), C (:%u); hang window %u ms",
               ports[0], ports[1], a.port(), b.port(), c.port(), o.hang_timeout_ms));
    say(
        format("softcam: OSCam-like, reader 1 on slot 1, reader 2 (fallback) on slot 2; one ECM "
               "every %.0f ms, fallback after %.0f ms, keepalive every %.0f s; it reconnects "
               "only on its idle tick, every %.0f s here (a real OSCam: ~13 s)",
               o.softcam.ecm_every_us / 1e3, o.softcam.fallback_timeout_us / 1e3,
               o.softcam.keepalive_every_us / 1e6, o.softcam.idle_tick_us / 1e6));
    Softcam cam(ports, o.softcam);
    cam.start([&](const sim::ReaderEvent& e) {
        if (e.kind == sim::ReaderEventKind::LoggedIn)
            say(format("reader %u logged in on upstream %s (slot %u)", e.reader + 1,
                       home_of(cam, e.reader, ups).c_str(), e.reader + 1));
        else if (e.kind != sim::ReaderEventKind::Connecting &&
                 e.kind != sim::ReaderEventKind::Connected)
            say(format("reader %u: %s", e.reader + 1, sim::reader_event_name(e.kind)));
    });
    auto wait_for = [&](const std::function<bool()>& done) {
        const double until = now_ms() + o.step_bound_ms;
        while (!done()) {
            if (now_ms() > until) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    };
    auto homes = [&] { return homes_of(cam, 2, ups); };
    auto distinct_healthy = [&](const std::string& bad) {
        const std::vector<std::string> h = homes();
        return h[0] != "-" && h[1] != "-" && h[0] != h[1] && h[0] != bad && h[1] != bad;
    };
    auto named = [&](const std::string& n) -> Upstream* {
        for (Upstream* u : all)
            if (u->name() == n) return u;
        return nullptr;
    };
    auto fail = [&](const std::string& why) {
        cam.stop();
        relay.stop();
        r.error = why;
        return r;
    };

    if (!wait_for([&] { return distinct_healthy(""); }))
        return fail("the two slots were not served by two upstreams");
    const uint64_t both_at = static_cast<uint64_t>(now_ms() * 1000);
    r.homes_start = homes();
    sleep_until_ms(now_ms() + o.settle_ms);

    r.killed = home_of(cam, 0, ups);
    named(r.killed)->kill();
    say("upstream " + r.killed + " killed (serving slot 1): the softcam's fallback reader on " +
        r.homes_start[1] + " answers at once");
    if (!wait_for([&] { return distinct_healthy(r.killed); }))
        return fail("slot 1 was not served again on another upstream");
    r.homes_after_kill = homes();
    say("slot 1 re-homed on " + r.homes_after_kill[0] + " (slot 2 stays on " +
        r.homes_after_kill[1] + ")");
    sleep_until_ms(now_ms() + o.settle_ms);
    std::string error;
    if (!named(r.killed)->restart(&error)) return fail(error);
    say("upstream " + r.killed + " is back");
    sleep_until_ms(now_ms() + o.settle_ms);

    r.hung = home_of(cam, 0, ups);
    named(r.hung)->hang();
    say("upstream " + r.hung +
        " hung (serving slot 1: accepts, never answers): ECMs wait for "
        "the fallback reader until stbfailover cuts the hung session");
    if (!wait_for([&] { return distinct_healthy(r.hung); }))
        return fail("slot 1 was not served again after the hang");
    r.homes_after_hang = homes();
    say("slot 1 re-homed on " + r.homes_after_hang[0] + " (slot 2 stays on " +
        r.homes_after_hang[1] + ")");
    sleep_until_ms(now_ms() + o.settle_ms);
    cam.stop();
    relay.stop();

    const uint64_t end = static_cast<uint64_t>(now_ms() * 1000) - o.softcam.client_timeout_us;
    const sim::SoftcamSummary sum =
        sim::summarize(cam.requests(), both_at, end, o.softcam.fallback_timeout_us);
    r.requests = sum.requests;
    r.lost = sum.lost;
    r.late = sum.late;
    r.longest_gap_ms = sum.longest_gap_us / 1e3;
    // Readers logged in over time, from the events after both first were.
    unsigned in = 0;
    bool counting = false;
    r.min_logged_in = 2;
    bool was_in[2] = {false, false};
    for (const sim::ReaderEvent& e : cam.events()) {
        if (e.reader > 1) continue;
        if (e.kind == sim::ReaderEventKind::LoggedIn && !was_in[e.reader]) {
            was_in[e.reader] = true;
            ++in;
        } else if (e.kind == sim::ReaderEventKind::Closed && was_in[e.reader]) {
            was_in[e.reader] = false;
            --in;
        }
        if (in == 2) counting = true;
        if (counting) r.min_logged_in = std::min(r.min_logged_in, in);
    }
    r.ok = r.lost == 0 && r.min_logged_in >= 1;
    if (!r.ok)
        r.error = format("%u of %u requests lost; fewest readers logged in: %u", r.lost, r.requests,
                         r.min_logged_in);
    return r;
}

}  // namespace stbf::standin
