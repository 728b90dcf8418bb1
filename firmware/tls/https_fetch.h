// A minimal, strict HTTPS GET client over TlsStream and the port contract.
//
// Made for one job: fetching a provider's server list. It therefore refuses rather than guesses:
//  - https:// URLs only; a redirect is followed only to another https:// URL (at most
//    `max_redirects`), a redirect to plain http:// is refused;
//  - the final status must be 200;
//  - response headers are limited to `max_header` bytes, the body to `max_body` bytes (checked
//    against Content-Length before reading, and while reading chunked or close-delimited bodies);
//  - malformed status lines, header lines, chunk sizes, conflicting Content-Length and
//    Transfer-Encoding, or a body cut short are errors;
//  - the whole fetch (name resolution, every connect, handshake and transfer, redirects
//    included) must finish within `timeout_ms`.
//
// Non-blocking: start() begins, then advance() is called whenever anything may have happened
// (a poll event for socket(), a resolution event, or the clock passing deadline()); it never
// blocks. fetch_blocking() runs one fetch to completion for tools and tests.
#ifndef STBF_TLS_HTTPS_FETCH_H
#define STBF_TLS_HTTPS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <string>
#include <vector>

#include "stbf/port.h"
#include "tls/tls_stream.h"

namespace stbf::tls {

/// Why a fetch failed. Shown in `status` next to the message.
enum class FetchFailure : uint8_t {
    None = 0,
    BadUrl,       ///< not an https:// URL we can parse
    Dns,          ///< host name did not resolve
    Tcp,          ///< no address accepted the TCP connection
    Tls,          ///< TLS handshake or certificate refused (message names the reason)
    HttpStatus,   ///< final status was not 200
    BadResponse,  ///< malformed HTTP (status line, headers, chunking) or body cut short
    Oversize,     ///< headers or body larger than the limits
    Redirect,     ///< redirect to plain http, too many redirects, or no usable Location
    Timeout,      ///< did not finish within timeout_ms
    BadBody,      ///< fetched fine, but the body was refused by its reader (e.g. invalid list)
};

/// Short lower-case name ("dns", "http status", ...). Never null.
const char* fetch_failure_name(FetchFailure f);

struct FetchOptions {
    std::string url;           ///< https://host[:port]/path (IPv6 literal in brackets)
    TlsOptions tls;            ///< pin / CA / sni / verify; `enabled` and `host` are set per URL
    size_t max_body = 256 * 1024;
    size_t max_header = 16 * 1024;
    uint32_t timeout_ms = 20000;
    uint8_t max_redirects = 3;
};

struct FetchResult {
    FetchFailure failure = FetchFailure::None;
    std::string message;  ///< one line for logs and `status`; "" on success
    int http_status = 0;  ///< last status seen (0 if none)
    std::string body;     ///< the decoded body on success
    std::string url;      ///< URL the body came from (after redirects)
};

/// Parts of an https URL.
struct HttpsUrl {
    std::string host;  ///< without brackets
    uint16_t port = 443;
    std::string path;  ///< starts with '/'; includes the query
    std::string authority;  ///< Host header value: host[:port] as written
};

/// Parses an https:// URL. Returns false with a message for any other scheme (plain http is
/// refused by name), user info, an empty host, a bad port, spaces or control characters.
bool parse_https_url(const std::string& url, HttpsUrl* out, std::string* error);

class HttpsFetch {
public:
    /// `port` must outlive the fetch.
    explicit HttpsFetch(const stbf_port& port);
    ~HttpsFetch();
    HttpsFetch(const HttpsFetch&) = delete;
    HttpsFetch& operator=(const HttpsFetch&) = delete;

    /// Begins a fetch (cancelling one in progress). Always returns; a URL or option error ends
    /// the fetch at once (done() is then true).
    void start(const FetchOptions& options);

    /// Moves the fetch on as far as it can without blocking. Cheap when nothing is ready.
    /// Returns true while the fetch is still running.
    bool advance();

    /// Abandons a running fetch (closes its socket, cancels its resolution).
    void cancel();

    bool done() const { return state_ == State::Done; }
    /// Valid once done().
    const FetchResult& result() const { return result_; }

    /// What to wait for while running: the socket and its readiness (STBF_SOCK_INVALID while
    /// resolving), the resolution request (0 when none), and the absolute time limit.
    stbf_sock socket() const;
    unsigned interest() const;
    uint32_t resolve_request() const { return resolve_request_; }
    stbf_time_us deadline() const { return deadline_; }

private:
    enum class State : uint8_t { Idle, Resolving, Connecting, Sending, Receiving, Done };
    enum class BodyKind : uint8_t { Length, Chunked, UntilClose };
    enum class ChunkState : uint8_t { Size, Data, DataEnd, Trailer, Finished };

    void begin_url(const std::string& url);
    void finish(FetchFailure failure, std::string message);
    void succeed();
    bool connect_next_address();
    void on_connected();
    // Each step returns true when something happened (so advance() tries again).
    bool step_resolving();
    bool step_connecting();
    bool step_sending();
    bool step_receiving();
    bool parse_head();           // false: not complete yet (or finished with a failure)
    bool consume_body(bool eof);  // true when the body is complete (or failed)
    bool consume_chunked();
    bool take_line(std::string* line, size_t limit, const char* what);
    void close_stream();

    const stbf_port& port_;
    FetchOptions options_;
    State state_ = State::Idle;
    FetchResult result_;
    HttpsUrl url_;
    std::string current_url_;
    uint8_t redirects_ = 0;
    stbf_time_us deadline_ = 0;

    uint32_t resolve_request_ = 0;
    std::vector<stbf_addr> addresses_;
    size_t next_address_ = 0;
    std::string last_connect_error_;

    std::unique_ptr<TlsClientConfig> tls_config_;
    std::unique_ptr<TlsStream> stream_;

    std::string request_;
    size_t request_sent_ = 0;
    std::string in_;      // received, not yet consumed
    bool head_done_ = false;
    int status_ = 0;
    std::string location_;
    BodyKind body_kind_ = BodyKind::UntilClose;
    size_t content_length_ = 0;
    ChunkState chunk_state_ = ChunkState::Size;
    size_t chunk_left_ = 0;
    size_t trailer_bytes_ = 0;
    std::string body_;
};

/// Runs one fetch to completion, waiting with `port.poll`. The port must not be serving anything
/// else at the time (poll's events for other sockets would be consumed). Bounded by timeout_ms.
FetchResult fetch_blocking(const stbf_port& port, const FetchOptions& options);

}  // namespace stbf::tls

#endif  // STBF_TLS_HTTPS_FETCH_H
