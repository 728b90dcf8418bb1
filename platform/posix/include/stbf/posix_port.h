// The POSIX (Linux) port: fills the `stbf_port` table of port.h with real sockets, epoll,
// CLOCK_MONOTONIC, getrandom and stderr/syslog logging (syslog_client.h). Used by the daemon and by
// the contract tests (tests/port) on loopback.
//
// Behaviour beyond port.h:
//  - Socket handles are the file descriptors themselves, so a closed handle is reused by the
//    next socket exactly like the OS reuses descriptors.
//  - `poll` is level-triggered epoll. A socket watched for 0 is removed from epoll, so a hung-up
//    socket nobody watches does not spin the loop.
//  - Name resolution runs getaddrinfo on one helper thread (started on first use) with a bounded
//    request table (`max_resolves`); completions wake `poll` through an eventfd and are reported
//    as STBF_EVENT_RESOLVED. Every A and AAAA answer is returned, in the resolver's order.
//  - Connected sockets get TCP_NODELAY (keepalives and ECM-sized messages must not wait).
//
// Extensions for the daemon (not part of the contract): adopt a foreign descriptor (control
// socket, signalfd) so it shows up in `poll` as a stbf_sock, and a thread-safe wake-up.
#ifndef STBF_POSIX_PORT_H
#define STBF_POSIX_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <string>

#include "stbf/port.h"

namespace stbf {

struct PosixPortOptions {
    /// Lines less severe than this are dropped (STBF_LOG_DEBUG shows everything).
    stbf_log_level log_level = STBF_LOG_INFO;
    /// Log to the syslog daemon (syslog_client.h, facility daemon) instead of writing to `log_fd`.
    bool use_syslog = false;
    /// Program name in log lines and the syslog ident. Must outlive the port.
    const char* ident = "stbfailover";
    /// Descriptor stderr-style lines go to (tests point it at a pipe or file).
    int log_fd = 2;
    /// Resolutions that may be pending or finished-but-not-taken at once; more give
    /// NO_RESOURCES from resolve_start.
    size_t max_resolves = 64;
    /// Offer tcp_splice (zero-copy relay through splice(2)); false leaves it NULL so the
    /// runtime copies through tcp_recv / tcp_send (the portable path).
    bool splice = true;
    /// Splice pipes open at once (two descriptors each, kernel memory up to 64 KiB each while
    /// a slow peer leaves bytes in it). Beyond it tcp_splice says NO_RESOURCES and that
    /// direction copies: a box's descriptor limit stays for sockets. The runtime asks for a
    /// pipe only for a direction that carries bulk.
    size_t max_splice_pipes = 64;
};

class PosixPort {
  public:
    /// Creates a port. Returns null and sets `*error` (if given) when epoll or the eventfd
    /// cannot be created (out of descriptors).
    static std::unique_ptr<PosixPort> create(const PosixPortOptions& options,
                                             std::string* error = nullptr);
    ~PosixPort();
    PosixPort(const PosixPort&) = delete;
    PosixPort& operator=(const PosixPort&) = delete;

    /// The contract table; valid for the life of this object. Hand it to the runtime.
    stbf_port* table();

    /// Takes ownership of an open descriptor (any kind: unix listener, signalfd, pipe) so it
    /// can be watched and appears in `poll` events as a stbf_sock. The descriptor is made
    /// non-blocking and close-on-exec; tcp_close closes it. tcp_accept/tcp_recv/tcp_send work
    /// on it when the descriptor supports accept/recv/send (a unix socket does). Returns OK,
    /// or INVALID (negative or already known descriptor).
    stbf_port_status adopt_fd(int fd, stbf_sock* out);

    /// The descriptor behind a handle, -1 if the handle is not open.
    int native_fd(stbf_sock s) const;

    /// Makes a blocked or the next `poll` return early (with 0 events if nothing else is
    /// ready). Safe from any thread and from a signal handler.
    void wake();

    /// Changes the log filter at run time (e.g. after a reload).
    void set_log_level(stbf_log_level level);

  private:
    struct Impl;
    explicit PosixPort(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Parses "error", "warning" (or "warn"), "notice", "info" or "debug". False if unknown.
bool parse_log_level(const char* text, stbf_log_level* out);

/// Lower-case name of a level ("warning"). Never null.
const char* log_level_name(stbf_log_level level);

/// Parses a numeric IPv4 or IPv6 address (no brackets, no name lookup) into `*out` with
/// `port`. False if `text` is not a numeric address.
bool parse_numeric_addr(const char* text, uint16_t port, stbf_addr* out);

/// "127.0.0.1:20000" or "[::1]:20000".
std::string format_addr(const stbf_addr& addr);

/// printf-style logging through any port's `log` (lines longer than 1 KiB are cut).
void log_printf(const stbf_port& port, stbf_log_level level, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

/// Short lower-case name of a port status ("refused"). Never null.
const char* port_status_name(stbf_port_status status);

}  // namespace stbf

#endif  // STBF_POSIX_PORT_H
