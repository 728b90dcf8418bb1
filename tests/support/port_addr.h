// Port-contract addresses for test peers that are not OS sockets (lwIP, sim): no OS header.
#ifndef STBF_TESTS_SUPPORT_PORT_ADDR_H
#define STBF_TESTS_SUPPORT_PORT_ADDR_H

#include <stdint.h>

#include "stbf/port.h"

namespace stbf::test {

/// 127.0.0.1:`port` as a stbf_addr.
inline stbf_addr loopback_addr(uint16_t port) {
    stbf_addr a{};
    a.family = 4;
    a.addr[0] = 127;
    a.addr[3] = 1;
    a.port = port;
    return a;
}

}  // namespace stbf::test

#endif  // STBF_TESTS_SUPPORT_PORT_ADDR_H
