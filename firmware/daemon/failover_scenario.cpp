#include "failover_scenario.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>

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

std::unique_ptr<Config> make_group_config(const std::vector<const Upstream*>& upstreams,
                                          uint32_t hang_timeout_ms) {
    auto config = std::make_unique<Config>();
    GroupConfig& g = config->groups[0];
    g.name.assign("demo");
    g.listen_addr.assign("127.0.0.1");
    g.listen_port = 0;
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
    PosixPortOptions port_options;
    port_options.log_level = STBF_LOG_WARNING;
    std::unique_ptr<PosixPort> port = PosixPort::create(port_options, &r.error);
    if (!port) return r;
    const stbf_port* table = port->table();
    std::unique_ptr<Config> config = make_group_config({&a, &b, &c}, o.hang_timeout_ms);
    auto engine = std::make_unique<Engine>();
    auto runtime = std::make_unique<Runtime>(*engine, table);
    const Status st = runtime->init(*config, table->now(table->ctx));
    stbf_addr listen{};
    if (st != Status::Ok || !runtime->listener_address(0, &listen)) {
        r.error = std::string("runtime did not start: ") + status_name(st);
        return r;
    }
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
        runtime->step(kStepUs);
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
                               r.unanswered_to_close_ms, who.c_str(),
                               r.unanswered_to_served_ms));
            phase = Phase::Done;
        }
    }
    client.stop();
    runtime->shutdown();
    r.ok = phase == Phase::Done && r.first != r.after_kill && r.after_kill != r.after_hang &&
           r.after_kill != "?" && r.after_hang != "?";
    if (!r.ok && r.error.empty()) r.error = "the client was not moved to another upstream";
    return r;
}

}  // namespace stbf::standin
