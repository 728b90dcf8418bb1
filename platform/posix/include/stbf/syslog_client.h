// A client of the box's syslog daemon (busybox syslogd, rsyslog, journald) on its local socket.
//
// Why not syslog(3): musl's blocks on a full queue (a slow syslogd would stall every relayed
// session of the event loop) and links strftime and the time-zone code for a timestamp the
// daemon replaces anyway; in the static drop-in binary that is 10 KB of a 400 KB budget.
//
// Contract:
//  - Each message is one datagram "<PRI>IDENT[PID]: TEXT" on a datagram socket connected to
//    `socket_path`, PRI = facility | severity. No timestamp: syslog daemons stamp a message
//    that carries none with the time they received it.
//  - The socket is opened on first use, and once more when a send finds the daemon gone
//    (restarted: ECONNREFUSED, ENOTCONN, ECONNRESET, EPIPE); a message that still cannot go is
//    dropped (returns false).
//  - Never blocks: a full queue drops the message (returns false) and counts it.
//  - Safe to call from several threads. The PID is read at each send, so a forked child's lines
//    carry its own.
#ifndef STBF_SYSLOG_CLIENT_H
#define STBF_SYSLOG_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <mutex>
#include <string>

namespace stbf {

class SyslogClient {
  public:
    /// Facility "daemon" (LOG_DAEMON of <syslog.h>).
    static constexpr int kFacilityDaemon = 3 << 3;

    /// `ident` is copied. Opens nothing yet.
    explicit SyslogClient(const char* ident, int facility = kFacilityDaemon,
                          const char* socket_path = "/dev/log");
    ~SyslogClient();
    SyslogClient(const SyslogClient&) = delete;
    SyslogClient& operator=(const SyslogClient&) = delete;

    /// Sends `text` (`len` bytes, no line end needed) at `severity` (0 emergency .. 7 debug,
    /// LOG_ERR etc.). Returns false when it was dropped: no daemon listens, or its queue is full.
    bool send(int severity, const char* text, size_t len);

    /// Messages dropped because the daemon's queue was full or nobody listened.
    uint64_t dropped() const;

  private:
    bool connect_locked();
    bool send_locked(const char* header, size_t header_len, const char* text, size_t len);

    mutable std::mutex mutex_;
    std::string ident_;
    std::string socket_path_;
    int facility_;
    int fd_ = -1;
    uint64_t dropped_ = 0;
};

}  // namespace stbf

#endif
