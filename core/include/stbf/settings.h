// One source of validity for settings: the range of every group setting and of every table size
// (Capacity) lives in one table that the engine (attach, init / reload), the JSON loader and the
// C API all check against, so a value one of them accepts is never refused (or misread) by
// another.
#ifndef STBF_SETTINGS_H
#define STBF_SETTINGS_H

#include <stdint.h>

#include "stbf/limits.h"
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

/// A size of the engine's tables (model.h Capacity, the config's "capacity" object).
enum class CapacitySetting : uint8_t {
    Servers = 0,  ///< capacity.servers
    Groups,       ///< capacity.groups
    Sessions,     ///< capacity.sessions
    Count
};

/// Range of `c` (c < CapacitySetting::Count): 1..its upper bound in limits.h. constexpr, unlike
/// setting_range, because Engine::size_for (and so EngineWith's static_assert) checks with it.
constexpr SettingRange capacity_range(CapacitySetting c) {
    switch (c) {
        case CapacitySetting::Servers:
            return {"capacity.servers", 1, STBF_MAX_SERVERS};
        case CapacitySetting::Groups:
            return {"capacity.groups", 1, STBF_MAX_GROUPS};
        case CapacitySetting::Sessions:
            return {"capacity.sessions", 1, STBF_MAX_SESSIONS};
        case CapacitySetting::Count:
            break;
    }
    return {"", 1, 0};  // no value is inside
}

/// Checks every size of `c`. Ok, or InvalidArgument with `*bad` (if not null) set to the first
/// size out of range. A zero size is out of range: the engine would have a table it cannot use.
constexpr Status check_capacity(const Capacity& c, CapacitySetting* bad) {
    const uint16_t values[] = {c.servers, c.groups, c.sessions};
    static_assert(sizeof values / sizeof values[0] == static_cast<unsigned>(CapacitySetting::Count),
                  "every size is checked");
    for (unsigned i = 0; i < static_cast<unsigned>(CapacitySetting::Count); ++i) {
        const SettingRange r = capacity_range(static_cast<CapacitySetting>(i));
        if (values[i] < r.min || values[i] > r.max) {
            if (bad != nullptr) *bad = static_cast<CapacitySetting>(i);
            return Status::InvalidArgument;
        }
    }
    return Status::Ok;
}

}  // namespace stbf

#endif  // STBF_SETTINGS_H
