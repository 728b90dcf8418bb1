// TLS transport for the runtime (see tls_transport.h).
#include "tls/tls_transport.h"

#include <utility>

namespace stbf::tls {

std::unique_ptr<TlsTransport> TlsTransport::create(const stbf_port& port, const TlsOptions& options,
                                                   TlsFailure* failure, std::string* message) {
    std::unique_ptr<TlsClientConfig> config = TlsClientConfig::load(port, options, failure, message);
    if (!config) return nullptr;
    return std::unique_ptr<TlsTransport>(new TlsTransport(std::move(config)));
}

TlsTransport::TlsTransport(std::unique_ptr<TlsClientConfig> config)
    : config_(std::move(config)),
      table_{this, do_connect, do_connect_result, do_send, do_recv, do_close} {}

TlsTransport::~TlsTransport() {
    for (auto& entry : streams_) entry.second->close();
}

TlsStream* TlsTransport::find(stbf_sock s) {
    auto it = streams_.find(s);
    return it == streams_.end() ? nullptr : it->second.get();
}

stbf_port_status TlsTransport::noted(TlsStream& stream, stbf_port_status st) {
    if (stream.failure() != TlsFailure::None && stream.failure() != TlsFailure::Transport) {
        last_failure_ = stream.failure();
        last_failure_message_ = stream.failure_message();
    } else if (st == STBF_PORT_OK && stream.established()) {
        last_failure_ = TlsFailure::None;  // a good handshake since: the problem is gone
        last_failure_message_.clear();
    }
    return st;
}

stbf_port_status TlsTransport::do_connect(void* ctx, const stbf_addr* remote, stbf_sock* out) {
    TlsTransport& self = *static_cast<TlsTransport*>(ctx);
    std::unique_ptr<TlsStream> stream(new TlsStream(*self.config_));
    stbf_port_status st = stream->connect(*remote);
    *out = stream->socket();
    if (*out != STBF_SOCK_INVALID) self.streams_[*out] = std::move(stream);
    return st;
}

stbf_port_status TlsTransport::do_connect_result(void* ctx, stbf_sock s) {
    TlsTransport& self = *static_cast<TlsTransport*>(ctx);
    TlsStream* stream = self.find(s);
    return stream ? stream->connect_result() : STBF_PORT_INVALID;
}

stbf_port_status TlsTransport::do_send(void* ctx, stbf_sock s, const uint8_t* data, size_t len,
                                       size_t* sent) {
    TlsTransport& self = *static_cast<TlsTransport*>(ctx);
    TlsStream* stream = self.find(s);
    *sent = 0;
    return stream ? self.noted(*stream, stream->send(data, len, sent)) : STBF_PORT_INVALID;
}

stbf_port_status TlsTransport::do_recv(void* ctx, stbf_sock s, uint8_t* buf, size_t cap,
                                       size_t* got) {
    TlsTransport& self = *static_cast<TlsTransport*>(ctx);
    TlsStream* stream = self.find(s);
    *got = 0;
    return stream ? self.noted(*stream, stream->recv(buf, cap, got)) : STBF_PORT_INVALID;
}

void TlsTransport::do_close(void* ctx, stbf_sock s) {
    TlsTransport& self = *static_cast<TlsTransport*>(ctx);
    auto it = self.streams_.find(s);
    if (it == self.streams_.end()) return;
    it->second->close();
    self.streams_.erase(it);
}

}  // namespace stbf::tls
