// Port contract harness for the simulation port: the peers are raw sockets of the virtual
// network owned by the harness (invisible to the port under test), and every wait in the
// contract tests moves the virtual clock through the port's own poll.
#include <memory>

#include "port_harness.h"
#include "stbf/sim.h"

namespace stbf::test {
namespace {

constexpr uint16_t kPeerPort = 12000;
constexpr uint64_t kPeerLatencyUs = 1000;  // 1 ms each way, so waits really move the clock
// Time a peer spends finding nothing to accept or read. On a real OS time passes between any
// two calls; in the simulator it passes only when someone moves the clock. Without this, a
// test that keeps an always-writable socket watched would see every poll return at once and
// the peer would wait at a frozen instant forever.
constexpr uint64_t kPeerIdleUs = 500;

// Peers never wait for notifications: the contract tests poll them. A non-null owner keeps
// their sockets out of the port's view.
class IgnoreEvents final : public sim::SocketObserver {
  public:
    void on_socket_event(stbf_sock) override {}
};

class SimHarness : public PortHarness {
  public:
    SimHarness() : world_(/*seed*/ 7, /*start_us*/ 1'000'000) {
        world_.add_name("localhost", {"127.0.0.1", "::1"});
        world_.set_host_latency_us("10.0.0.1", kPeerLatencyUs);
        world_.set_host_latency_us("10.0.0.2", kPeerLatencyUs);
    }

    const stbf_port& port() override { return *world_.port(); }

    stbf_addr listen_addr() override { return sim::addr("127.0.0.1", 0); }

    stbf_addr peer_listen() override {
        const stbf_addr where = sim::addr("10.0.0.1", kPeerPort);
        if (listener_ == STBF_SOCK_INVALID) net().listen(where, &peers_, true, &listener_);
        return where;
    }

    PeerId peer_accept() override {
        stbf_sock s = STBF_SOCK_INVALID;
        if (net().accept(listener_, &peers_, &s, nullptr) == STBF_PORT_OK) return s;
        world_.advance(kPeerIdleUs);
        return -1;
    }

    PeerId peer_connect(const stbf_addr& to) override {
        stbf_sock s = STBF_SOCK_INVALID;
        const stbf_port_status st = net().connect(to, &peers_, &s);
        return st == STBF_PORT_IN_PROGRESS || st == STBF_PORT_OK ? s : -1;
    }

    long peer_send(PeerId peer, const uint8_t* data, size_t len) override {
        size_t sent = 0;
        return net().send(peer, data, len, &sent) == STBF_PORT_OK ? static_cast<long>(sent) : 0;
    }

    long peer_recv(PeerId peer, uint8_t* buf, size_t cap) override {
        size_t got = 0;
        switch (net().recv(peer, buf, cap, &got)) {
            case STBF_PORT_OK:
                return static_cast<long>(got);
            case STBF_PORT_CLOSED:
                return kPeerEof;
            case STBF_PORT_WOULD_BLOCK:
                world_.advance(kPeerIdleUs);
                return kPeerNothing;
            default:
                return kPeerReset;
        }
    }

    void peer_close(PeerId peer) override { net().close(peer); }
    void peer_reset(PeerId peer) override { net().abort(peer); }

    stbf_addr refused_addr() override { return sim::addr("10.0.0.2", kPeerPort); }

  private:
    sim::Network& net() { return world_.network(); }

    sim::World world_;
    IgnoreEvents peers_;
    stbf_sock listener_ = STBF_SOCK_INVALID;
};

}  // namespace

std::unique_ptr<PortHarness> make_port_harness() {
    return std::make_unique<SimHarness>();
}

}  // namespace stbf::test
