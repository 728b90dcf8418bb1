// Port contract harness for the POSIX port: real loopback sockets of the test process as peers.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "../support/loopback.h"
#include "port_harness.h"
#include "stbf/posix_port.h"

namespace stbf::test {
namespace {

stbf_addr to_addr(const sockaddr_in& in) {
    stbf_addr a{};
    a.family = 4;
    std::memcpy(a.addr, &in.sin_addr, 4);
    a.port = ntohs(in.sin_port);
    return a;
}

// Binds a loopback socket to a free port; returns the descriptor and stores the address.
int bind_loopback(stbf_addr* where) {
    sockaddr_in in{};
    const int fd = bind_loopback_v4(SOCK_NONBLOCK, &in);
    if (fd >= 0) *where = to_addr(in);
    return fd;
}

class PosixHarness : public PortHarness {
  public:
    PosixHarness() {
        PosixPortOptions options;
        options.log_level = STBF_LOG_WARNING;
        port_ = PosixPort::create(options);
    }
    ~PosixHarness() override {
        for (int fd : fds_) ::close(fd);
    }

    const stbf_port& port() override { return *port_->table(); }

    stbf_addr listen_addr() override { return to_addr(loopback_v4(0)); }

    stbf_addr peer_listen() override {
        if (listener_ < 0) {
            listener_ = keep(bind_loopback(&listener_addr_));
            // Inherited by accepted sockets: a small window makes back-pressure reachable.
            int small = 4096;
            setsockopt(listener_, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
            ::listen(listener_, 16);
        }
        return listener_addr_;
    }

    PeerId peer_accept() override {
        int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        return fd < 0 ? -1 : keep(fd);
    }

    PeerId peer_connect(const stbf_addr& to) override {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(to.port);
        std::memcpy(&in.sin_addr, to.addr, 4);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&in), sizeof(in)) != 0 &&
            errno != EINPROGRESS) {
            ::close(fd);
            return -1;
        }
        return keep(fd);
    }

    long peer_send(PeerId peer, const uint8_t* data, size_t len) override {
        ssize_t n = ::send(peer, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        return n < 0 ? 0 : static_cast<long>(n);
    }

    long peer_recv(PeerId peer, uint8_t* buf, size_t cap) override {
        ssize_t n = ::recv(peer, buf, cap, MSG_DONTWAIT);
        if (n >= 0) return static_cast<long>(n);
        if (errno == EAGAIN || errno == EWOULDBLOCK) return kPeerNothing;
        return kPeerReset;
    }

    void peer_close(PeerId peer) override { forget_and_close(peer); }

    void peer_reset(PeerId peer) override {
        linger lg{1, 0};  // close with linger 0 sends RST
        setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        forget_and_close(peer);
    }

    stbf_addr refused_addr() override {
        // Bound but not listening: the port is reserved for us and a SYN gets RST.
        if (refused_ < 0) refused_ = keep(bind_loopback(&refused_addr_));
        return refused_addr_;
    }

  private:
    int keep(int fd) {
        if (fd >= 0) fds_.push_back(fd);
        return fd;
    }
    void forget_and_close(int fd) {
        for (size_t i = 0; i < fds_.size(); ++i) {
            if (fds_[i] == fd) {
                fds_.erase(fds_.begin() + static_cast<long>(i));
                ::close(fd);
                return;
            }
        }
    }

    std::unique_ptr<PosixPort> port_;
    std::vector<int> fds_;
    int listener_ = -1;
    stbf_addr listener_addr_{};
    int refused_ = -1;
    stbf_addr refused_addr_{};
};

}  // namespace

std::unique_ptr<PortHarness> make_port_harness() {
    return std::make_unique<PosixHarness>();
}

}  // namespace stbf::test
