// Runtime unit tests: setup errors, listeners, foreign sockets, the transport seam and
// endpoints of a named server. They run on the sim port with short virtual timelines.
#include "stbf/runtime.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "sim_rig.h"

namespace stbf::test {
namespace {

using sim::ClientEventKind;

void one_server(Rig& rig, const char* host = "10.0.0.1") {
    rig.add_server("line", 20000, "A", host, 12000);
}

TEST(Runtime, RefusesAPortOfAnotherApiVersion) {
    Rig rig;
    one_server(rig);
    stbf_port other = *rig.world.port();
    other.api_version = STBF_PORT_API_VERSION + 1;
    auto owned =
        std::make_unique<DefaultRuntime>(*rig.engine, &other);  // large tables: off the stack
    Runtime& runtime = *owned;
    EXPECT_EQ(runtime.init(*rig.config, 0), Status::PortVersionMismatch);
    EXPECT_FALSE(runtime.initialized());
}

TEST(Runtime, RefusesAPortWithAMissingFunction) {
    Rig rig;
    one_server(rig);
    stbf_port other = *rig.world.port();
    other.resolve_cancel = nullptr;
    auto owned =
        std::make_unique<DefaultRuntime>(*rig.engine, &other);  // large tables: off the stack
    Runtime& runtime = *owned;
    EXPECT_EQ(runtime.init(*rig.config, 0), Status::InvalidArgument);
}

TEST(Runtime, StepBeforeInitIsAnError) {
    Rig rig;
    EXPECT_EQ(rig.runtime->step(0), Status::InvalidArgument);
    EXPECT_EQ(rig.runtime->reload(*rig.config), Status::InvalidArgument);
}

TEST(RuntimeMemory, TablesCostWhatLimitsHSays) {
    // The documented per-unit costs (limits.h) hold, and they add up to what size_for asks.
    EXPECT_LE(Runtime::kBytesPerSession, 2u * STBF_RELAY_BUFFER + 512);
    EXPECT_LE(Runtime::kBytesPerServer, 640u);
    EXPECT_LE(Runtime::kBytesPerGroup, 1024u);
    const Capacity defaults;  // 256 sessions: the session map is exactly two entries each
    const size_t sum = defaults.servers * Runtime::kBytesPerServer +
                       defaults.groups * Runtime::kBytesPerGroup +
                       defaults.sessions * Runtime::kBytesPerSession;
    EXPECT_LE(Runtime::size_for(defaults), sum);
    EXPECT_GE(Runtime::size_for(defaults) + 9 * kTableAlign, sum);  // alignment only
    // The object holds no table, and a box with one line needs its sessions' buffers only.
    EXPECT_LE(sizeof(Runtime), 1024u);
    EXPECT_LE(Runtime::size_for(Capacity{2, 1, 8}), 8 * Runtime::kBytesPerSession + 4096);
    EXPECT_EQ(Runtime::size_for(Capacity{0, 1, 8}), 0u);  // out of range, as for the engine
}

TEST(RuntimeMemory, PlacingTheTablesLeavesTheRelayBuffersUntouched) {
    // The buffers are reserved, resident only as far as traffic touches them: attach must not
    // write them (zeroing 8 MiB would make every box pay for 256 sessions up front).
    sim::World world(7, 0);
    EngineWith<2, 1, 8> engine;
    Runtime runtime(engine, world.port());
    const size_t need = Runtime::size_for(engine.capacity());
    std::vector<uint64_t> memory(need / 8 + 1, 0xa5a5a5a5a5a5a5a5ull);
    ASSERT_EQ(runtime.attach(memory.data(), need), Status::Ok);
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(memory.data());
    size_t untouched = 0;
    for (size_t i = 0; i < need; ++i) untouched += bytes[i] == 0xa5;
    EXPECT_GE(untouched, 8 * 2 * size_t{STBF_RELAY_BUFFER});
}

TEST(Runtime, AttachRefusesMemoryThatCannotHoldTheTables) {
    sim::World world(7, 0);
    Config config;
    add_server(config, "line", 20000, "A", "10.0.0.1", 12000);

    Engine bare;  // no tables of its own: nothing to size the runtime's by
    Runtime on_bare(bare, world.port());
    std::vector<uint64_t> plenty(1 << 16);
    EXPECT_EQ(on_bare.attach(plenty.data(), plenty.size() * 8), Status::InvalidArgument);
    EXPECT_EQ(on_bare.init(config, world.now()), Status::InvalidArgument);

    EngineWith<2, 1, 2> engine;
    Runtime runtime(engine, world.port());
    EXPECT_EQ(runtime.init(config, world.now()), Status::InvalidArgument);  // not attached
    const size_t need = Runtime::size_for(engine.capacity());
    ASSERT_GT(need, 0u);
    std::vector<uint64_t> memory(need / 8 + 2);
    EXPECT_EQ(runtime.attach(nullptr, need), Status::InvalidArgument);
    EXPECT_EQ(runtime.attach(memory.data(), need - 1), Status::InvalidArgument);
    EXPECT_EQ(runtime.attach(reinterpret_cast<unsigned char*>(memory.data()) + 1, need),
              Status::InvalidArgument);
    EXPECT_EQ(runtime.attach(memory.data(), need), Status::Ok);
    EXPECT_EQ(runtime.attach(memory.data(), need), Status::InvalidArgument);  // once
    EXPECT_EQ(runtime.init(config, world.now()), Status::Ok);
    EXPECT_EQ(runtime.listener_count(), 1u);
    runtime.shutdown();
}

TEST(Runtime, ServesAsManyClientsAsItsCapacityAndClosesTheNextAtOnce) {
    // Tables sized for 3 sessions: three softcams are relayed, the fourth is closed at once
    // (the engine refuses it), and nothing of the others is disturbed.
    sim::World world(7, 0);
    auto engine = std::make_unique<EngineWith<4, 1, 3>>();
    auto runtime = std::make_unique<RuntimeWith<4, 1, 3>>(*engine, world.port());
    Config config;
    config.seed = 99;
    add_server(config, "line", 20000, "A", "10.0.0.1", 12000);
    world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    ASSERT_EQ(runtime->init(config, world.now()), Status::Ok);
    std::vector<sim::Client*> clients;
    for (int i = 0; i < 4; ++i) {
        sim::ClientScript script;
        script.start_at_us = (1 + i) * kSec;
        script.greeting_size = 16;
        script.greeting_timeout_us = 2 * kSec;
        script.max_connects = 1;
        clients.push_back(&world.add_client("127.0.0.1", 20000, script));
    }
    for (int steps = 0; world.now() < 6 * kSec; ++steps) {
        ASSERT_LT(steps, 100000);
        ASSERT_EQ(runtime->step(6 * kSec - world.now()), Status::Ok);
    }
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(clients[i]->connected()) << "client " << i;
        EXPECT_EQ(clients[i]->received().size(), 16u) << "client " << i;
    }
    EXPECT_EQ(clients[3]->count(ClientEventKind::Closed), 1u);
    EXPECT_TRUE(clients[3]->received().empty());
    EXPECT_EQ(runtime->open_sessions(), 3u);
    EXPECT_EQ(runtime->counters().refused, 1u);
}

TEST(Runtime, TakenListenPortFailsInitAndLeavesNothingOpen) {
    Rig rig;
    rig.add_server("first", 20000, "A", "10.0.0.1", 12000);
    rig.add_server("second", 20001, "B", "10.0.0.2", 12000);
    const stbf_port* port = rig.world.port();
    stbf_addr taken = sim::addr("127.0.0.1", 20001);
    stbf_sock squatter = STBF_SOCK_INVALID;
    ASSERT_EQ(port->tcp_listen(port->ctx, &taken, &squatter), STBF_PORT_OK);

    EXPECT_EQ(rig.runtime->init(*rig.config, 0), Status::AddrInUse);
    EXPECT_EQ(rig.runtime->listener_count(), 0);
    EXPECT_TRUE(rig.world.logged("second"));
    // The first group's listener was closed again: its port can be taken now.
    stbf_addr first = sim::addr("127.0.0.1", 20000);
    stbf_sock again = STBF_SOCK_INVALID;
    EXPECT_EQ(port->tcp_listen(port->ctx, &first, &again), STBF_PORT_OK);
}

TEST(Runtime, ListenAddrMustBeNumeric) {
    Rig rig;
    one_server(rig);
    rig.group_named("line").listen_addr.assign("localhost");
    EXPECT_EQ(rig.runtime->init(*rig.config, 0), Status::InvalidArgument);
    EXPECT_TRUE(rig.world.logged("localhost"));
}

TEST(Runtime, PortZeroListensOnAFreePortAndSaysWhich) {
    Rig rig;
    rig.add_server("line", 0, "A", "10.0.0.1", 12000);
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    rig.start();
    stbf_addr bound{};
    ASSERT_TRUE(rig.runtime->listener_address(0, &bound));
    EXPECT_NE(bound.port, 0);
    EXPECT_FALSE(rig.runtime->listener_address(1, &bound));

    sim::Client& client = rig.add_softcam(bound.port, 1 * kSec);
    rig.run_until(2 * kSec);
    EXPECT_EQ(client.received(), sim::cccam_greeting(1));
}

TEST(Runtime, EventsOfForeignSocketsGoToTheHostHandler) {
    Rig rig;
    one_server(rig);
    rig.start();
    const stbf_port* port = rig.world.port();
    stbf_addr control = sim::addr("127.0.0.1", 30000);
    stbf_sock listener = STBF_SOCK_INVALID;
    ASSERT_EQ(port->tcp_listen(port->ctx, &control, &listener), STBF_PORT_OK);
    ASSERT_EQ(port->watch(port->ctx, listener, STBF_READABLE, 42), STBF_PORT_OK);
    struct Seen {
        const stbf_port* port;
        stbf_sock expected;
        int events = 0;
    } seen{port, listener};
    rig.runtime->set_foreign_handler(
        [](void* user, const stbf_event& ev) {
            auto* s = static_cast<Seen*>(user);
            const stbf_sock sock = ev.sock;
            EXPECT_EQ(ev.kind, STBF_EVENT_SOCKET);
            EXPECT_EQ(sock, s->expected);
            EXPECT_EQ(ev.tag, 42u);  // the host's own tag, handed back untouched
            EXPECT_TRUE(ev.ready & STBF_READABLE);
            stbf_sock accepted = STBF_SOCK_INVALID;
            if (s->port->tcp_accept(s->port->ctx, sock, &accepted, nullptr) == STBF_PORT_OK)
                s->port->tcp_close(s->port->ctx, accepted);
            s->events++;
        },
        &seen);
    sim::ClientScript script;
    script.start_at_us = 1 * kSec;
    rig.world.add_client("127.0.0.1", 30000, script);
    rig.run_until(2 * kSec);
    EXPECT_EQ(seen.events, 1);
    EXPECT_EQ(rig.runtime->counters().foreign_events, 1u);
    EXPECT_EQ(rig.runtime->open_sessions(), 0);
}

TEST(Runtime, AHostsResolutionReachesTheHostWithoutPolling) {
    // Port v2: a resolution the host started (an HTTPS list fetch) is handed to the host's
    // handler; the runtime neither takes its result nor drops its event.
    Rig rig;
    one_server(rig);
    rig.world.resolver().add_name("lists.example", {sim::addr("10.0.0.9", 0)});
    rig.world.resolver().set_name_delay_us("lists.example", 300 * kMs);
    rig.start();
    const stbf_port* port = rig.world.port();
    uint32_t request = 0;
    ASSERT_EQ(port->resolve_start(port->ctx, "lists.example", 443, 7, &request), STBF_PORT_OK);
    struct Seen {
        const stbf_port* port;
        uint32_t request;
        int resolved = 0;
        size_t addresses = 0;
        TimeUs at = 0;
    } seen{port, request};
    rig.runtime->set_foreign_handler(
        [](void* user, const stbf_event& ev) {
            auto* s = static_cast<Seen*>(user);
            if (ev.kind != STBF_EVENT_RESOLVED) return;
            EXPECT_EQ(ev.tag, 7u);
            EXPECT_EQ(ev.request, s->request);
            stbf_addr out[4];
            EXPECT_EQ(s->port->resolve_take(s->port->ctx, ev.request, out, 4, &s->addresses),
                      STBF_PORT_OK);
            s->at = s->port->now(s->port->ctx);
            s->resolved++;
        },
        &seen);
    rig.run_until(1 * kSec);
    EXPECT_EQ(seen.resolved, 1);
    EXPECT_EQ(seen.addresses, 1u);
    EXPECT_EQ(seen.at, 300 * kMs);  // delivered when it finished, not on some polling tick
    EXPECT_EQ(rig.runtime->counters().resolutions, 0u);  // not the runtime's
}

// A transport that counts its use and otherwise passes through to the sim port.
struct CountingTransport {
    static const stbf_port* port;
    static int connects, sends, recvs, closes;
    static stbf_port_status connect(void*, const stbf_addr* remote, stbf_sock* out) {
        ++connects;
        return port->tcp_connect(port->ctx, remote, out);
    }
    static stbf_port_status connect_result(void*, stbf_sock s) {
        return port->tcp_connect_result(port->ctx, s);
    }
    static stbf_port_status send(void*, stbf_sock s, const uint8_t* d, size_t n, size_t* sent) {
        ++sends;
        return port->tcp_send(port->ctx, s, d, n, sent);
    }
    static stbf_port_status recv(void*, stbf_sock s, uint8_t* b, size_t cap, size_t* got) {
        ++recvs;
        return port->tcp_recv(port->ctx, s, b, cap, got);
    }
    static void close(void*, stbf_sock s) {
        ++closes;
        port->tcp_close(port->ctx, s);
    }
};
const stbf_port* CountingTransport::port = nullptr;
int CountingTransport::connects = 0, CountingTransport::sends = 0, CountingTransport::recvs = 0,
    CountingTransport::closes = 0;

TEST(Runtime, TransportSelectorCarriesTheChosenServersBytes) {
    Rig rig;
    rig.add_server("line", 20000, "A", "10.0.0.1", 12000);
    rig.add_server("line", 20000, "B", "10.0.0.2", 12000);
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    sim::Server& b = rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
    CountingTransport::port = rig.world.port();
    static const Transport counting{nullptr,
                                    CountingTransport::connect,
                                    CountingTransport::connect_result,
                                    CountingTransport::send,
                                    CountingTransport::recv,
                                    CountingTransport::close};
    rig.runtime->set_transport_selector(
        [](void*, const ServerConfig& server) -> const Transport* {
            return std::string(server.label.c_str()) == "B" ? &counting : nullptr;
        },
        nullptr);
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 3 * kSec, 1 * kSec);
    rig.world.at(2500 * kMs, [&] { rig.world.set_path("10.0.0.1", sim::Path::NoRoute); });
    rig.run_until(3 * kSec + 5500 * kMs);

    EXPECT_EQ(rig.active(), "B");
    EXPECT_EQ(client.received().size(), 16u + 5 * 4);  // greeting + 5 keepalive replies
    EXPECT_GE(CountingTransport::connects, 2);          // B's first check and the session
    EXPECT_EQ(CountingTransport::sends, 5);             // every keepalive went through it
    EXPECT_GT(CountingTransport::recvs, 0);
    EXPECT_EQ(static_cast<uint64_t>(b.bytes_in()), 5u * 4);
}

TEST(Runtime, NamedServerTriesEachAddressWithinOneAttemptAndRemembersTheGoodOne) {
    Rig rig;
    one_server(rig, "line.example.org");
    rig.world.add_name("line.example.org", {"10.0.0.1", "10.0.0.2"});
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::refuse());
    rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
    const TimeUs latency = 5 * kMs;
    rig.world.set_host_latency_us("10.0.0.1", latency);
    rig.world.set_host_latency_us("10.0.0.2", latency);
    rig.group_named("line").health.inter_ms = 3600 * 1000;  // keep checks out of the way
    rig.start();
    sim::Client& first = rig.add_softcam(20000, 0, 0);
    rig.run_until(1 * kSec);
    // One client connection: refused on .1 after 2L, served from .2 after its 4L.
    EXPECT_EQ(first.times_of(ClientEventKind::Received),
              std::vector<TimeUs>{2 * latency + 4 * latency});
    EXPECT_EQ(first.count(ClientEventKind::Closed), 0u);

    sim::Client& second = rig.add_softcam(20000, 5 * kSec, 0);
    rig.run_until(6 * kSec);
    EXPECT_EQ(second.times_of(ClientEventKind::Received),
              std::vector<TimeUs>{5 * kSec + 4 * latency});
    // The first lookup, and one refresh kRetryUs after the refused address; the refresh kept
    // pointing at the address that works (the second client went straight to it).
    EXPECT_EQ(rig.runtime->counters().resolutions, 2u);
}

TEST(Runtime, UnresolvableNameFailsTheAttemptAndTheClientIsClosed) {
    Rig rig;
    one_server(rig, "nowhere.example.org");
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 1 * kSec, 0, kNoReconnectForTests(), 1);
    rig.run_until(2 * kSec);
    EXPECT_EQ(client.count(ClientEventKind::Closed), 1u);
    EXPECT_TRUE(client.received().empty());
    EXPECT_EQ(rig.status_of("A").last_failure, Reason::ResolveFailed);
}

// tcp_accept of the sim port, failing with NO_RESOURCES (out of descriptors) a given number of
// times first.
struct FailingAccept {
    static const stbf_port* real;
    static int failures_left, calls;
    static stbf_port_status accept(void* ctx, stbf_sock l, stbf_sock* out, stbf_addr* peer) {
        ++calls;
        if (failures_left > 0) {
            --failures_left;
            return STBF_PORT_NO_RESOURCES;
        }
        return real->tcp_accept(ctx, l, out, peer);
    }
};
const stbf_port* FailingAccept::real = nullptr;
int FailingAccept::failures_left = 0, FailingAccept::calls = 0;

TEST(Runtime, AcceptOutOfResourcesPausesTheListenerInsteadOfSpinning) {
    Rig rig;
    one_server(rig);
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    stbf_port failing = *rig.world.port();
    FailingAccept::real = rig.world.port();
    FailingAccept::failures_left = 2;
    failing.tcp_accept = FailingAccept::accept;
    auto owned =
        std::make_unique<DefaultRuntime>(*rig.engine, &failing);  // large tables: off the stack
    Runtime& runtime = *owned;
    ASSERT_EQ(runtime.init(*rig.config, 0), Status::Ok);
    sim::Client& client = rig.add_softcam(20000, 1 * kSec, 0);
    for (int steps = 0; rig.world.now() < 2 * kSec && steps < 100000; ++steps)
        ASSERT_EQ(runtime.step(2 * kSec - rig.world.now()), Status::Ok);

    // Two failed accepts 100 ms apart, then the client is taken (and one more call finds the
    // queue empty): 4 calls in all, where a spinning loop would have made thousands.
    EXPECT_EQ(FailingAccept::calls, 4);
    EXPECT_EQ(client.times_of(ClientEventKind::Received),
              std::vector<TimeUs>{1 * kSec + 200 * kMs});
    EXPECT_TRUE(rig.world.logged("cannot accept"));
}

// An `expect` health check: send bytes, then judge the answer by prefix and length.
void expect_probe_server(Rig& rig, uint8_t prefix_byte) {
    rig.add_server("line", 20000, "A", "10.0.0.1", 12000, Protocol::Tcp);
    ServerConfig& s = rig.config->servers[0];
    s.probe = ProbeKind::Expect;
    const uint8_t ping[] = {'p', 'i', 'n', 'g'};
    for (uint8_t i = 0; i < sizeof ping; ++i) s.expect_send[i] = ping[i];
    s.expect_send_len = sizeof ping;
    s.expect_prefix[0] = prefix_byte;
    s.expect_prefix_len = 1;
    s.expect_len = 4;
    // No greeting; answers each message with 4 bytes of 0x5a.
    rig.world.add_server("10.0.0.1", 12000,
                         sim::ServerBehaviour::cccam().with_greeting({}).with_reply(4, 0));
}

TEST(Runtime, ExpectProbeSendsItsBytesAndAcceptsTheExpectedAnswer) {
    Rig rig;
    expect_probe_server(rig, 0x5a);
    rig.start();
    rig.run_until(3 * kSec);
    EXPECT_EQ(rig.status_of("A").probes_ok, 1u);
    EXPECT_EQ(rig.status_of("A").probes_failed, 0u);
    EXPECT_EQ(rig.runtime->probes_in_flight(), 0);
}

TEST(Runtime, ExpectProbeWithTheWrongAnswerFails) {
    Rig rig;
    expect_probe_server(rig, 0x11);
    rig.start();
    rig.run_until(3 * kSec);
    EXPECT_EQ(rig.status_of("A").probes_ok, 0u);
    EXPECT_GE(rig.status_of("A").probes_failed, 1u);  // then re-checked fast, failing again
    EXPECT_EQ(rig.status_of("A").last_failure, Reason::GreetingBad);
}

TEST(Runtime, ShutdownClosesListenersAndSessions) {
    Rig rig;
    one_server(rig);
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    rig.start();
    sim::Client& client = rig.add_softcam(20000, 1 * kSec, 0, kNoReconnectForTests(), 1);
    rig.run_until(2 * kSec);
    ASSERT_TRUE(client.connected());
    rig.runtime->shutdown();
    EXPECT_EQ(rig.runtime->listener_count(), 0);
    EXPECT_EQ(rig.runtime->open_sessions(), 0);
    EXPECT_EQ(rig.engine->group_status(0).live_sessions, 0);
    rig.run_until(3 * kSec);
    EXPECT_FALSE(client.connected());
    rig.runtime->shutdown();  // idempotent
}

// ---- slots ------------------------------------------------------------------------------------

// A group "line" on 20000 with two servers and a second slot on `slot_port` (as
// assign_listen_ports would fill it).
void two_slot_group(Rig& rig, uint16_t slot_port = 21000) {
    rig.add_server("line", 20000, "A", "10.0.0.1", 12000);
    rig.add_server("line", 20000, "B", "10.0.0.2", 12000);
    GroupConfig& g = rig.group_named("line");
    g.slots = 2;
    g.slot_ports[0] = 20000;
    g.slot_ports[1] = slot_port;
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    rig.world.add_server("10.0.0.2", 12000, sim::ServerBehaviour::cccam(2));
}

TEST(RuntimeSlots, EverySlotHasItsOwnListenerAndRelays) {
    Rig rig;
    two_slot_group(rig);
    rig.start();
    EXPECT_EQ(rig.runtime->listener_count(), 2);
    stbf_addr first{}, second{};
    ASSERT_TRUE(rig.runtime->listener_address(0, 0, &first));
    ASSERT_TRUE(rig.runtime->listener_address(0, 1, &second));
    EXPECT_EQ(first.port, 20000);
    EXPECT_EQ(second.port, 21000);
    EXPECT_FALSE(rig.runtime->listener_address(0, 2, &second));  // no port: not served
    EXPECT_TRUE(rig.world.logged("slot 2 listening on port 21000"));

    sim::Client& a = rig.add_softcam(20000, 1 * kSec);
    sim::Client& b = rig.add_softcam(21000, 1 * kSec);
    rig.run_until(3 * kSec);
    EXPECT_TRUE(a.connected());
    EXPECT_TRUE(b.connected());
    EXPECT_EQ(a.received().size(), 16u);  // a verified greeting on each slot
    EXPECT_EQ(b.received().size(), 16u);
    EXPECT_EQ(rig.runtime->open_sessions(0), 2);
    EXPECT_EQ(rig.runtime->counters().accepted, 2u);
}

TEST(RuntimeSlots, SlotsLandOnDistinctServersAndASlotWithoutOneIsClosedAtOnce) {
    Rig rig;
    two_slot_group(rig);
    rig.start();
    sim::Client& a = rig.add_softcam(20000, 1 * kSec);
    sim::Client& b = rig.add_softcam(21000, 2 * kSec);
    rig.run_until(3 * kSec);
    ASSERT_TRUE(a.connected());
    ASSERT_TRUE(b.connected());
    EXPECT_NE(a.received(), b.received()) << "both slots on one server";  // greetings differ

    // One server left usable: slot 2's next connection is refused at once (the softcam keeps
    // using its slot-1 reader), and the box owner's log says why at info level.
    b.close();
    rig.config->servers[1].enabled = false;
    ASSERT_EQ(rig.runtime->reload(*rig.config), Status::Ok);
    sim::ClientScript script;
    script.start_at_us = 5 * kSec;
    script.greeting_size = 16;
    script.greeting_timeout_us = 2 * kSec;
    script.max_connects = 1;
    sim::Client& c = rig.world.add_client("127.0.0.1", 21000, script);
    const uint32_t refused = rig.runtime->counters().refused;
    rig.run_until(6 * kSec);
    EXPECT_EQ(rig.runtime->counters().refused, refused + 1);
    ASSERT_EQ(c.count(ClientEventKind::Closed), 1u);
    EXPECT_LE(c.times_of(ClientEventKind::Closed)[0], 5 * kSec + 10 * kMs);  // at once
    EXPECT_TRUE(c.received().empty());
    EXPECT_TRUE(a.connected());
    EXPECT_TRUE(rig.world.logged("slot idle"));
}

TEST(RuntimeSlots, OneSlotIsExactlyTheGroupListener) {
    Rig rig;
    rig.add_server("line", 20000, "A", "10.0.0.1", 12000);
    rig.group_named("line").slots = 1;
    rig.group_named("line").slot_ports[0] = 20000;
    rig.world.add_server("10.0.0.1", 12000, sim::ServerBehaviour::cccam(1));
    rig.start();
    EXPECT_EQ(rig.runtime->listener_count(), 1);
    stbf_addr a{}, b{};
    ASSERT_TRUE(rig.runtime->listener_address(0, &a));
    ASSERT_TRUE(rig.runtime->listener_address(0, 0, &b));
    EXPECT_TRUE(same_endpoint(a, b));
    EXPECT_FALSE(rig.world.logged("slot"));
}

TEST(RuntimeSlots, TakenSlotPortFailsInitAndClosesTheOthers) {
    Rig rig;
    two_slot_group(rig);
    const stbf_port* port = rig.world.port();
    stbf_addr taken = sim::addr("127.0.0.1", 21000);
    stbf_sock squatter = STBF_SOCK_INVALID;
    ASSERT_EQ(port->tcp_listen(port->ctx, &taken, &squatter), STBF_PORT_OK);
    EXPECT_EQ(rig.runtime->init(*rig.config, 0), Status::AddrInUse);
    EXPECT_EQ(rig.runtime->listener_count(), 0);
    EXPECT_TRUE(rig.world.logged("slot port"));
    stbf_addr first = sim::addr("127.0.0.1", 20000);
    stbf_sock again = STBF_SOCK_INVALID;
    EXPECT_EQ(port->tcp_listen(port->ctx, &first, &again), STBF_PORT_OK);  // closed again
}

TEST(RuntimeSlots, ReloadKeepsUnchangedSlotListenersWithTheirSessions) {
    Rig rig;
    two_slot_group(rig);
    rig.start();
    sim::Client& a = rig.add_softcam(20000, 1 * kSec, 5 * kSec);
    sim::Client& b = rig.add_softcam(21000, 1 * kSec, 5 * kSec);
    rig.run_until(3 * kSec);
    ASSERT_TRUE(a.connected());
    ASSERT_TRUE(b.connected());

    // Unchanged ports: nothing moves, no listener is reopened.
    ASSERT_EQ(rig.runtime->reload(*rig.config), Status::Ok);
    EXPECT_EQ(rig.runtime->listener_count(), 2);
    rig.run_until(12 * kSec);
    EXPECT_EQ(a.count(ClientEventKind::Closed), 0u);
    EXPECT_EQ(b.count(ClientEventKind::Closed), 0u);
    EXPECT_EQ(rig.runtime->open_sessions(0), 2);

    // Slot 2 moves to another port: its old listener closes, its live session drains (still
    // relayed), the new port serves new clients; slot 1 is untouched.
    rig.group_named("line").slot_ports[1] = 21001;
    ASSERT_EQ(rig.runtime->reload(*rig.config), Status::Ok);
    stbf_addr moved{};
    ASSERT_TRUE(rig.runtime->listener_address(0, 1, &moved));
    EXPECT_EQ(moved.port, 21001);
    const size_t b_replies = b.events_of(ClientEventKind::Received).size();
    sim::Client& c = rig.add_softcam(21001, 13 * kSec, 5 * kSec);
    rig.run_until(30 * kSec);
    EXPECT_TRUE(b.connected());
    EXPECT_GT(b.events_of(ClientEventKind::Received).size(), b_replies);
    EXPECT_TRUE(c.connected());
    EXPECT_EQ(a.count(ClientEventKind::Closed), 0u);
    EXPECT_EQ(rig.runtime->open_sessions(0), 3);

    // Back to one slot: slot 2's listener closes; the sessions stay.
    rig.group_named("line").slots = 1;
    rig.group_named("line").slot_ports[1] = 0;
    ASSERT_EQ(rig.runtime->reload(*rig.config), Status::Ok);
    EXPECT_EQ(rig.runtime->listener_count(), 1);
    EXPECT_FALSE(rig.runtime->listener_address(0, 1, &moved));
    rig.run_until(40 * kSec);
    EXPECT_TRUE(a.connected());
    EXPECT_TRUE(c.connected());
}

}  // namespace
}  // namespace stbf::test
