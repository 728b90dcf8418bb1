// Loopback sockets for test peers: the IPv4 loopback address tests listen on and connect to,
// and a socket bound there on a free port. Shared by the port contract and the daemon test
// harnesses (header-only: each links a different port).
#ifndef STBF_TESTS_SUPPORT_LOOPBACK_H
#define STBF_TESTS_SUPPORT_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

namespace stbf::test {

/// 127.0.0.1:`port` (port 0: the kernel picks a free one on bind).
inline sockaddr_in loopback_v4(uint16_t port) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return in;
}

/// A TCP socket bound to 127.0.0.1 on a free port, not listening yet. Returns the descriptor
/// (created with SOCK_CLOEXEC | `socket_flags`, e.g. SOCK_NONBLOCK) and stores the bound
/// address in `*bound`; -1 (nothing left open) on failure.
inline int bind_loopback_v4(int socket_flags, sockaddr_in* bound) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | socket_flags, 0);
    if (fd < 0) return -1;
    sockaddr_in in = loopback_v4(0);
    socklen_t len = sizeof(in);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof(in)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len) != 0) {
        ::close(fd);
        return -1;
    }
    *bound = in;
    return fd;
}

}  // namespace stbf::test

#endif  // STBF_TESTS_SUPPORT_LOOPBACK_H
