// A TLS client stream over the port contract (mbedTLS 2.28 or 3.6).
//
// mbedTLS never touches a socket here: its record layer is wired with mbedtls_ssl_set_bio() to the
// port's non-blocking tcp_send / tcp_recv, and its random generator is seeded from the port's
// `random`, so the stream works on any port, not only POSIX. (Under mbedTLS 3.x, TLS 1.3 key
// shares also draw on PSA's own generator, which mbedTLS seeds from the platform.)
//
// Two objects:
//  - TlsClientConfig: what one server asks for (SNI, CA file, public-key pin, verification on or
//    off). Loaded once, shared by every connection to that server. Holds the mbedTLS config, the
//    CA chain and the random generator.
//  - TlsStream: one connection. Starts the TCP connect itself, runs the handshake without ever
//    blocking, then moves bytes. connect / connect_result / send / recv / close have the exact
//    semantics of the port's tcp_* functions; the handshake runs either explicitly (handshake())
//    or implicitly inside the first send/recv, which return WOULD_BLOCK until it is done. That
//    is what lets the runtime relay through TLS unchanged (tls_transport.h).
//
// Readiness: TLS may need the socket writable to read (and readable to write) during a handshake.
// After any call that returned IN_PROGRESS or WOULD_BLOCK, watch the socket for `interest()`.
// TLS decrypts whole records, so bytes may already be waiting inside the stream while the socket
// is not readable: after a READABLE event keep calling recv until it returns WOULD_BLOCK (or use
// has_buffered_input()).
//
// Certificate checks (verification is on unless TlsOptions::verify is false):
//  - with a CA file: the chain must lead to one of its certificates;
//  - with a pin: the SHA-256 of the server certificate's SubjectPublicKeyInfo (DER) must match;
//    a pin alone (no CA file) replaces the CA check, so a provider's self-signed certificate
//    works; with both, both must pass;
//  - with neither: the system bundle (kDefaultCaFiles) is used;
//  - always (when verifying): the certificate must be within its validity dates and name the
//    server (`sni`, or the host when `sni` is empty).
// Turning verification off is an explicit choice and is logged as a warning at every connect.
#ifndef STBF_TLS_TLS_STREAM_H
#define STBF_TLS_TLS_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <string>

#include "stbf/port.h"

namespace stbf::tls {

/// Why a TLS connection (or its configuration) failed. Shown in status and logs.
enum class TlsFailure : uint8_t {
    None = 0,
    BadOptions,       ///< options unusable: malformed pin, unreadable CA file, no name to check
    PinMismatch,      ///< server key does not match the configured SHA-256 pin
    Expired,          ///< certificate validity ended
    NotYetValid,      ///< certificate validity has not begun (or the box clock is wrong)
    WrongName,        ///< certificate does not name the server (sni / host)
    UntrustedCa,      ///< chain does not lead to a trusted CA
    BadCertificate,   ///< certificate refused for another reason (key usage, weak key, ...)
    HandshakeFailed,  ///< TLS handshake failure (no common cipher/version, alert from peer)
    ProtocolError,    ///< TLS failure after the handshake (bad record, alert from peer)
    Transport,        ///< TCP failed (see transport_status())
    Closed,           ///< peer closed before the handshake finished
};

/// Short lower-case name ("pin mismatch", "expired", ...). Never null.
const char* tls_failure_name(TlsFailure f);

/// Per-server TLS settings, as written in the config.
struct TlsOptions {
    bool enabled = false;    ///< `"tls": true`; a disabled config refuses to connect (BadOptions)
    std::string host;        ///< the server's configured host (used for SNI when `sni` is empty)
    std::string sni;         ///< name sent in SNI and checked against the certificate
    std::string ca_file;     ///< PEM file of trusted CAs; empty = pin only, or system bundle
    std::string pin_sha256;  ///< SHA-256 of the SubjectPublicKeyInfo: 64 hex or 44 base64 chars
    bool verify = true;      ///< false = accept any certificate (explicit, logged)
};

/// System CA bundles tried, in order, when neither a CA file nor a pin is configured.
extern const char* const kDefaultCaFiles[];

/// Parses a SHA-256 pin written as 64 hex digits (colons allowed between byte pairs) or as
/// 44-character base64 (as `openssl ... | base64` prints it). Returns false when malformed.
bool parse_pin_sha256(const std::string& text, uint8_t out[32]);

/// Shared per-server TLS configuration. Not copyable; create with load().
class TlsClientConfig {
public:
    /// Builds the configuration: parses the pin, loads the CA file, seeds the random generator
    /// from `port.random`. On failure returns nullptr and sets `*failure` (BadOptions) and
    /// `*message` (names the file or field at fault). `port` must outlive the result.
    static std::unique_ptr<TlsClientConfig> load(const stbf_port& port, const TlsOptions& options,
                                                 TlsFailure* failure, std::string* message);
    ~TlsClientConfig();
    TlsClientConfig(const TlsClientConfig&) = delete;
    TlsClientConfig& operator=(const TlsClientConfig&) = delete;

    const TlsOptions& options() const { return options_; }
    /// Name checked against the certificate (sni, else host).
    const std::string& server_name() const { return server_name_; }

private:
    friend class TlsStream;
    struct Impl;
    TlsClientConfig(const stbf_port& port, const TlsOptions& options);

    const stbf_port& port_;
    TlsOptions options_;
    std::string server_name_;
    uint8_t pin_[32] = {};
    bool has_pin_ = false;
    std::unique_ptr<Impl> impl_;
};

/// One TLS client connection. Not copyable; `config` must outlive the stream.
class TlsStream {
public:
    explicit TlsStream(const TlsClientConfig& config);
    ~TlsStream();  ///< closes the socket if still open (no close_notify)
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    /// Starts the TCP connect to `remote`. Returns IN_PROGRESS (watch interest(), then call
    /// connect_result), or the port's immediate failure (REFUSED, UNREACHABLE, NO_RESOURCES,
    /// INVALID, ERROR; failure() is then Transport). INVALID also when already started.
    stbf_port_status connect(const stbf_addr& remote);

    /// The TCP outcome only, as the port's tcp_connect_result: IN_PROGRESS (watch WRITABLE, call
    /// again), OK once TCP is connected (the handshake has not run yet), or REFUSED,
    /// UNREACHABLE, TIMEOUT, RESET, ERROR with failure() Transport.
    stbf_port_status connect_result();

    /// Finishes the TCP connect if needed, then advances the handshake. Returns IN_PROGRESS
    /// (watch interest(), call again), OK once the handshake is done and the certificate
    /// accepted, or a failure: the TCP outcome with failure() Transport, CLOSED when the peer
    /// closed mid-handshake (failure() Closed), ERROR for a TLS or certificate failure
    /// (failure() / failure_message() say which; the reason is also logged). After a failure
    /// only close() is useful.
    stbf_port_status handshake();

    /// Encrypts and sends up to `len` bytes (runs the handshake first if it is not done).
    /// Returns OK with `*sent` > 0, WOULD_BLOCK with `*sent` = 0 (nothing taken: call again with
    /// the same bytes first - as with a socket - once interest() is ready), CLOSED, RESET,
    /// ERROR (TLS or certificate failure), INVALID (not connected, or the retried bytes differ
    /// from the ones that blocked).
    stbf_port_status send(const uint8_t* data, size_t len, size_t* sent);

    /// Receives up to `cap` decrypted bytes (runs the handshake first if it is not done).
    /// Returns OK with `*got` > 0, WOULD_BLOCK, CLOSED (peer sent close_notify or closed the TCP
    /// stream), RESET, ERROR (TLS or certificate failure), INVALID.
    stbf_port_status recv(uint8_t* buf, size_t cap, size_t* got);

    /// Sends close_notify if possible (best effort, never waits) and closes the socket.
    void close();

    /// Readiness (STBF_READABLE / STBF_WRITABLE) the stream waits for; 0 when idle/closed.
    unsigned interest() const;
    /// True when decrypted bytes are waiting inside the stream (recv will not block).
    bool has_buffered_input() const;
    /// The underlying socket (STBF_SOCK_INVALID before connect / after close).
    stbf_sock socket() const { return sock_; }
    bool established() const { return state_ == State::Established; }
    /// Negotiated protocol ("TLSv1.2", "TLSv1.3") once established, "" before.
    const char* protocol() const;

    TlsFailure failure() const { return failure_; }
    /// Human-readable reason of the last failure ("" when none), e.g. "certificate expired".
    const std::string& failure_message() const { return failure_message_; }
    /// Port status of the TCP failure when failure() is Transport.
    stbf_port_status transport_status() const { return transport_status_; }

private:
    enum class State : uint8_t { Idle, Connecting, Handshaking, Established, Failed, Closed };
    struct Impl;

    static int bio_send(void* self, const unsigned char* buf, size_t len);
    static int bio_recv(void* self, unsigned char* buf, size_t len);
    stbf_port_status fail(TlsFailure f, std::string message, stbf_port_status result);
    stbf_port_status finish_handshake();
    stbf_port_status ensure_handshake();  // OK when established, else what send/recv return
    stbf_port_status map_io_error(int ret, const char* what);
    bool wants_io(int ret);  // WANT_READ/WANT_WRITE: sets interest_, true
    stbf_port_status status_when_not_ready() const;  // after a failure, or INVALID
    TlsFailure classify_certificate(uint32_t flags, std::string* message) const;

    const TlsClientConfig& config_;
    std::unique_ptr<Impl> impl_;
    stbf_sock sock_ = STBF_SOCK_INVALID;
    State state_ = State::Idle;
    unsigned interest_ = 0;
    TlsFailure failure_ = TlsFailure::None;
    std::string failure_message_;
    stbf_port_status transport_status_ = STBF_PORT_OK;
    // Bytes of a write that blocked; mbedTLS requires the retry to pass the very same bytes.
    static constexpr size_t kMaxWriteChunk = 4096;
    uint8_t pending_write_[kMaxWriteChunk] = {};
    size_t pending_write_len_ = 0;
};

}  // namespace stbf::tls

#endif  // STBF_TLS_TLS_STREAM_H
