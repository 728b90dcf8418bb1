// Virtual clock and event scheduler of the simulation port.
//
// Time is a plain counter in microseconds that only moves when the simulation is told to move
// it (World::poll, run_until, advance). Callbacks are scheduled at absolute virtual times and
// run in (time, scheduling order): two callbacks due at the same microsecond run in the order
// they were scheduled, so every run of the same script is identical. Nothing here reads the
// real clock, sleeps or starts a thread.
#ifndef STBF_SIM_CLOCK_H
#define STBF_SIM_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include <functional>
#include <map>
#include <utility>

#include "stbf/port.h"

namespace stbf::sim {

/// "No event scheduled" / "forever" on the virtual clock.
constexpr stbf_time_us kNoTime = ~static_cast<stbf_time_us>(0);

/// `a + b` without wrapping: saturates at kNoTime (a delay added to a time near the end of the
/// clock means "never").
stbf_time_us saturating_add(stbf_time_us a, uint64_t b);

class Clock {
  public:
    using EventId = uint64_t;  ///< 0 is never an event
    using Callback = std::function<void()>;

    /// The clock starts at `start_us` (tests start near large values to catch overflow bugs).
    explicit Clock(stbf_time_us start_us = 0) : now_(start_us) {}

    stbf_time_us now() const { return now_; }

    /// Run `fn` at absolute time `t`. A time in the past means "now" (it runs at the next
    /// step, after everything already due now). `t` == kNoTime is refused (returns 0): a
    /// callback that never runs is a bug in the caller.
    EventId at(stbf_time_us t, Callback fn);

    /// Run `fn` `delay_us` from now (saturating).
    EventId after(uint64_t delay_us, Callback fn) {
        return at(saturating_add(now_, delay_us), std::move(fn));
    }

    /// Forget a scheduled callback. Returns false if it already ran, was cancelled or never
    /// existed. Cancelling 0 is a no-op.
    bool cancel(EventId id);

    /// Time of the earliest pending callback, kNoTime when none is pending.
    stbf_time_us next_time() const;

    /// Number of pending callbacks.
    size_t pending() const { return queue_.size(); }

    /// Run the earliest pending callback if it is due at or before `limit`, moving the clock to
    /// its time first. Returns false (and changes nothing) when there is none.
    bool run_next(stbf_time_us limit);

    /// Run every callback due at or before `t` (including those they schedule for times
    /// <= t), then set the clock to `t` if it is later than now. Stops early and returns
    /// false if `max_steps` callbacks ran (a script that reschedules itself forever at the same
    /// time); true otherwise.
    bool run_until(stbf_time_us t, size_t max_steps = kDefaultMaxSteps);

    /// Move the clock forward to `t` without running anything (used by poll when it returns at
    /// its deadline). Never moves backwards.
    void jump_to(stbf_time_us t) {
        if (t > now_) now_ = t;
    }

    static constexpr size_t kDefaultMaxSteps = 10'000'000;

  private:
    using Key = std::pair<stbf_time_us, EventId>;
    stbf_time_us now_;
    EventId next_id_ = 1;
    std::map<Key, Callback> queue_;          // ordered by (time, scheduling order)
    std::map<EventId, stbf_time_us> index_;  // id -> time, for cancel
};

}  // namespace stbf::sim

#endif  // STBF_SIM_CLOCK_H
