// TLS client stream: mbedTLS record layer on the port's non-blocking TCP (see tls_stream.h).
//
// One code path for mbedTLS 2.28 and 3.6. Version checks appear only where the APIs differ:
// the minimum protocol version call and PSA initialisation (3.x needs psa_crypto_init before a
// TLS 1.3 handshake).
#include "tls/tls_stream.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/net_sockets.h>  // MBEDTLS_ERR_NET_* codes only; net_sockets.c is not used
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if defined(MBEDTLS_ERROR_C)
#include <mbedtls/error.h>
#endif
#if MBEDTLS_VERSION_NUMBER < 0x021C0000
#error "stbf_tls needs mbedTLS 2.28 or newer (2.28 LTS or 3.x)"
#endif
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <psa/crypto.h>
#endif

#include "config_tls.h"  // parse_pin_sha256: one parser for config and handshake
#include "stbf/posix_port.h"  // port_status_name only: a plain table, no OS dependency

namespace stbf::tls {

const char* const kDefaultCaFiles[] = {
    "/etc/ssl/certs/ca-certificates.crt",  // Debian, OpenEmbedded ca-certificates
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    nullptr,
};

const char* tls_failure_name(TlsFailure f) {
    switch (f) {
        case TlsFailure::None: return "none";
        case TlsFailure::BadOptions: return "bad tls options";
        case TlsFailure::PinMismatch: return "pin mismatch";
        case TlsFailure::Expired: return "certificate expired";
        case TlsFailure::NotYetValid: return "certificate not yet valid";
        case TlsFailure::WrongName: return "wrong name";
        case TlsFailure::UntrustedCa: return "untrusted ca";
        case TlsFailure::BadCertificate: return "bad certificate";
        case TlsFailure::HandshakeFailed: return "handshake failed";
        case TlsFailure::ProtocolError: return "tls protocol error";
        case TlsFailure::Transport: return "transport error";
        case TlsFailure::Closed: return "closed during handshake";
    }
    return "unknown";
}

namespace {

void log_line(const stbf_port& port, stbf_log_level level, const std::string& line) {
    if (port.log != nullptr) port.log(port.ctx, level, line.data(), line.size());
}

std::string mbedtls_message(int ret) {
    char text[160] = {};
#if defined(MBEDTLS_ERROR_C)
    mbedtls_strerror(ret, text, sizeof text);
#endif
    char code[24];
    snprintf(code, sizeof code, "-0x%04x", static_cast<unsigned>(-ret));
    return text[0] != '\0' ? std::string(text) + " (" + code + ")" : std::string("mbedTLS error ") + code;
}

// Seeds the generator from the port: the only entropy source, so any port works.
int port_entropy(void* port_ptr, unsigned char* out, size_t len) {
    const stbf_port* port = static_cast<const stbf_port*>(port_ptr);
    port->random(port->ctx, out, len);
    return 0;
}

bool sha256(const uint8_t* data, size_t len, uint8_t out[32]) {
    const mbedtls_md_info_t* info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    return info != nullptr && mbedtls_md(info, data, len, out) == 0;
}

}  // namespace

bool parse_pin_sha256(const std::string& text, uint8_t out[32]) {
    // One parser for the config loader and the TLS layer: a pin the config accepts is the pin
    // the handshake checks.
    return fw::parse_pin_sha256(text, out);
}

// ---- TlsClientConfig --------------------------------------------------------------------------

struct TlsClientConfig::Impl {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_ctr_drbg_context drbg;
    bool has_ca = false;

    Impl() {
        mbedtls_ssl_config_init(&conf);
        mbedtls_x509_crt_init(&ca);
        mbedtls_ctr_drbg_init(&drbg);
    }
    ~Impl() {
        mbedtls_ssl_config_free(&conf);
        mbedtls_x509_crt_free(&ca);
        mbedtls_ctr_drbg_free(&drbg);
    }
};

TlsClientConfig::TlsClientConfig(const stbf_port& port, const TlsOptions& options)
    : port_(port), options_(options), impl_(new Impl) {
    server_name_ = options.sni.empty() ? options.host : options.sni;
}

TlsClientConfig::~TlsClientConfig() = default;

std::unique_ptr<TlsClientConfig> TlsClientConfig::load(const stbf_port& port,
                                                       const TlsOptions& options,
                                                       TlsFailure* failure, std::string* message) {
    auto refuse = [&](std::string why) {
        *failure = TlsFailure::BadOptions;
        *message = std::move(why);
        return std::unique_ptr<TlsClientConfig>();
    };
    *failure = TlsFailure::None;
    message->clear();
    if (!options.enabled) return refuse("tls is not enabled for this server");
    if (port.random == nullptr || port.tcp_send == nullptr || port.tcp_recv == nullptr)
        return refuse("port lacks random or tcp functions");

    std::unique_ptr<TlsClientConfig> cfg(new TlsClientConfig(port, options));
    Impl& im = *cfg->impl_;

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && \
    (defined(MBEDTLS_USE_PSA_CRYPTO) || defined(MBEDTLS_SSL_PROTO_TLS1_3))
    if (psa_crypto_init() != PSA_SUCCESS) return refuse("PSA crypto initialisation failed");
#endif

    if (options.verify) {
        if (cfg->server_name_.empty())
            return refuse("no host or sni to check the server certificate against");
        if (!options.pin_sha256.empty()) {
            if (!parse_pin_sha256(options.pin_sha256, cfg->pin_))
                return refuse("pin_sha256 \"" + options.pin_sha256 +
                              "\" is not 64 hex digits or 44 base64 characters");
            cfg->has_pin_ = true;
        }
        if (!options.ca_file.empty()) {
            int ret = mbedtls_x509_crt_parse_file(&im.ca, options.ca_file.c_str());
            if (ret != 0)
                return refuse("cannot load CA file " + options.ca_file + ": " +
                              (ret < 0 ? mbedtls_message(ret)
                                       : std::to_string(ret) + " certificate(s) do not parse"));
            im.has_ca = true;
        } else if (!cfg->has_pin_) {
            // Neither CA file nor pin: trust the system bundle (a few bad entries are skipped).
            for (size_t i = 0; kDefaultCaFiles[i] != nullptr && !im.has_ca; ++i) {
                int ret = mbedtls_x509_crt_parse_file(&im.ca, kDefaultCaFiles[i]);
                im.has_ca = ret >= 0 && im.ca.version != 0;
            }
            if (!im.has_ca)
                return refuse("no ca_file or pin_sha256 configured and no system CA bundle found");
        }
    } else if (!options.pin_sha256.empty() || !options.ca_file.empty()) {
        return refuse("verify is off but ca_file or pin_sha256 is set; remove one of them");
    }

    static const char kPersonalisation[] = "stbfailover tls";
    int ret = mbedtls_ctr_drbg_seed(&im.drbg, port_entropy, const_cast<stbf_port*>(&port),
                                    reinterpret_cast<const unsigned char*>(kPersonalisation),
                                    sizeof kPersonalisation - 1);
    if (ret != 0) return refuse("random generator seeding failed: " + mbedtls_message(ret));

    ret = mbedtls_ssl_config_defaults(&im.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) return refuse("TLS defaults failed: " + mbedtls_message(ret));
#if MBEDTLS_VERSION_NUMBER < 0x03000000
    // 3.x supports TLS 1.2 and newer only; 2.28 may have 1.0/1.1 compiled in.
    mbedtls_ssl_conf_min_version(&im.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    mbedtls_ssl_conf_rng(&im.conf, mbedtls_ctr_drbg_random, &im.drbg);
    // OPTIONAL lets the handshake finish so the stream can name the exact reason (pin, expiry,
    // name, CA) from the verification flags; a refused certificate never carries a byte.
    mbedtls_ssl_conf_authmode(&im.conf, options.verify ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                                       : MBEDTLS_SSL_VERIFY_NONE);
    if (im.has_ca) mbedtls_ssl_conf_ca_chain(&im.conf, &im.ca, nullptr);
    return cfg;
}

// ---- TlsStream --------------------------------------------------------------------------------

struct TlsStream::Impl {
    mbedtls_ssl_context ssl;
    bool pin_seen = false;     // the verify callback saw the server certificate (depth 0)
    bool pin_matched = false;  // ... and its key hash equals the pin
    const TlsClientConfig* config = nullptr;

    Impl() { mbedtls_ssl_init(&ssl); }
    ~Impl() { mbedtls_ssl_free(&ssl); }

    // Called by mbedTLS for each certificate of the chain, top first, server certificate last.
    static int verify_callback(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
        Impl* im = static_cast<Impl*>(self);
        const TlsClientConfig& cfg = *im->config;
        const bool pin_only = cfg.has_pin_ && !cfg.impl_->has_ca;
        // With a pin alone, trust comes from the pin, not from a CA.
        if (pin_only) *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_NOT_TRUSTED);
        if (depth == 0 && cfg.has_pin_) {
            uint8_t digest[32];
            im->pin_seen = true;
            im->pin_matched = sha256(crt->pk_raw.p, crt->pk_raw.len, digest) &&
                              memcmp(digest, cfg.pin_, sizeof digest) == 0;
        }
        return 0;
    }
};

TlsStream::TlsStream(const TlsClientConfig& config) : config_(config), impl_(new Impl) {
    impl_->config = &config;
}

TlsStream::~TlsStream() {
    if (sock_ != STBF_SOCK_INVALID) config_.port_.tcp_close(config_.port_.ctx, sock_);
}

stbf_port_status TlsStream::fail(TlsFailure f, std::string message, stbf_port_status result) {
    failure_ = f;
    failure_message_ = std::move(message);
    state_ = State::Failed;
    interest_ = 0;
    log_line(config_.port_, STBF_LOG_WARNING,
             "tls " + config_.server_name_ + ": " + tls_failure_name(f) + ": " + failure_message_);
    return result;
}

int TlsStream::bio_send(void* self, const unsigned char* buf, size_t len) {
    TlsStream* s = static_cast<TlsStream*>(self);
    const stbf_port& port = s->config_.port_;
    size_t sent = 0;
    stbf_port_status st = port.tcp_send(port.ctx, s->sock_, buf, len, &sent);
    if (st == STBF_PORT_OK) return static_cast<int>(sent);
    if (st == STBF_PORT_WOULD_BLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    s->transport_status_ = st;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

int TlsStream::bio_recv(void* self, unsigned char* buf, size_t len) {
    TlsStream* s = static_cast<TlsStream*>(self);
    const stbf_port& port = s->config_.port_;
    size_t got = 0;
    stbf_port_status st = port.tcp_recv(port.ctx, s->sock_, buf, len, &got);
    if (st == STBF_PORT_OK) return static_cast<int>(got);
    if (st == STBF_PORT_WOULD_BLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (st == STBF_PORT_CLOSED) return 0;  // end of stream
    s->transport_status_ = st;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

stbf_port_status TlsStream::connect(const stbf_addr& remote) {
    if (state_ != State::Idle) return STBF_PORT_INVALID;
    const stbf_port& port = config_.port_;
    if (!config_.options_.verify)
        log_line(port, STBF_LOG_WARNING,
                 "tls " + config_.server_name_ +
                     ": certificate verification is OFF by configuration (verify: false)");
    int ret = mbedtls_ssl_setup(&impl_->ssl, &config_.impl_->conf);
    if (ret == 0 && !config_.server_name_.empty())
        ret = mbedtls_ssl_set_hostname(&impl_->ssl, config_.server_name_.c_str());
    if (ret != 0)
        return fail(TlsFailure::BadOptions, "TLS setup failed: " + mbedtls_message(ret),
                    STBF_PORT_ERROR);
    if (config_.options_.verify) mbedtls_ssl_set_verify(&impl_->ssl, Impl::verify_callback, impl_.get());
    mbedtls_ssl_set_bio(&impl_->ssl, this, bio_send, bio_recv, nullptr);

    stbf_port_status st = port.tcp_connect(port.ctx, &remote, &sock_);
    if (st == STBF_PORT_IN_PROGRESS) {
        state_ = State::Connecting;
        interest_ = STBF_WRITABLE;
        return STBF_PORT_IN_PROGRESS;
    }
    if (st == STBF_PORT_OK) {
        state_ = State::Handshaking;
        interest_ = STBF_WRITABLE;
        return STBF_PORT_IN_PROGRESS;
    }
    sock_ = STBF_SOCK_INVALID;
    transport_status_ = st;
    return fail(TlsFailure::Transport, std::string("TCP connect failed: ") + port_status_name(st),
                st);
}

stbf_port_status TlsStream::connect_result() {
    const stbf_port& port = config_.port_;
    if (state_ == State::Connecting) {
        stbf_port_status st = port.tcp_connect_result(port.ctx, sock_);
        if (st == STBF_PORT_IN_PROGRESS) return st;
        if (st != STBF_PORT_OK) {
            transport_status_ = st;
            return fail(TlsFailure::Transport,
                        std::string("TCP connect failed: ") + port_status_name(st), st);
        }
        state_ = State::Handshaking;
        interest_ = STBF_WRITABLE;  // the ClientHello goes first
        return STBF_PORT_OK;
    }
    if (state_ == State::Handshaking || state_ == State::Established) return STBF_PORT_OK;
    return status_when_not_ready();
}

stbf_port_status TlsStream::handshake() {
    if (state_ == State::Connecting) {
        stbf_port_status st = connect_result();
        if (st != STBF_PORT_OK) return st;
    }
    if (state_ == State::Established) return STBF_PORT_OK;
    if (state_ != State::Handshaking)
        return status_when_not_ready();

    int ret = mbedtls_ssl_handshake(&impl_->ssl);
    if (wants_io(ret)) return STBF_PORT_IN_PROGRESS;
    if (ret == 0 || ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) return finish_handshake();
    if (ret == MBEDTLS_ERR_NET_SEND_FAILED || ret == MBEDTLS_ERR_NET_RECV_FAILED)
        return fail(TlsFailure::Transport,
                    std::string("connection failed during handshake: ") +
                        port_status_name(transport_status_),
                    transport_status_);
    if (ret == MBEDTLS_ERR_SSL_CONN_EOF || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        return fail(TlsFailure::Closed, "server closed the connection during the handshake",
                    STBF_PORT_CLOSED);
    return fail(TlsFailure::HandshakeFailed, mbedtls_message(ret), STBF_PORT_ERROR);
}

stbf_port_status TlsStream::ensure_handshake() {
    if (state_ == State::Established) return STBF_PORT_OK;
    if (state_ == State::Handshaking) {
        stbf_port_status st = handshake();
        return st == STBF_PORT_IN_PROGRESS ? STBF_PORT_WOULD_BLOCK : st;
    }
    if (state_ == State::Failed) return failure_ == TlsFailure::Transport ? STBF_PORT_RESET : STBF_PORT_CLOSED;
    return STBF_PORT_INVALID;
}

TlsFailure TlsStream::classify_certificate(uint32_t flags, std::string* message) const {
    if (flags == 0) return TlsFailure::None;
    char info[512] = {};
    mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    // One line: mbedTLS separates its reasons with newlines.
    std::string reasons(info);
    for (char& c : reasons)
        if (c == '\n') c = ';';
    while (!reasons.empty() && (reasons.back() == ';' || reasons.back() == ' ')) reasons.pop_back();
    *message = "certificate of " + config_.server_name_ + " refused: " + reasons;
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return TlsFailure::UntrustedCa;
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return TlsFailure::Expired;
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) return TlsFailure::NotYetValid;
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) return TlsFailure::WrongName;
    return TlsFailure::BadCertificate;
}

stbf_port_status TlsStream::finish_handshake() {
    if (config_.options_.verify) {
        if (config_.has_pin_ && !(impl_->pin_seen && impl_->pin_matched))
            return fail(TlsFailure::PinMismatch,
                        "public key of " + config_.server_name_ +
                            " does not match pin_sha256 " + config_.options_.pin_sha256,
                        STBF_PORT_ERROR);
        uint32_t flags = mbedtls_ssl_get_verify_result(&impl_->ssl);
        std::string message;
        TlsFailure f = classify_certificate(flags, &message);
        if (f != TlsFailure::None) return fail(f, message, STBF_PORT_ERROR);
    }
    state_ = State::Established;
    interest_ = STBF_READABLE;
    log_line(config_.port_, STBF_LOG_DEBUG,
             "tls " + config_.server_name_ + ": " + mbedtls_ssl_get_version(&impl_->ssl) + " " +
                 mbedtls_ssl_get_ciphersuite(&impl_->ssl) + " established");
    return STBF_PORT_OK;
}

bool TlsStream::wants_io(int ret) {
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) interest_ = STBF_READABLE;
    else if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) interest_ = STBF_WRITABLE;
    else return false;
    return true;
}

stbf_port_status TlsStream::status_when_not_ready() const {
    if (state_ != State::Failed) return STBF_PORT_INVALID;
    return failure_ == TlsFailure::Transport ? transport_status_ : STBF_PORT_ERROR;
}

stbf_port_status TlsStream::map_io_error(int ret, const char* what) {
    if (wants_io(ret)) return STBF_PORT_WOULD_BLOCK;
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        state_ = State::Failed;
        interest_ = 0;
        return STBF_PORT_CLOSED;
    }
    if (ret == MBEDTLS_ERR_NET_SEND_FAILED || ret == MBEDTLS_ERR_NET_RECV_FAILED) {
        state_ = State::Failed;
        interest_ = 0;
        failure_ = TlsFailure::Transport;
        failure_message_ = std::string(what) + ": connection failed";
        return transport_status_ == STBF_PORT_CLOSED ? STBF_PORT_CLOSED : STBF_PORT_RESET;
    }
    return fail(TlsFailure::ProtocolError, std::string(what) + ": " + mbedtls_message(ret),
                STBF_PORT_ERROR);
}

stbf_port_status TlsStream::send(const uint8_t* data, size_t len, size_t* sent) {
    *sent = 0;
    stbf_port_status ready = ensure_handshake();
    if (ready != STBF_PORT_OK) return ready;
    if (len == 0) return STBF_PORT_OK;
    size_t chunk = len < kMaxWriteChunk ? len : kMaxWriteChunk;
    if (pending_write_len_ > 0) {
        // A write blocked before: mbedTLS must be handed the very same bytes again.
        if (len < pending_write_len_ || memcmp(data, pending_write_, pending_write_len_) != 0)
            return STBF_PORT_INVALID;
        chunk = pending_write_len_;
    }
    int ret = mbedtls_ssl_write(&impl_->ssl, data, chunk);
    if (ret > 0) {
        pending_write_len_ = 0;
        interest_ = STBF_READABLE;
        *sent = static_cast<size_t>(ret);
        return STBF_PORT_OK;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
        memcpy(pending_write_, data, chunk);
        pending_write_len_ = chunk;
    }
    return map_io_error(ret, "send");
}

stbf_port_status TlsStream::recv(uint8_t* buf, size_t cap, size_t* got) {
    *got = 0;
    stbf_port_status ready = ensure_handshake();
    if (ready != STBF_PORT_OK) return ready;
    if (cap == 0) return STBF_PORT_INVALID;
    // A few rounds at most: TLS 1.3 may deliver session tickets before application data.
    for (int round = 0; round < 8; ++round) {
        int ret = mbedtls_ssl_read(&impl_->ssl, buf, cap);
        if (ret > 0) {
            *got = static_cast<size_t>(ret);
            return STBF_PORT_OK;
        }
        if (ret == 0) {
            state_ = State::Failed;
            interest_ = 0;
            return STBF_PORT_CLOSED;
        }
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;
#endif
        return map_io_error(ret, "recv");
    }
    interest_ = STBF_READABLE;
    return STBF_PORT_WOULD_BLOCK;
}

void TlsStream::close() {
    if (sock_ == STBF_SOCK_INVALID) return;
    if (state_ == State::Established) mbedtls_ssl_close_notify(&impl_->ssl);  // best effort
    config_.port_.tcp_close(config_.port_.ctx, sock_);
    sock_ = STBF_SOCK_INVALID;
    state_ = State::Closed;
    interest_ = 0;
    pending_write_len_ = 0;
}

unsigned TlsStream::interest() const {
    if (sock_ == STBF_SOCK_INVALID) return 0;
    return interest_;
}

const char* TlsStream::protocol() const {
    return state_ == State::Established ? mbedtls_ssl_get_version(&impl_->ssl) : "";
}

bool TlsStream::has_buffered_input() const {
    return state_ == State::Established && (mbedtls_ssl_get_bytes_avail(&impl_->ssl) > 0 ||
                                            mbedtls_ssl_check_pending(&impl_->ssl) != 0);
}

}  // namespace stbf::tls
