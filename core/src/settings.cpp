// The table of setting ranges (see settings.h).
#include "stbf/settings.h"

namespace stbf {

namespace {

constexpr uint32_t kWeekMs = 7u * 24 * 3600 * 1000;

// Indexed by Setting. Ranges are what the engine's timers handle and what is sane for a box:
// nothing is probed more than once per millisecond, and no timer runs longer than a week.
constexpr SettingRange kRanges[] = {
    {"check.inter", 1, kWeekMs},
    {"check.fastinter", 1, kWeekMs},
    {"check.downinter", 1, kWeekMs},
    {"check.downinter_max", 1, kWeekMs},
    {"check.timeout", 1, kWeekMs},
    {"check.slowstart", 0, kWeekMs},
    {"check.early_close", 0, kWeekMs},
    {"check.rise", 1, 255},
    {"check.fall", 1, 255},
    {"check.jitter_pct", 0, 50},
    {"session.connect_timeout_ms", 1, 600000},
    {"session.race_stagger_ms", 0, 600000},
    {"session.hang_timeout_ms", 0, 3600000},
    {"session.idle_timeout_s", 0, 7 * 24 * 3600},
    {"session.max_sessions", 1, 65535},
    {"session.max_attempts", 1, 255},
    {"slots", 0, STBF_MAX_SLOTS},
    {"score.ewma_shift", 0, 8},
    {"score.reexplore_ms", 0, 86400000},
};
static_assert(sizeof kRanges / sizeof kRanges[0] == static_cast<unsigned>(Setting::Count),
              "one range per setting");

}  // namespace

const SettingRange& setting_range(Setting s) { return kRanges[static_cast<unsigned>(s)]; }

bool setting_ok(Setting s, uint32_t value) {
    const SettingRange& r = setting_range(s);
    return value >= r.min && value <= r.max;
}

Status check_group_settings(const GroupConfig& g, Setting* bad) {
    const HealthSettings& h = g.health;
    const SessionSettings& ss = g.session;
    const struct {
        Setting s;
        uint32_t v;
    } values[] = {
        {Setting::Inter, h.inter_ms},
        {Setting::FastInter, h.fastinter_ms},
        {Setting::DownInter, h.downinter_ms},
        {Setting::DownInterMax, h.downinter_max_ms},
        {Setting::Timeout, h.timeout_ms},
        {Setting::SlowStart, h.slowstart_ms},
        {Setting::EarlyClose, h.early_close_ms},
        {Setting::Rise, h.rise},
        {Setting::Fall, h.fall},
        {Setting::JitterPct, h.jitter_pct},
        {Setting::ConnectTimeout, ss.connect_timeout_ms},
        {Setting::RaceStagger, ss.race_stagger_ms},
        {Setting::HangTimeout, ss.hang_timeout_ms},
        {Setting::IdleTimeout, ss.idle_timeout_s},
        {Setting::MaxSessions, ss.max_sessions},
        {Setting::MaxAttempts, ss.max_attempts},
        {Setting::Slots, g.slots},
        {Setting::EwmaShift, g.score.ewma_shift},
        {Setting::Reexplore, g.score.reexplore_ms},
    };
    static_assert(sizeof values / sizeof values[0] == static_cast<unsigned>(Setting::Count),
                  "every setting is checked");
    for (const auto& item : values) {
        if (!setting_ok(item.s, item.v)) {
            if (bad != nullptr) *bad = item.s;
            return Status::InvalidArgument;
        }
    }
    return Status::Ok;
}

}  // namespace stbf
