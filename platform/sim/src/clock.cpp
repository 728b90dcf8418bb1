#include "stbf/sim/clock.h"

namespace stbf::sim {

stbf_time_us saturating_add(stbf_time_us a, uint64_t b) {
    return (b >= kNoTime - a) ? kNoTime : a + b;
}

Clock::EventId Clock::at(stbf_time_us t, Callback fn) {
    if (t == kNoTime || !fn) return 0;
    if (t < now_) t = now_;
    const EventId id = next_id_++;
    queue_.emplace(Key{t, id}, std::move(fn));
    index_.emplace(id, t);
    return id;
}

bool Clock::cancel(EventId id) {
    auto it = index_.find(id);
    if (it == index_.end()) return false;
    queue_.erase(Key{it->second, id});
    index_.erase(it);
    return true;
}

stbf_time_us Clock::next_time() const {
    return queue_.empty() ? kNoTime : queue_.begin()->first.first;
}

bool Clock::run_next(stbf_time_us limit) {
    if (queue_.empty()) return false;
    auto it = queue_.begin();
    if (it->first.first > limit) return false;
    // Take the callback out before running it: it may schedule or cancel others.
    Callback fn = std::move(it->second);
    const stbf_time_us t = it->first.first;
    index_.erase(it->first.second);
    queue_.erase(it);
    jump_to(t);
    fn();
    return true;
}

bool Clock::run_until(stbf_time_us t, size_t max_steps) {
    for (size_t steps = 0; steps < max_steps; ++steps) {
        if (!run_next(t)) {
            if (t != kNoTime) jump_to(t);  // "run everything" must not end the clock
            return true;
        }
    }
    return false;
}

}  // namespace stbf::sim
