// One source of validity for group settings: the range of every setting lives in one table that
// the engine (init / reload), the JSON loader and the C API all check against, so a value one
// of them accepts is never refused (or misread) by another.
#ifndef STBF_SETTINGS_H
#define STBF_SETTINGS_H

#include <stdint.h>

#include "stbf/model.h"
#include "stbf/status.h"

namespace stbf {

/// A group setting with a range (config file names).
enum class Setting : uint8_t {
    Inter = 0,       ///< check.inter (ms)
    FastInter,       ///< check.fastinter (ms)
    DownInter,       ///< check.downinter (ms)
    DownInterMax,    ///< check.downinter_max (ms)
    Timeout,         ///< check.timeout (ms)
    SlowStart,       ///< check.slowstart (ms)
    EarlyClose,      ///< check.early_close (ms)
    Rise,            ///< check.rise
    Fall,            ///< check.fall
    JitterPct,       ///< check.jitter_pct
    ConnectTimeout,  ///< session.connect_timeout_ms
    RaceStagger,     ///< session.race_stagger_ms
    HangTimeout,     ///< session.hang_timeout_ms
    IdleTimeout,     ///< session.idle_timeout_s
    MaxSessions,     ///< session.max_sessions
    MaxAttempts,     ///< session.max_attempts
    Slots,           ///< slots (0 = automatic)
    EwmaShift,       ///< score.ewma_shift
    Reexplore,       ///< score.reexplore_ms
    Count
};

struct SettingRange {
    const char* name;  ///< as written in the config, e.g. "check.inter"
    uint32_t min;
    uint32_t max;
};

/// Range of `s` (s < Setting::Count).
const SettingRange& setting_range(Setting s);

/// True if `value` is inside the range of `s`.
bool setting_ok(Setting s, uint32_t value);

/// Checks every ranged setting of `g`. Ok, or InvalidArgument with `*bad` (if not null) set to
/// the first setting out of range. A zero check interval or timeout is out of range: it would
/// turn health checks into a busy loop against the provider.
Status check_group_settings(const GroupConfig& g, Setting* bad);

}  // namespace stbf

#endif  // STBF_SETTINGS_H
