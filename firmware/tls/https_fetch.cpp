// Strict HTTPS GET over TlsStream (see https_fetch.h).
#include "tls/https_fetch.h"

#include <string.h>

#include <utility>

#include "stbf/posix_port.h"  // port_status_name only: a plain table, no OS dependency

namespace stbf::tls {

const char* fetch_failure_name(FetchFailure f) {
    switch (f) {
        case FetchFailure::None: return "none";
        case FetchFailure::BadUrl: return "bad url";
        case FetchFailure::Dns: return "dns";
        case FetchFailure::Tcp: return "tcp";
        case FetchFailure::Tls: return "tls";
        case FetchFailure::HttpStatus: return "http status";
        case FetchFailure::BadResponse: return "bad response";
        case FetchFailure::Oversize: return "oversize";
        case FetchFailure::Redirect: return "redirect";
        case FetchFailure::Timeout: return "timeout";
        case FetchFailure::BadBody: return "bad body";
    }
    return "unknown";
}

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(const std::string& a, const char* b) {
    size_t n = strlen(b);
    if (a.size() != n) return false;
    for (size_t i = 0; i < n; ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool starts_with_nocase(const std::string& s, const char* prefix) {
    size_t n = strlen(prefix);
    return s.size() >= n && iequals(s.substr(0, n), prefix);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits only, no sign, no overflow past `max`.
bool parse_decimal(const std::string& s, uint64_t max, uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (!is_digit(c)) return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > max) return false;
    *out = v;
    return true;
}

std::string trim_ows(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    return s.substr(b, e - b);
}

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

constexpr size_t kMaxAddresses = 8;
constexpr size_t kReadChunk = 16 * 1024;
// Upper bound on loop rounds inside one advance(); each round consumes input or changes state.
constexpr int kMaxRoundsPerAdvance = 4096;

}  // namespace

bool parse_https_url(const std::string& url, HttpsUrl* out, std::string* error) {
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            *error = "URL contains a space or control character";
            return false;
        }
    }
    if (starts_with_nocase(url, "http://")) {
        *error = "plain http URLs are refused; use https://";
        return false;
    }
    if (!starts_with_nocase(url, "https://")) {
        *error = "URL must start with https://";
        return false;
    }
    std::string rest = url.substr(8);
    size_t hash = rest.find('#');
    if (hash != std::string::npos) rest.resize(hash);
    size_t path_at = rest.find_first_of("/?");
    std::string authority = rest.substr(0, path_at);
    std::string path = path_at == std::string::npos ? "/" : rest.substr(path_at);
    if (path[0] == '?') path = "/" + path;
    if (authority.find('@') != std::string::npos) {
        *error = "user info in URLs is not supported";
        return false;
    }
    HttpsUrl u;
    std::string port_text;
    if (!authority.empty() && authority[0] == '[') {
        size_t close = authority.find(']');
        if (close == std::string::npos) {
            *error = "unclosed '[' in URL host";
            return false;
        }
        u.host = authority.substr(1, close - 1);
        std::string after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') {
                *error = "unexpected text after ']' in URL host";
                return false;
            }
            port_text = after.substr(1);
        }
    } else {
        size_t colon = authority.find(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) port_text = authority.substr(colon + 1);
    }
    if (u.host.empty()) {
        *error = "URL has no host";
        return false;
    }
    if (authority.find(':') != std::string::npos && authority[0] != '[' &&
        authority.find(':') != authority.rfind(':')) {
        *error = "IPv6 hosts must be written in brackets";
        return false;
    }
    if (!port_text.empty() || authority.back() == ':') {
        uint64_t p = 0;
        if (!parse_decimal(port_text, 65535, &p) || p == 0) {
            *error = "URL port must be 1..65535";
            return false;
        }
        u.port = static_cast<uint16_t>(p);
    }
    u.path = path;
    u.authority = authority;
    *out = u;
    return true;
}

HttpsFetch::HttpsFetch(const stbf_port& port) : port_(port) {}

HttpsFetch::~HttpsFetch() { cancel(); }

stbf_sock HttpsFetch::socket() const { return stream_ ? stream_->socket() : STBF_SOCK_INVALID; }

unsigned HttpsFetch::interest() const { return stream_ ? stream_->interest() : 0; }

void HttpsFetch::close_stream() {
    if (stream_) stream_->close();
    stream_.reset();
}

void HttpsFetch::cancel() {
    if (resolve_request_ != 0) port_.resolve_cancel(port_.ctx, resolve_request_);
    resolve_request_ = 0;
    close_stream();
    if (state_ != State::Done) state_ = State::Idle;
}

void HttpsFetch::finish(FetchFailure failure, std::string message) {
    if (resolve_request_ != 0) port_.resolve_cancel(port_.ctx, resolve_request_);
    resolve_request_ = 0;
    close_stream();
    result_.failure = failure;
    result_.message = std::move(message);
    result_.http_status = status_;
    result_.url = current_url_;
    result_.body.clear();
    state_ = State::Done;
}

void HttpsFetch::succeed() {
    close_stream();
    result_.failure = FetchFailure::None;
    result_.message.clear();
    result_.http_status = status_;
    result_.url = current_url_;
    result_.body = std::move(body_);
    body_.clear();
    state_ = State::Done;
}

void HttpsFetch::start(const FetchOptions& options) {
    cancel();
    options_ = options;
    result_ = FetchResult();
    redirects_ = 0;
    deadline_ = port_.now(port_.ctx) + static_cast<stbf_time_us>(options.timeout_ms) * 1000u;
    begin_url(options.url);
}

void HttpsFetch::begin_url(const std::string& url) {
    current_url_ = url;
    std::string error;
    if (!parse_https_url(url, &url_, &error)) return finish(FetchFailure::BadUrl, error + ": " + url);

    TlsOptions tls = options_.tls;
    tls.enabled = true;
    tls.host = url_.host;
    TlsFailure tls_failure = TlsFailure::None;
    tls_config_ = TlsClientConfig::load(port_, tls, &tls_failure, &error);
    if (!tls_config_) return finish(FetchFailure::Tls, std::string("tls options: ") + error);

    request_ = "GET " + url_.path + " HTTP/1.1\r\nHost: " + url_.authority +
               "\r\nUser-Agent: stbfailover\r\nAccept: application/json, text/plain"
               "\r\nConnection: close\r\n\r\n";
    request_sent_ = 0;
    in_.clear();
    head_done_ = false;
    status_ = 0;
    location_.clear();
    body_.clear();
    body_kind_ = BodyKind::UntilClose;
    content_length_ = 0;
    chunk_state_ = ChunkState::Size;
    chunk_left_ = 0;
    trailer_bytes_ = 0;
    addresses_.clear();
    next_address_ = 0;
    last_connect_error_.clear();

    // Tag 0: a host tag (below the runtime's kRuntimeTagBit), so under the daemon the runtime
    // passes the completion event on instead of taking it; advance() then takes the result.
    stbf_port_status st =
        port_.resolve_start(port_.ctx, url_.host.c_str(), url_.port, 0, &resolve_request_);
    if (st != STBF_PORT_OK) {
        resolve_request_ = 0;
        return finish(FetchFailure::Dns, "cannot start resolving " + url_.host +
                                             " (" + std::string(port_status_name(st)) + ")");
    }
    state_ = State::Resolving;
}

bool HttpsFetch::advance() {
    for (int round = 0; round < kMaxRoundsPerAdvance; ++round) {
        if (state_ == State::Done || state_ == State::Idle) return false;
        if (port_.now(port_.ctx) >= deadline_) {
            static const char* const kStage[] = {"idle", "resolving", "connecting",
                                                  "sending", "receiving", "done"};
            finish(FetchFailure::Timeout, "no complete answer from " + url_.host + " within " +
                                              std::to_string(options_.timeout_ms) + " ms (" +
                                              kStage[static_cast<int>(state_)] + ")");
            return false;
        }
        bool moved = false;
        switch (state_) {
            case State::Resolving: moved = step_resolving(); break;
            case State::Connecting: moved = step_connecting(); break;
            case State::Sending: moved = step_sending(); break;
            case State::Receiving: moved = step_receiving(); break;
            default: break;
        }
        if (!moved) break;  // wait for the next event
    }
    return state_ != State::Done && state_ != State::Idle;
}

bool HttpsFetch::step_resolving() {
    stbf_addr found[kMaxAddresses];
    size_t count = 0;
    stbf_port_status st = port_.resolve_take(port_.ctx, resolve_request_, found, kMaxAddresses, &count);
    if (st == STBF_PORT_WOULD_BLOCK) return false;
    resolve_request_ = 0;
    if (st == STBF_PORT_NOT_FOUND || (st == STBF_PORT_OK && count == 0)) {
        finish(FetchFailure::Dns, "host " + url_.host + " does not resolve");
    } else if (st != STBF_PORT_OK) {
        finish(FetchFailure::Dns, "resolving " + url_.host + " failed (" +
                                      std::string(port_status_name(st)) + ")");
    } else {
        addresses_.assign(found, found + count);
        next_address_ = 0;
        connect_next_address();
    }
    return true;
}

bool HttpsFetch::connect_next_address() {
    while (next_address_ < addresses_.size()) {
        stream_.reset(new TlsStream(*tls_config_));
        stbf_port_status st = stream_->connect(addresses_[next_address_++]);
        if (st == STBF_PORT_IN_PROGRESS) {
            state_ = State::Connecting;
            return true;
        }
        last_connect_error_ = stream_->failure_message();
        close_stream();
    }
    finish(FetchFailure::Tcp, "cannot connect to " + url_.authority +
                                  (last_connect_error_.empty() ? "" : ": " + last_connect_error_));
    return false;
}

bool HttpsFetch::step_connecting() {
    stbf_port_status st = stream_->handshake();
    if (st == STBF_PORT_IN_PROGRESS) return false;
    if (st == STBF_PORT_OK) {
        state_ = State::Sending;
    } else if (stream_->failure() == TlsFailure::Transport) {
        // This address did not take the connection: try the next one.
        last_connect_error_ = stream_->failure_message();
        close_stream();
        connect_next_address();
    } else {
        finish(FetchFailure::Tls, std::string(tls_failure_name(stream_->failure())) + ": " +
                                      stream_->failure_message());
    }
    return true;
}

bool HttpsFetch::step_sending() {
    size_t sent = 0;
    stbf_port_status st = stream_->send(reinterpret_cast<const uint8_t*>(request_.data()) + request_sent_,
                                        request_.size() - request_sent_, &sent);
    request_sent_ += sent;
    if (request_sent_ == request_.size()) state_ = State::Receiving;
    if (st == STBF_PORT_WOULD_BLOCK) return false;
    if (st != STBF_PORT_OK)
        finish(FetchFailure::BadResponse, "connection lost while sending the request: " +
                                              stream_->failure_message());
    return true;
}

bool HttpsFetch::take_line(std::string* line, size_t limit, const char* what) {
    size_t end = in_.find("\r\n");
    if (end == std::string::npos || end > limit) {
        if (in_.size() > limit || end != std::string::npos)
            finish(FetchFailure::BadResponse, std::string(what) + " line too long");
        return false;
    }
    line->assign(in_, 0, end);
    in_.erase(0, end + 2);
    return true;
}

bool HttpsFetch::parse_head() {
    size_t end = in_.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (in_.size() > options_.max_header) {
            finish(FetchFailure::Oversize, "response headers exceed " +
                                               std::to_string(options_.max_header) + " bytes");
        } else if (in_.find("\n\n") != std::string::npos) {
            finish(FetchFailure::BadResponse, "response header lines must end in CRLF");
        }
        return false;
    }
    if (end + 4 > options_.max_header)
        return finish(FetchFailure::Oversize, "response headers exceed " +
                                                  std::to_string(options_.max_header) + " bytes"),
               false;
    std::string head = in_.substr(0, end + 2);  // keep the last CRLF so every line ends in one
    in_.erase(0, end + 4);

    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12 ||
        !(status_line.compare(0, 9, "HTTP/1.1 ") == 0 || status_line.compare(0, 9, "HTTP/1.0 ") == 0) ||
        !is_digit(status_line[9]) || !is_digit(status_line[10]) || !is_digit(status_line[11]) ||
        (status_line.size() > 12 && status_line[12] != ' '))
        return finish(FetchFailure::BadResponse, "malformed status line"), false;
    status_ = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');

    bool has_length = false, chunked = false;
    uint64_t length = 0;
    size_t pos = line_end + 2;
    while (pos < head.size()) {
        size_t eol = head.find("\r\n", pos);
        std::string line = head.substr(pos, eol - pos);
        pos = eol + 2;
        if (line[0] == ' ' || line[0] == '\t')
            return finish(FetchFailure::BadResponse, "folded header lines are not allowed"), false;
        size_t colon = line.find(':');
        if (colon == std::string::npos || colon == 0 || line[colon - 1] == ' ' || line[colon - 1] == '\t')
            return finish(FetchFailure::BadResponse, "malformed header line"), false;
        std::string name = line.substr(0, colon);
        std::string value = trim_ows(line.substr(colon + 1));
        if (iequals(name, "content-length")) {
            uint64_t v = 0;
            if (!parse_decimal(value, ~static_cast<uint64_t>(0) / 16, &v) || (has_length && v != length))
                return finish(FetchFailure::BadResponse, "invalid Content-Length"), false;
            has_length = true;
            length = v;
        } else if (iequals(name, "transfer-encoding")) {
            if (!iequals(value, "chunked"))
                return finish(FetchFailure::BadResponse, "unsupported Transfer-Encoding: " + value), false;
            chunked = true;
        } else if (iequals(name, "location")) {
            location_ = value;
        }
    }
    if (has_length && chunked)
        return finish(FetchFailure::BadResponse, "both Content-Length and chunked encoding"), false;

    if (is_redirect(status_)) {
        if (starts_with_nocase(location_, "http://"))
            return finish(FetchFailure::Redirect, "refused redirect to plain http: " + location_), false;
        std::string target;
        if (starts_with_nocase(location_, "https://")) target = location_;
        else if (!location_.empty() && location_[0] == '/' && (location_.size() < 2 || location_[1] != '/'))
            target = "https://" + url_.authority + location_;
        else
            return finish(FetchFailure::Redirect, "redirect without a usable Location"), false;
        if (redirects_ >= options_.max_redirects)
            return finish(FetchFailure::Redirect, "more than " + std::to_string(options_.max_redirects) +
                                                      " redirects"), false;
        ++redirects_;
        close_stream();
        begin_url(target);
        return false;
    }
    if (status_ != 200)
        return finish(FetchFailure::HttpStatus, "HTTP status " + std::to_string(status_) + " from " +
                                                    current_url_), false;
    if (has_length && length > options_.max_body)
        return finish(FetchFailure::Oversize, "body of " + std::to_string(length) +
                                                  " bytes exceeds the limit of " +
                                                  std::to_string(options_.max_body)), false;
    body_kind_ = chunked ? BodyKind::Chunked : has_length ? BodyKind::Length : BodyKind::UntilClose;
    content_length_ = static_cast<size_t>(length);
    head_done_ = true;
    return true;
}

bool HttpsFetch::consume_chunked() {
    // Bounded: every round consumes input or returns.
    for (;;) {
        switch (chunk_state_) {
            case ChunkState::Size: {
                std::string line;
                if (!take_line(&line, 1024, "chunk size")) return state_ == State::Done;
                size_t digits = 0;
                uint64_t size = 0;
                while (digits < line.size() && digits < 16) {
                    char c = lower(line[digits]);
                    int v = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
                    if (v < 0) break;
                    size = size * 16 + static_cast<uint64_t>(v);
                    ++digits;
                }
                std::string rest = trim_ows(line.substr(digits));
                if (digits == 0 || (!rest.empty() && rest[0] != ';')) {
                    finish(FetchFailure::BadResponse, "malformed chunk size");
                    return true;
                }
                if (size > options_.max_body - body_.size()) {
                    finish(FetchFailure::Oversize, "chunked body exceeds the limit of " +
                                                       std::to_string(options_.max_body) + " bytes");
                    return true;
                }
                chunk_left_ = static_cast<size_t>(size);
                chunk_state_ = size == 0 ? ChunkState::Trailer : ChunkState::Data;
                break;
            }
            case ChunkState::Data: {
                size_t take = chunk_left_ < in_.size() ? chunk_left_ : in_.size();
                body_.append(in_, 0, take);
                in_.erase(0, take);
                chunk_left_ -= take;
                if (chunk_left_ > 0) return false;
                chunk_state_ = ChunkState::DataEnd;
                break;
            }
            case ChunkState::DataEnd:
                if (in_.size() < 2) return false;
                if (in_.compare(0, 2, "\r\n") != 0) {
                    finish(FetchFailure::BadResponse, "chunk data not followed by CRLF");
                    return true;
                }
                in_.erase(0, 2);
                chunk_state_ = ChunkState::Size;
                break;
            case ChunkState::Trailer: {
                std::string line;
                if (!take_line(&line, options_.max_header, "trailer")) return state_ == State::Done;
                if (line.empty()) {
                    chunk_state_ = ChunkState::Finished;
                    return true;
                }
                trailer_bytes_ += line.size();
                if (trailer_bytes_ > options_.max_header) {
                    finish(FetchFailure::Oversize, "trailers exceed the header limit");
                    return true;
                }
                break;
            }
            case ChunkState::Finished: return true;
        }
    }
}

bool HttpsFetch::consume_body(bool eof) {
    switch (body_kind_) {
        case BodyKind::Length: {
            size_t want = content_length_ - body_.size();
            size_t take = want < in_.size() ? want : in_.size();
            body_.append(in_, 0, take);
            in_.erase(0, take);
            if (body_.size() == content_length_) return true;
            if (eof) {
                finish(FetchFailure::BadResponse, "body cut short: " + std::to_string(body_.size()) +
                                                      " of " + std::to_string(content_length_) + " bytes");
                return true;
            }
            return false;
        }
        case BodyKind::UntilClose:
            body_ += in_;
            in_.clear();
            if (body_.size() > options_.max_body) {
                finish(FetchFailure::Oversize, "body exceeds the limit of " +
                                                   std::to_string(options_.max_body) + " bytes");
                return true;
            }
            return eof;
        case BodyKind::Chunked:
            if (consume_chunked()) return true;
            if (eof) {
                finish(FetchFailure::BadResponse, "chunked body cut short");
                return true;
            }
            return false;
    }
    return false;
}

bool HttpsFetch::step_receiving() {
    uint8_t buf[kReadChunk];
    size_t got = 0;
    stbf_port_status st = stream_->recv(buf, sizeof buf, &got);
    if (st == STBF_PORT_WOULD_BLOCK) return false;
    const bool eof = st == STBF_PORT_CLOSED;
    if (st == STBF_PORT_OK) {
        in_.append(reinterpret_cast<const char*>(buf), got);
    } else if (!eof) {
        finish(FetchFailure::BadResponse, "connection lost while reading the response: " +
                                              stream_->failure_message());
        return true;
    }
    if (!head_done_ && !parse_head()) {
        if (state_ == State::Receiving && eof)
            finish(FetchFailure::BadResponse, "connection closed before the response headers");
        return true;
    }
    if (consume_body(eof) && state_ != State::Done) succeed();
    return true;
}

FetchResult fetch_blocking(const stbf_port& port, const FetchOptions& options) {
    HttpsFetch fetch(port);
    fetch.start(options);
    // Bounded twice: by the fetch's own deadline (advance() ends it) and by a round count.
    for (int round = 0; round < 1000000 && fetch.advance(); ++round) {
        if (fetch.socket() != STBF_SOCK_INVALID)
            port.watch(port.ctx, fetch.socket(), fetch.interest(), 0);
        stbf_time_us now = port.now(port.ctx);
        stbf_time_us wake = now + 200 * 1000;
        if (fetch.deadline() < wake) wake = fetch.deadline();
        stbf_event events[8];
        port.poll(port.ctx, wake, events, 8);
    }
    return fetch.result();
}

}  // namespace stbf::tls
