// TLS for the relay runtime: a stbf::Transport (runtime.h) whose connections are TlsStreams.
//
// One TlsTransport per TLS server (its options: SNI, CA file or pin, verify). The daemon's
// TransportSelector returns table() for servers configured with `"tls": true` and null for the
// rest. The runtime then connects, reads the greeting and relays through TLS exactly as over
// plain TCP: connect/connect_result cover the TCP connect, and the handshake runs inside the
// first recv/send (they return WOULD_BLOCK until it is done), so greeting checks, probes and hang
// detection see only application bytes.
//
// A refused certificate or failed handshake makes recv/send return ERROR (the runtime counts a
// failed attempt or probe) and is logged through the port with its reason (pin mismatch, expired,
// wrong name, untrusted CA, handshake failure); last_failure() keeps the latest for `status`.
//
// Known limit of the seam: the runtime watches READABLE after a WOULD_BLOCK from recv and
// WRITABLE after one from send. A handshake that needs the other direction (rare: a full socket
// buffer during the handshake, or an `expect` probe that sends first) still completes, but the
// runtime may poll more often than needed until it does.
#ifndef STBF_TLS_TLS_TRANSPORT_H
#define STBF_TLS_TLS_TRANSPORT_H

#include <map>
#include <memory>
#include <string>

#include "stbf/runtime.h"
#include "tls/tls_stream.h"

namespace stbf::tls {

class TlsTransport {
public:
    /// Loads the server's TLS options (TlsClientConfig::load). Returns null with the reason
    /// (BadOptions) and a message naming the field or file at fault.
    static std::unique_ptr<TlsTransport> create(const stbf_port& port, const TlsOptions& options,
                                                TlsFailure* failure, std::string* message);
    ~TlsTransport();  ///< closes connections still open
    TlsTransport(const TlsTransport&) = delete;
    TlsTransport& operator=(const TlsTransport&) = delete;

    /// The table to hand to the runtime; valid for the life of this object.
    const Transport* table() const { return &table_; }

    /// Connections currently open through this transport.
    size_t open_connections() const { return streams_.size(); }
    /// Latest TLS failure of any connection since the last good handshake (None if none) and
    /// its message.
    TlsFailure last_failure() const { return last_failure_; }
    const std::string& last_failure_message() const { return last_failure_message_; }

private:
    explicit TlsTransport(std::unique_ptr<TlsClientConfig> config);
    TlsStream* find(stbf_sock s);
    stbf_port_status noted(TlsStream& stream, stbf_port_status st);

    static stbf_port_status do_connect(void* ctx, const stbf_addr* remote, stbf_sock* out);
    static stbf_port_status do_connect_result(void* ctx, stbf_sock s);
    static stbf_port_status do_send(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                                    size_t* sent);
    static stbf_port_status do_recv(void* ctx, stbf_sock s, uint8_t* buf, size_t cap, size_t* got);
    static void do_close(void* ctx, stbf_sock s);

    std::unique_ptr<TlsClientConfig> config_;
    std::map<stbf_sock, std::unique_ptr<TlsStream>> streams_;
    Transport table_;
    TlsFailure last_failure_ = TlsFailure::None;
    std::string last_failure_message_;
};

}  // namespace stbf::tls

#endif  // STBF_TLS_TLS_TRANSPORT_H
