#include "log_limiter.h"

#include <utility>

namespace stbf::daemon {

LogLimiter::LogLimiter(Sink sink, TimeUs window_us, unsigned burst)
    : sink_(std::move(sink)), window_us_(window_us), burst_(burst) {
    kinds_.reserve(kKinds);
}

std::string LogLimiter::shape(const std::string& line) {
    std::string out;
    out.reserve(line.size());
    for (size_t i = 0; i < line.size(); ++i) {
        if (line[i] >= '0' && line[i] <= '9') {
            if (out.empty() || out.back() != '#') out += '#';
        } else {
            out += line[i];
        }
    }
    return out;
}

void LogLimiter::fold(Kind& k) {
    if (k.suppressed == 0) return;
    const TimeUs span = k.last_suppressed > k.window_start ? k.last_suppressed - k.window_start : 0;
    const uint64_t seconds = (span + 999999) / 1000000;
    sink_(k.level, k.last_line + " (repeated " + std::to_string(k.suppressed) + " times in " +
                       std::to_string(seconds == 0 ? 1 : seconds) + " s)");
    k.suppressed = 0;
}

void LogLimiter::log(stbf_log_level level, const std::string& line, TimeUs now) {
    std::string s = shape(line);
    Kind* kind = nullptr;
    for (Kind& k : kinds_)
        if (k.shape == s) kind = &k;
    if (kind == nullptr) {
        if (kinds_.size() < kKinds) {
            kinds_.emplace_back();
            kind = &kinds_.back();
        } else {
            kind = &kinds_[0];
            for (Kind& k : kinds_)
                if (k.last_seen < kind->last_seen) kind = &k;
            fold(*kind);
            *kind = Kind();
        }
        kind->shape = std::move(s);
        kind->window_start = now;
    }
    kind->last_seen = now;
    if (now >= kind->window_start + window_us_) {  // a new window
        fold(*kind);
        kind->window_start = now;
        kind->passed = 0;
    }
    if (kind->passed < burst_) {
        ++kind->passed;
        sink_(level, line);
        return;
    }
    ++kind->suppressed;
    ++suppressed_total_;
    kind->level = level;
    kind->last_line = line;
    kind->last_suppressed = now;
}

void LogLimiter::flush(TimeUs now) {
    for (Kind& k : kinds_)
        if (k.suppressed > 0 && now >= k.window_start + window_us_) fold(k);
}

void LogLimiter::flush_all(TimeUs /*now*/) {
    for (Kind& k : kinds_) fold(k);
}

TimeUs LogLimiter::next_deadline() const {
    TimeUs next = kNever;
    for (const Kind& k : kinds_)
        if (k.suppressed > 0 && k.window_start + window_us_ < next) next = k.window_start + window_us_;
    return next;
}

}  // namespace stbf::daemon
