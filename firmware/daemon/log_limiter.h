// LogLimiter: rate limiting with folding for the daemon's log.
//
// A flood of one kind of line (2,500 refused clients, a box out of descriptors) must not bury
// the lines that explain it, nor fill a flash-backed log. Lines are grouped by their shape: the
// text with every run of digits counted as one wildcard, so "refused a client from
// 127.0.0.1:40312" and "... :40313" are one kind. Of each kind, the first `burst` lines of a
// `window` pass unchanged; the rest of that window are counted, and when the window ends one line
// says so: "<the last of them> (repeated 40 times in 10 s)". Lines of other kinds are not
// affected. Bounded: at most kKinds kinds are tracked; a new kind takes the place of the one
// seen least recently (its pending fold is written first).
#ifndef STBF_FIRMWARE_LOG_LIMITER_H
#define STBF_FIRMWARE_LOG_LIMITER_H

#include <stdint.h>

#include <functional>
#include <string>
#include <vector>

#include "stbf/engine.h"
#include "stbf/port.h"

namespace stbf::daemon {

class LogLimiter {
  public:
    /// Where passed and folded lines go.
    using Sink = std::function<void(stbf_log_level level, const std::string& line)>;

    static constexpr size_t kKinds = 64;

    LogLimiter(Sink sink, TimeUs window_us = 10 * 1000000ull, unsigned burst = 5);

    /// Logs `line` at `now` (monotonic): passes it to the sink or counts it.
    void log(stbf_log_level level, const std::string& line, TimeUs now);
    /// Writes the fold line of every window that has ended by `now`. Call from the loop.
    void flush(TimeUs now);
    /// Writes every pending fold line now (at shutdown).
    void flush_all(TimeUs now);
    /// When flush() next has work; kNever when nothing is counted.
    TimeUs next_deadline() const;
    /// Lines counted instead of written, since start.
    uint64_t suppressed_total() const { return suppressed_total_; }

    /// The kind of a line: digit runs replaced by '#'.
    static std::string shape(const std::string& line);

  private:
    struct Kind {
        std::string shape;
        TimeUs window_start = 0, last_seen = 0, last_suppressed = 0;
        unsigned passed = 0;
        uint64_t suppressed = 0;
        stbf_log_level level = STBF_LOG_INFO;
        std::string last_line;
    };
    void fold(Kind& k);

    Sink sink_;
    TimeUs window_us_;
    unsigned burst_;
    std::vector<Kind> kinds_;
    uint64_t suppressed_total_ = 0;
};

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_LOG_LIMITER_H
