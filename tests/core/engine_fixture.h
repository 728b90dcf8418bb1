// Shared fixture of the engine tests: a config builder and an engine driven by hand with an
// explicit clock (virtual time).
#ifndef STBF_TESTS_CORE_ENGINE_FIXTURE_H
#define STBF_TESTS_CORE_ENGINE_FIXTURE_H

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "stbf/engine.h"

namespace stbf {
namespace testing_engine {

constexpr TimeUs kMs = 1000;
constexpr TimeUs kSec = 1000 * kMs;
// Start far from zero: nothing may assume small timestamps (a box has been up for days).
constexpr TimeUs kT0 = (TimeUs{1} << 40);

inline Config make_config(int servers, Mode mode = Mode::Ordered) {
    Config c;
    c.server_count = static_cast<uint16_t>(servers);
    for (int i = 0; i < servers; ++i) {
        ServerConfig& s = c.servers[i];
        char host[32];
        std::snprintf(host, sizeof host, "srv%d.example.net", i + 1);
        s.host.assign(host);
        s.label.assign(host);
        s.port = static_cast<uint16_t>(12000 + i);
        s.protocol = Protocol::Cccam;
        s.probe = ProbeKind::Cccam;
        s.user.assign("user");
    }
    c.group_count = 1;
    GroupConfig& g = c.groups[0];
    g.name.assign("line1");
    g.listen_port = 20000;
    g.mode = mode;
    g.server_count = static_cast<uint8_t>(servers);
    for (int i = 0; i < servers; ++i) g.servers[i] = static_cast<uint8_t>(i);
    return c;
}

class EngineTest : public ::testing::Test {
  protected:
    // The engine is large (fixed tables); keep it off the stack as a box would (static).
    std::unique_ptr<DefaultEngine> engine = std::make_unique<DefaultEngine>();
    TimeUs now = kT0;

    void init(const Config& c, uint64_t seed = 42) {
        ASSERT_EQ(engine->init(c, seed, now), Status::Ok);
    }
    std::vector<Action> drain() {
        std::vector<Action> out;
        Action a;
        while (engine->pop_action(&a)) out.push_back(a);
        return out;
    }
    // Advance the clock to `t`, firing every deadline on the way; returns the actions.
    std::vector<Action> advance_to(TimeUs t) {
        std::vector<Action> out;
        for (int guard = 0; guard < 100000; ++guard) {
            TimeUs d = engine->next_deadline();
            if (d > t) break;
            now = d > now ? d : now;
            engine->on_timeout(now);
            for (auto& a : drain()) out.push_back(a);
        }
        now = t;
        return out;
    }
    // Answer every probe in `actions` with `ok` (immediately, at `now`).
    void answer_probes(const std::vector<Action>& actions, bool ok, Reason why = Reason::Refused) {
        for (const Action& a : actions) {
            if (a.kind == ActionKind::Probe) {
                ASSERT_EQ(engine->probe_result(a.server, a.probe, ok, why, now), Status::Ok);
            }
        }
    }
    // Run until `until`, answering probes of `server` with `ok` and all others with success.
    // Returns every action seen on the way.
    std::vector<Action> run_with_probes(TimeUs until, ServerSlot server, bool ok) {
        std::vector<Action> seen;
        for (int guard = 0; guard < 100000; ++guard) {
            TimeUs d = engine->next_deadline();
            if (d > until) break;
            now = d > now ? d : now;
            engine->on_timeout(now);
            for (auto& a : drain()) {
                seen.push_back(a);
                if (a.kind == ActionKind::Probe)
                    engine->probe_result(a.server, a.probe, a.server == server ? ok : true,
                                         Reason::Refused, now);
            }
        }
        now = until;
        return seen;
    }
    // Opens a session on `slot` of `group` and returns its first Connect (kind is not Connect
    // if none was queued); the attempt is left in flight.
    Action open_connecting(uint8_t group, uint8_t slot, SessionId* sid) {
        EXPECT_EQ(engine->session_open_slot(group, slot, now, sid), Status::Ok);
        auto acts = drain();
        const Action* c = find(acts, ActionKind::Connect);
        Action none{};
        none.kind = ActionKind::CloseSession;
        none.server = kNoServer;
        return c ? *c : none;
    }
    // Fire the first check of every server (within 2 s) and answer each one `latency_ms(server)`
    // after it was sent, keeping the clock monotonic.
    template <typename LatencyFn>
    void first_checks_with_latency(LatencyFn latency_ms) {
        TimeUs end = now + 2 * kSec;
        for (int guard = 0; guard < 1000; ++guard) {
            TimeUs d = engine->next_deadline();
            if (d > end) break;
            now = d > now ? d : now;
            engine->on_timeout(now);
            for (auto& a : drain()) {
                if (a.kind != ActionKind::Probe) continue;
                now += latency_ms(a.server) * kMs;
                engine->probe_result(a.server, a.probe, true, Reason::None, now);
            }
        }
    }
    static std::vector<Action> without_probes(const std::vector<Action>& v) {
        std::vector<Action> out;
        for (const Action& a : v)
            if (a.kind != ActionKind::Probe && a.kind != ActionKind::CancelProbe) out.push_back(a);
        return out;
    }
    static const Action* find(const std::vector<Action>& v, ActionKind k) {
        for (const Action& a : v)
            if (a.kind == k) return &a;
        return nullptr;
    }
    // Opens a session and makes it live on whatever server the engine picks first.
    SessionId open_live(uint8_t group = 0, uint8_t slot = 0) {
        SessionId sid = 0;
        EXPECT_EQ(engine->session_open_slot(group, slot, now, &sid), Status::Ok);
        auto acts = drain();
        const Action* c = find(acts, ActionKind::Connect);
        EXPECT_NE(c, nullptr);
        if (c == nullptr) return 0;
        EXPECT_EQ(engine->attempt_connected(sid, c->attempt, now), Status::Ok);
        EXPECT_EQ(engine->attempt_ready(sid, c->attempt, now), Status::Ok);
        auto relay = drain();
        EXPECT_NE(find(relay, ActionKind::Relay), nullptr);
        return sid;
    }
    ServerState state(ServerSlot s) { return engine->server_status(s).state; }
    // Answer every pending check of the first two seconds: `server` fails (`ok` false) with
    // Refused, the others pass.
    void first_checks(ServerSlot server, bool ok) { run_with_probes(now + 2 * kSec, server, ok); }
    // Fail active checks of `server` until it is Down (the others pass).
    void make_down(ServerSlot server) {
        for (int guard = 0; guard < 100 && state(server) != ServerState::Down; ++guard)
            run_with_probes(engine->next_deadline(), server, false);
        ASSERT_EQ(state(server), ServerState::Down);
    }
    // Pass checks of every server until `server` is Up again.
    void make_up(ServerSlot server) {
        for (int guard = 0; guard < 100 && state(server) != ServerState::Up; ++guard)
            run_with_probes(engine->next_deadline(), server, true);
        ASSERT_EQ(state(server), ServerState::Up);
    }
    std::vector<Notice> notices() {
        std::vector<Notice> out;
        Notice n;
        while (engine->pop_notice(&n)) out.push_back(n);
        return out;
    }
};

}  // namespace testing_engine
}  // namespace stbf

#endif  // STBF_TESTS_CORE_ENGINE_FIXTURE_H
