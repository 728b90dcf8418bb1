// Port contract harness for the lwIP port: the peers are sockets of the same lwIP stack (its
// loopback interface), opened through the port's own table but never watched, so the port
// under test reports no event for them; resets use the port's abort(). Time is the port's
// virtual clock: waits move it through the port's own poll, as on the simulator.
#include <memory>

#include "../support/port_addr.h"
#include "port_harness.h"
#include "stbf/lwip_port.h"

namespace stbf::test {
namespace {

// On a real stack time passes between two peer calls; here only poll moves the clock. A peer
// that finds nothing lets a little time pass, so a test waiting on an always-ready socket does
// not wait at a frozen instant (see sim_harness.cpp).
constexpr uint64_t kPeerIdleUs = 500;

class LwipHarness : public PortHarness {
  public:
    LwipHarness() {
        LwipPortOptions options;
        options.virtual_clock = true;
        options.log_level = STBF_LOG_WARNING;
        port_ = LwipPort::create(options);
        t_ = port_->table();
    }

    const stbf_port& port() override { return *t_; }

    stbf_addr listen_addr() override { return loopback_addr(0); }

    stbf_addr peer_listen() override {
        if (listener_ == STBF_SOCK_INVALID) {
            stbf_addr any = loopback_addr(0);
            t_->tcp_listen(t_->ctx, &any, &listener_);
            t_->local_addr(t_->ctx, listener_, &listener_addr_);
        }
        return listener_addr_;
    }

    PeerId peer_accept() override {
        stbf_sock s = STBF_SOCK_INVALID;
        if (t_->tcp_accept(t_->ctx, listener_, &s, nullptr) == STBF_PORT_OK) return s;
        port_->advance(kPeerIdleUs);
        return -1;
    }

    PeerId peer_connect(const stbf_addr& to) override {
        stbf_sock s = STBF_SOCK_INVALID;
        const stbf_port_status st = t_->tcp_connect(t_->ctx, &to, &s);
        return st == STBF_PORT_IN_PROGRESS || st == STBF_PORT_OK ? s : -1;
    }

    long peer_send(PeerId peer, const uint8_t* data, size_t len) override {
        size_t sent = 0;
        return t_->tcp_send(t_->ctx, peer, data, len, &sent) == STBF_PORT_OK
                   ? static_cast<long>(sent)
                   : 0;
    }

    long peer_recv(PeerId peer, uint8_t* buf, size_t cap) override {
        size_t got = 0;
        switch (t_->tcp_recv(t_->ctx, peer, buf, cap, &got)) {
            case STBF_PORT_OK:
                return static_cast<long>(got);
            case STBF_PORT_CLOSED:
                return kPeerEof;
            case STBF_PORT_WOULD_BLOCK:
                port_->advance(kPeerIdleUs);
                return kPeerNothing;
            default:
                return kPeerReset;
        }
    }

    void peer_close(PeerId peer) override { t_->tcp_close(t_->ctx, peer); }
    void peer_reset(PeerId peer) override { port_->abort(peer); }

    stbf_addr refused_addr() override { return loopback_addr(9); }  // nothing listens on 9

  private:
    std::unique_ptr<LwipPort> port_;
    const stbf_port* t_ = nullptr;
    stbf_sock listener_ = STBF_SOCK_INVALID;
    stbf_addr listener_addr_{};
};

}  // namespace

std::unique_ptr<PortHarness> make_port_harness() {
    return std::make_unique<LwipHarness>();
}

}  // namespace stbf::test
