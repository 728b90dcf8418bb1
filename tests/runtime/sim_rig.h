// Test rig: the real Engine and Runtime on the deterministic sim port.
//
// A Rig owns a sim::World, an Engine, a Runtime and a Config being built. Tests add servers and
// groups, call start(), script the world (kills, hangs, clients) and run virtual time with
// run_until(); every loop is bounded in steps so a stuck runtime fails instead of hanging.
#ifndef STBF_TESTS_RUNTIME_SIM_RIG_H
#define STBF_TESTS_RUNTIME_SIM_RIG_H

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config_builder.h"
#include "stbf/engine.h"
#include "stbf/runtime.h"
#include "stbf/sim.h"

namespace stbf::test {

constexpr TimeUs kMs = 1000;
constexpr TimeUs kSec = 1000 * kMs;
/// For add_softcam: the client does not reconnect.
constexpr TimeUs kNoReconnectForTests() {
    return sim::kNoReconnect;
}

class Rig {
  public:
    explicit Rig(TimeUs start_us = 0)
        : world(/*seed*/ 7, start_us),
          engine(std::make_unique<DefaultEngine>()),
          config(std::make_unique<Config>()),
          runtime(std::make_unique<DefaultRuntime>(*engine, world.port())) {
        config->seed = 99;  // fixed: timelines must not depend on the port's randomness
    }

    /// Adds a CCcam server `label` at host:port to group `group` (created on first use, on
    /// 127.0.0.1:listen_port). Returns the server's index in the config.
    uint8_t add_server(const char* group, uint16_t listen_port, const char* label, const char* host,
                       uint16_t port, Protocol protocol = Protocol::Cccam) {
        return test::add_server(*config, group, listen_port, label, host, port, protocol);
    }

    GroupConfig& group_named(const char* name, uint16_t listen_port = 0) {
        return test::group_named(*config, name, listen_port);
    }

    void start() { ASSERT_EQ(runtime->init(*config, world.now()), Status::Ok); }

    /// Run the runtime's loop until virtual time `t`.
    void run_until(TimeUs t) {
        for (int steps = 0; world.now() < t; ++steps) {
            ASSERT_LT(steps, 5'000'000) << "runtime loop did not reach t=" << t;
            ASSERT_EQ(runtime->step(t - world.now()), Status::Ok);
        }
    }

    /// Engine slot of the config server `label`; kNoServer if absent.
    ServerSlot slot_of(const char* label) const {
        for (unsigned s = 0; s < engine->server_slot_limit(); ++s) {
            const ServerConfig* c = engine->server_config(static_cast<ServerSlot>(s));
            if (c != nullptr && std::string(c->label.c_str()) == label)
                return static_cast<ServerSlot>(s);
        }
        return kNoServer;
    }
    ServerStatus status_of(const char* label) const {
        return engine->server_status(slot_of(label));
    }
    /// Label of the server the last established session of group `g` went to ("" if none).
    std::string active(uint8_t g = 0) const {
        const ServerSlot s = engine->group_status(g).active;
        const ServerConfig* c = s == kNoServer ? nullptr : engine->server_config(s);
        return c != nullptr ? c->label.c_str() : "";
    }

    /// A softcam-like client: checks the 16-byte greeting within 2 s, sends a 4-byte keepalive
    /// every `keepalive_us`, reconnects `reconnect_us` after a close.
    sim::Client& add_softcam(uint16_t listen_port, TimeUs start_at, TimeUs keepalive_us = 15 * kSec,
                             TimeUs reconnect_us = 100 * kMs, unsigned max_connects = 50) {
        sim::ClientScript script;
        script.start_at_us = start_at;
        script.greeting_size = 16;
        script.greeting_timeout_us = 2 * kSec;
        script.keepalive_every_us = keepalive_us;
        script.reconnect_after_close_us = reconnect_us;
        script.reconnect_after_failure_us = reconnect_us;
        script.max_connects = max_connects;
        return world.add_client("127.0.0.1", listen_port, script);
    }

    sim::World world;
    std::unique_ptr<DefaultEngine> engine;
    std::unique_ptr<Config> config;
    std::unique_ptr<DefaultRuntime> runtime;  // large: relay buffers for every session
};

}  // namespace stbf::test

#endif  // STBF_TESTS_RUNTIME_SIM_RIG_H
