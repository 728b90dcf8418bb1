// Failover scenarios (kill, hang, refused, reload) of the real Engine + Runtime on the lwIP port
// (platform/lwip), in one process: the upstream line servers and the softcam are further users
// of the same port and lwIP stack (loopback 127.0.0.1), with tags below kRuntimeTagBit, so the
// runtime hands their events to its foreign handler. The port's virtual clock drives lwIP's
// timers and the runtime alike; every loop is bounded in steps and time.
//
// These are the sim scenarios' outcomes on a real TCP/IP stack: lwIP's segments, windows, FIN
// and RST instead of the simulator's model, so assertions are about order and outcome (who
// serves, what the client saw, within which window), not exact microseconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../support/port_addr.h"
#include "config_builder.h"
#include "stbf/engine.h"
#include "stbf/greeting.h"
#include "stbf/lwip_port.h"
#include "stbf/runtime.h"

namespace stbf::test {
namespace {

constexpr TimeUs kMs = 1000;
constexpr TimeUs kSec = 1000 * kMs;

std::vector<uint8_t> greeting_of(uint8_t id) {
    std::vector<uint8_t> g(16);
    for (uint8_t i = 0; i < 12; ++i) g[i] = static_cast<uint8_t>(id * 16 + i);
    make_cccam_greeting(g.data(), g.data());
    return g;
}

// Foreign users of the port: each socket's events go to a callback found by tag.
class Actors {
  public:
    explicit Actors(const stbf_port* port) : port_(port) {}
    const stbf_port* port() const { return port_; }
    TimeUs now() const { return port_->now(port_->ctx); }

    uint32_t watch(stbf_sock s, unsigned interest, std::function<void(const stbf_event&)> fn) {
        const uint32_t tag = next_tag_++;  // never reaches kRuntimeTagBit in a test
        handlers_[tag] = std::move(fn);
        port_->watch(port_->ctx, s, interest, tag);
        return tag;
    }
    void forget(uint32_t tag) { handlers_.erase(tag); }
    void dispatch(const stbf_event& e) {
        auto it = handlers_.find(e.tag);
        if (it != handlers_.end()) {
            auto fn = it->second;  // the handler may replace itself
            fn(e);
        }
    }

    void at(TimeUs when, std::function<void()> fn) { timers_.emplace(when, std::move(fn)); }
    TimeUs next_timer() const { return timers_.empty() ? ~TimeUs(0) : timers_.begin()->first; }
    void fire_due() {
        for (int i = 0; i < 1000 && !timers_.empty() && timers_.begin()->first <= now(); ++i) {
            auto fn = timers_.begin()->second;
            timers_.erase(timers_.begin());
            fn();
        }
    }

  private:
    const stbf_port* port_;
    uint32_t next_tag_ = 1;
    std::map<uint32_t, std::function<void(const stbf_event&)>> handlers_;
    std::multimap<TimeUs, std::function<void()>> timers_;
};

// A CCcam line server: greets on accept, answers every 4-byte keepalive. kill() closes it
// (listener and sessions); stop() freezes it like SIGSTOP: lwIP still completes handshakes,
// nothing is read or sent any more.
class LineServer {
  public:
    LineServer(Actors& actors, uint16_t port, uint8_t id) : a_(actors), id_(id) {
        const stbf_addr where = loopback_addr(port);
        const stbf_port* p = a_.port();
        EXPECT_EQ(p->tcp_listen(p->ctx, &where, &listener_), STBF_PORT_OK);
        listener_tag_ =
            a_.watch(listener_, STBF_READABLE, [this](const stbf_event&) { accept_all(); });
    }
    void kill() {
        const stbf_port* p = a_.port();
        for (auto& c : conns_) {
            a_.forget(c.second);
            p->tcp_close(p->ctx, c.first);
        }
        conns_.clear();
        a_.forget(listener_tag_);
        p->tcp_close(p->ctx, listener_);
        listener_ = STBF_SOCK_INVALID;
    }
    void stop() {
        const stbf_port* p = a_.port();
        p->watch(p->ctx, listener_, 0, 0);
        for (auto& c : conns_) p->watch(p->ctx, c.first, 0, 0);
        stopped_ = true;
    }
    unsigned accepted() const { return accepted_; }
    unsigned answered() const { return answered_; }

  private:
    void accept_all() {
        const stbf_port* p = a_.port();
        for (int i = 0; i < 16 && !stopped_; ++i) {
            stbf_sock c = STBF_SOCK_INVALID;
            if (p->tcp_accept(p->ctx, listener_, &c, nullptr) != STBF_PORT_OK) return;
            ++accepted_;
            const std::vector<uint8_t> g = greeting_of(id_);
            size_t sent = 0;
            p->tcp_send(p->ctx, c, g.data(), g.size(), &sent);
            conns_[c] = a_.watch(c, STBF_READABLE, [this, c](const stbf_event&) { serve(c); });
        }
    }
    void serve(stbf_sock c) {
        const stbf_port* p = a_.port();
        uint8_t buf[256];
        size_t got = 0;
        const stbf_port_status st = p->tcp_recv(p->ctx, c, buf, sizeof(buf), &got);
        if (st == STBF_PORT_OK) {
            for (size_t off = 0; off + 4 <= got; off += 4) {  // keepalive: answer in kind
                size_t sent = 0;
                p->tcp_send(p->ctx, c, buf + off, 4, &sent);
                ++answered_;
            }
            return;
        }
        if (st == STBF_PORT_WOULD_BLOCK) return;
        a_.forget(conns_[c]);
        conns_.erase(c);
        p->tcp_close(p->ctx, c);
    }

    Actors& a_;
    uint8_t id_;
    stbf_sock listener_ = STBF_SOCK_INVALID;
    uint32_t listener_tag_ = 0;
    std::map<stbf_sock, uint32_t> conns_;
    bool stopped_ = false;
    unsigned accepted_ = 0;
    unsigned answered_ = 0;
};

// A softcam's client reader: connects, wants the 16-byte greeting within 2 s, sends a 4-byte
// keepalive every `keepalive_us`, reconnects 100 ms after a close or refusal.
class Softcam {
  public:
    Softcam(Actors& actors, uint16_t port, TimeUs start_at, TimeUs keepalive_us)
        : a_(actors), port_(port), keepalive_us_(keepalive_us) {
        a_.at(start_at, [this] { connect(); });
    }
    ~Softcam() { drop(); }

    bool connected() const { return sock_ != STBF_SOCK_INVALID && established_; }
    const std::vector<uint8_t>& received() const { return received_; }
    std::vector<TimeUs> closes;     // when a session ended (FIN or RST from the relay)
    std::vector<TimeUs> greetings;  // when a full 16-byte greeting arrived
    unsigned refusals = 0;
    unsigned greeting_timeouts = 0;

  private:
    void connect() {
        const stbf_port* p = a_.port();
        const stbf_addr to = loopback_addr(port_);
        received_.clear();
        established_ = false;
        const uint64_t generation = ++generation_;
        const stbf_port_status st = p->tcp_connect(p->ctx, &to, &sock_);
        if (st != STBF_PORT_IN_PROGRESS && st != STBF_PORT_OK) {
            ++refusals;
            sock_ = STBF_SOCK_INVALID;
            a_.at(a_.now() + 100 * kMs, [this] { connect(); });
            return;
        }
        tag_ = a_.watch(sock_, STBF_WRITABLE, [this](const stbf_event&) { on_connect(); });
        a_.at(a_.now() + 2 * kSec, [this, generation] {
            if (generation == generation_ && sock_ != STBF_SOCK_INVALID &&
                greetings_in_session_ == 0) {
                ++greeting_timeouts;
                end_session();
            }
        });
    }
    void on_connect() {
        const stbf_port* p = a_.port();
        if (p->tcp_connect_result(p->ctx, sock_) != STBF_PORT_OK) {
            ++refusals;
            drop();
            a_.at(a_.now() + 100 * kMs, [this] { connect(); });
            return;
        }
        established_ = true;
        greetings_in_session_ = 0;
        a_.forget(tag_);
        tag_ = a_.watch(sock_, STBF_READABLE, [this](const stbf_event&) { on_readable(); });
        const uint64_t generation = generation_;
        a_.at(a_.now() + keepalive_us_, [this, generation] { keepalive(generation); });
    }
    void on_readable() {
        const stbf_port* p = a_.port();
        uint8_t buf[256];
        size_t got = 0;
        const stbf_port_status st = p->tcp_recv(p->ctx, sock_, buf, sizeof(buf), &got);
        if (st == STBF_PORT_OK) {
            const size_t before = received_.size();
            received_.insert(received_.end(), buf, buf + got);
            if (before < 16 && received_.size() >= 16) {
                greetings.push_back(a_.now());
                ++greetings_in_session_;
            }
            return;
        }
        if (st == STBF_PORT_WOULD_BLOCK) return;
        end_session();
    }
    void keepalive(uint64_t generation) {
        if (generation != generation_ || !connected()) return;
        const stbf_port* p = a_.port();
        const uint8_t ka[4] = {0, 0, 0, 0};
        size_t sent = 0;
        p->tcp_send(p->ctx, sock_, ka, sizeof(ka), &sent);
        a_.at(a_.now() + keepalive_us_, [this, generation] { keepalive(generation); });
    }
    void end_session() {
        closes.push_back(a_.now());
        drop();
        a_.at(a_.now() + 100 * kMs, [this] { connect(); });
    }
    void drop() {
        if (sock_ == STBF_SOCK_INVALID) return;
        a_.forget(tag_);
        a_.port()->tcp_close(a_.port()->ctx, sock_);
        sock_ = STBF_SOCK_INVALID;
        established_ = false;
        ++generation_;
    }

    Actors& a_;
    uint16_t port_;
    TimeUs keepalive_us_;
    stbf_sock sock_ = STBF_SOCK_INVALID;
    uint32_t tag_ = 0;
    bool established_ = false;
    unsigned greetings_in_session_ = 0;
    uint64_t generation_ = 0;
    std::vector<uint8_t> received_;
};

// Engine + Runtime on a virtual-clock lwIP port; times are relative to the rig's start.
class LwipRig {
    std::unique_ptr<LwipPort> port_;  // first: outlives the runtime and the actors using it

  public:
    LwipRig() {
        LwipPortOptions options;
        options.virtual_clock = true;
        options.log_sink = [](void* user, stbf_log_level, const char* msg, size_t len) {
            static_cast<LwipRig*>(user)->log_.emplace_back(msg, len);
        };
        options.log_user = this;
        options.log_level = STBF_LOG_DEBUG;
        port_ = LwipPort::create(options);
        actors_ = std::make_unique<Actors>(port_->table());
        engine = std::make_unique<DefaultEngine>();
        config = std::make_unique<Config>();
        config->seed = 99;
        runtime = std::make_unique<DefaultRuntime>(*engine, port_->table());
        runtime->set_foreign_handler(
            [](void* user, const stbf_event& e) { static_cast<Actors*>(user)->dispatch(e); },
            actors_.get());
        t0_ = actors_->now();
    }
    ~LwipRig() { runtime->shutdown(); }

    uint8_t add_server(const char* group, uint16_t listen_port, const char* label, uint16_t port) {
        return test::add_server(*config, group, listen_port, label, "127.0.0.1", port);
    }

    void start() { ASSERT_EQ(runtime->init(*config, actors_->now()), Status::Ok); }
    TimeUs t(TimeUs rel) const { return t0_ + rel; }
    TimeUs now() const { return actors_->now() - t0_; }

    void run_until(TimeUs rel) {
        const TimeUs end = t(rel);
        for (int steps = 0; actors_->now() < end; ++steps) {
            ASSERT_LT(steps, 2'000'000) << "runtime loop did not reach t=" << rel;
            actors_->fire_due();
            const TimeUs next = std::min(end, actors_->next_timer());
            const TimeUs wait = next > actors_->now() ? next - actors_->now() : 0;
            ASSERT_EQ(runtime->step(wait), Status::Ok);
        }
        actors_->fire_due();
    }

    LineServer& server(uint16_t port, uint8_t id) {
        servers_.push_back(std::make_unique<LineServer>(*actors_, port, id));
        return *servers_.back();
    }
    Softcam& softcam(uint16_t port, TimeUs start_rel, TimeUs keepalive_us = 15 * kSec) {
        softcams_.push_back(std::make_unique<Softcam>(*actors_, port, t(start_rel), keepalive_us));
        return *softcams_.back();
    }
    void at(TimeUs rel, std::function<void()> fn) { actors_->at(t(rel), std::move(fn)); }

    std::string active(uint8_t g = 0) const {
        const ServerSlot s = engine->group_status(g).active;
        const ServerConfig* c = s == kNoServer ? nullptr : engine->server_config(s);
        return c != nullptr ? c->label.c_str() : "";
    }
    ServerStatus status_of(const char* label) const {
        for (unsigned s = 0; s < engine->server_slot_limit(); ++s) {
            const ServerConfig* c = engine->server_config(static_cast<ServerSlot>(s));
            if (c != nullptr && std::string(c->label.c_str()) == label)
                return engine->server_status(static_cast<ServerSlot>(s));
        }
        return ServerStatus();
    }
    bool logged(const std::string& needle) const {
        for (const std::string& line : log_)
            if (line.find(needle) != std::string::npos) return true;
        return false;
    }

    std::unique_ptr<DefaultEngine> engine;
    std::unique_ptr<Config> config;
    std::unique_ptr<DefaultRuntime> runtime;

  private:
    std::unique_ptr<Actors> actors_;
    std::vector<std::unique_ptr<LineServer>> servers_;
    std::vector<std::unique_ptr<Softcam>> softcams_;
    std::vector<std::string> log_;
    TimeUs t0_ = 0;
};

// Group "line" on 127.0.0.1:20000 over A (:12001) and B (:12002), ordered.
void two_servers(LwipRig& rig) {
    rig.add_server("line", 20000, "A", 12001);
    rig.add_server("line", 20000, "B", 12002);
}

TEST(LwipScenario, KilledUpstreamNextConnectionServedByTheOther) {
    LwipRig rig;
    two_servers(rig);
    LineServer& a = rig.server(12001, 1);
    rig.server(12002, 2);
    rig.start();
    Softcam& client = rig.softcam(20000, 5 * kSec);
    rig.run_until(9 * kSec);
    ASSERT_EQ(rig.active(), "A");
    ASSERT_EQ(client.greetings.size(), 1u);
    EXPECT_LT(client.greetings[0], rig.t(5 * kSec + 100 * kMs));
    EXPECT_EQ(client.received(), greeting_of(1));

    rig.at(10 * kSec, [&] { a.kill(); });
    rig.run_until(12 * kSec);
    // The relay passes A's close on at once; the reconnect 100 ms later is served by B.
    ASSERT_EQ(client.closes.size(), 1u);
    EXPECT_LT(client.closes[0], rig.t(10 * kSec + 100 * kMs));
    ASSERT_EQ(client.greetings.size(), 2u);
    EXPECT_LT(client.greetings[1], client.closes[0] + 300 * kMs);
    EXPECT_EQ(client.received(), greeting_of(2));
    EXPECT_EQ(rig.active(), "B");
    EXPECT_EQ(rig.engine->group_status(0).failovers, 1u);
    EXPECT_EQ(client.refusals, 0u);
}

TEST(LwipScenario, HungUpstreamSessionCutWithinTheHangWindowAndReconnectGoesElsewhere) {
    LwipRig rig;
    two_servers(rig);
    LineServer& a = rig.server(12001, 1);
    rig.server(12002, 2);
    rig.start();
    Softcam& client = rig.softcam(20000, 5 * kSec);  // keepalives at 20 s, 35 s, ...
    rig.run_until(9 * kSec);
    ASSERT_EQ(rig.active(), "A");
    rig.at(10 * kSec, [&] { a.stop(); });
    rig.run_until(30 * kSec);

    const TimeUs hang_window = rig.config->groups[0].session.hang_timeout_ms * kMs;
    ASSERT_EQ(client.closes.size(), 1u);
    // Cut after the first unanswered keepalive (20 s), within the hang window (+ slack).
    EXPECT_GE(client.closes[0], rig.t(20 * kSec + hang_window));
    EXPECT_LT(client.closes[0], rig.t(20 * kSec + hang_window + 500 * kMs));
    ASSERT_EQ(client.greetings.size(), 2u);
    EXPECT_EQ(client.received(), greeting_of(2));
    EXPECT_EQ(rig.active(), "B");
    EXPECT_EQ(rig.status_of("A").sessions_hung, 1u);
    EXPECT_EQ(client.greeting_timeouts, 0u);
}

TEST(LwipScenario, RefusedConnectIsRetriedOnTheNextServerBeforeTheClientSeesAnything) {
    LwipRig rig;
    two_servers(rig);  // nothing listens on A's port: lwIP answers the SYN with RST
    rig.server(12002, 2);
    rig.start();
    Softcam& client = rig.softcam(20000, 0);
    rig.run_until(1 * kSec);

    EXPECT_TRUE(client.closes.empty());
    ASSERT_EQ(client.greetings.size(), 1u);
    EXPECT_LT(client.greetings[0], rig.t(200 * kMs));
    EXPECT_EQ(client.received(), greeting_of(2));
    EXPECT_GE(rig.status_of("A").connects_failed, 1u);
    EXPECT_EQ(rig.active(), "B");
}

TEST(LwipScenario, ReloadKeepsLiveSessionsAndAddsAGroup) {
    LwipRig rig;
    two_servers(rig);
    rig.server(12001, 1);
    rig.server(12002, 2);
    LineServer& c = rig.server(12003, 3);
    rig.start();
    Softcam& first = rig.softcam(20000, 1 * kSec, 5 * kSec);
    rig.run_until(3 * kSec);
    ASSERT_TRUE(first.connected());

    rig.add_server("extra", 20001, "C", 12003);
    ASSERT_EQ(rig.runtime->reload(*rig.config), Status::Ok);
    EXPECT_EQ(rig.runtime->listener_count(), 2);
    Softcam& second = rig.softcam(20001, 4 * kSec, 5 * kSec);
    rig.run_until(20 * kSec);
    EXPECT_TRUE(first.connected());
    EXPECT_TRUE(first.closes.empty());
    EXPECT_TRUE(second.connected());
    EXPECT_EQ(second.received().size() >= 16
                  ? std::vector<uint8_t>(second.received().begin(), second.received().begin() + 16)
                  : std::vector<uint8_t>(),
              greeting_of(3));
    EXPECT_GT(c.answered(), 0u);  // second's keepalives reached C through the new listener

    // A bad config is refused and changes nothing.
    Config bad = *rig.config;
    bad.groups[1].servers[0] = 60;  // no such server
    EXPECT_NE(rig.runtime->reload(bad), Status::Ok);
    EXPECT_EQ(rig.runtime->listener_count(), 2);
    rig.run_until(30 * kSec);
    EXPECT_TRUE(first.connected());
    EXPECT_TRUE(first.closes.empty());
}

}  // namespace
}  // namespace stbf::test
