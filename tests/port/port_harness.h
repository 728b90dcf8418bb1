// Harness for the port contract tests (port_contract_test.cpp). The tests are written once
// against this interface; each port provides one implementation in its own file
// (posix_harness.cpp, sim_harness.cpp, ...) that defines make_port_harness(), and one test
// binary per port links the shared test file with that harness (see CMakeLists.txt here).
//
// The "peer" is the other end of a connection, outside the port under test: for the POSIX port
// plain loopback sockets of the test process, for a simulator its scripted remote hosts. Peer
// calls never block; the tests wait by pumping the port's own `poll` (which lets a simulator
// advance its clock) and retrying, bounded in count.
//
// Names the tests resolve, which a harness must make work: "localhost" (at least one loopback
// address), "nothing.invalid" (does not resolve: NOT_FOUND), numeric "127.0.0.1" and "::1".
#ifndef STBF_TESTS_PORT_HARNESS_H
#define STBF_TESTS_PORT_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <memory>

#include "stbf/port.h"

namespace stbf::test {

/// Peer connection handle of a harness; negative values are never valid.
using PeerId = int;

/// peer_recv results besides a byte count > 0.
constexpr long kPeerEof = 0;       ///< the port side closed in order
constexpr long kPeerNothing = -1;  ///< nothing to read yet
constexpr long kPeerReset = -2;    ///< the port side reset the connection

class PortHarness {
  public:
    virtual ~PortHarness() = default;

    /// The port under test; valid for the life of the harness.
    virtual const stbf_port& port() = 0;

    /// An address the port can listen on: loopback, port 0 (pick a free one).
    virtual stbf_addr listen_addr() = 0;

    /// Starts the peer's listener and returns where it listens (its one listener; calling again
    /// returns the same address). The peer's receive buffer is kept small (a few KiB) so the
    /// port side feels back-pressure soon.
    virtual stbf_addr peer_listen() = 0;
    /// Accepts one connection on the peer listener; -1 when none is pending yet.
    virtual PeerId peer_accept() = 0;
    /// Starts a connection from the peer to `to` (e.g. a port listener); -1 if refused at once.
    virtual PeerId peer_connect(const stbf_addr& to) = 0;
    /// Sends without blocking; returns the bytes taken (0 when its buffer is full).
    virtual long peer_send(PeerId peer, const uint8_t* data, size_t len) = 0;
    /// Receives without blocking: bytes read (> 0), kPeerEof, kPeerNothing or kPeerReset.
    virtual long peer_recv(PeerId peer, uint8_t* buf, size_t cap) = 0;
    /// Orderly close (FIN): the port side reads end of stream.
    virtual void peer_close(PeerId peer) = 0;
    /// Abortive close (RST): the port side sees RESET.
    virtual void peer_reset(PeerId peer) = 0;

    /// An address where connecting is refused (nothing listens there).
    virtual stbf_addr refused_addr() = 0;
};

/// Defined once per port in its harness file.
std::unique_ptr<PortHarness> make_port_harness();

}  // namespace stbf::test

#endif  // STBF_TESTS_PORT_HARNESS_H
