// The one table of setting and capacity ranges, as the engine and the C API apply it (the JSON
// loader's side: tests/firmware/config_json_test.cpp, ConfigJson.Capacity*).
#include "stbf/settings.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engine_fixture.h"
#include "stbf/stbf.h"

namespace stbf {
namespace {

using namespace testing_engine;

TEST(Settings, DefaultsAreInsideEveryRange) {
    GroupConfig g;
    Setting bad = Setting::Count;
    EXPECT_EQ(check_group_settings(g, &bad), Status::Ok);
    EXPECT_EQ(bad, Setting::Count);
    for (unsigned i = 0; i < static_cast<unsigned>(Setting::Count); ++i) {
        const SettingRange& r = setting_range(static_cast<Setting>(i));
        ASSERT_NE(r.name, nullptr);
        EXPECT_LE(r.min, r.max) << r.name;
    }
}

TEST(Settings, ZeroIntervalOrTimeoutIsRejectedByName) {
    GroupConfig g;
    g.health.inter_ms = 0;
    Setting bad = Setting::Count;
    EXPECT_EQ(check_group_settings(g, &bad), Status::InvalidArgument);
    EXPECT_EQ(std::string(setting_range(bad).name), "check.inter");
    g = GroupConfig{};
    g.health.timeout_ms = 0;
    EXPECT_EQ(check_group_settings(g, &bad), Status::InvalidArgument);
    EXPECT_EQ(std::string(setting_range(bad).name), "check.timeout");
    g = GroupConfig{};
    g.slots = STBF_MAX_SLOTS + 1;
    EXPECT_EQ(check_group_settings(g, &bad), Status::InvalidArgument);
    EXPECT_EQ(bad, Setting::Slots);
}

class SettingsEngineTest : public EngineTest {};

TEST_F(SettingsEngineTest, EngineRefusesAZeroIntervalAndAReloadWithOneKeepsTheOldConfig) {
    Config c = make_config(2);
    c.groups[0].health.fastinter_ms = 0;
    EXPECT_EQ(engine->init(c, 1, now), Status::InvalidArgument);
    init(make_config(2));
    c = make_config(2);
    c.groups[0].session.connect_timeout_ms = 0;
    EXPECT_EQ(engine->replace_config(c, now), Status::InvalidArgument);
    EXPECT_EQ(engine->config_generation(), 1u);
}

TEST(SettingsCApi, GroupSettingsAreCheckedAgainstTheSameTable) {
    auto mem = std::make_unique<uint64_t[]>(stbf_config_size() / 8 + 1);
    stbf_config* cfg = stbf_config_init(mem.get(), stbf_config_size());
    ASSERT_NE(cfg, nullptr);
    const int g = stbf_config_add_group(cfg, "line1", STBF_MODE_ORDERED, 20000);
    ASSERT_EQ(g, 0);
    stbf_health h;
    stbf_health_defaults(&h);
    EXPECT_EQ(h.inter_ms, HealthSettings{}.inter_ms);
    EXPECT_EQ(h.early_close_ms, HealthSettings{}.early_close_ms);
    h.fall = 5;
    EXPECT_EQ(stbf_config_set_health(cfg, g, &h), STBF_OK);
    h.inter_ms = 0;
    EXPECT_EQ(stbf_config_set_health(cfg, g, &h), STBF_INVALID_ARGUMENT);
    EXPECT_EQ(stbf_config_set_health(cfg, 3, &h), STBF_NOT_FOUND);
    stbf_sessions s;
    stbf_sessions_defaults(&s);
    EXPECT_EQ(s.max_sessions, SessionSettings{}.max_sessions);
    s.slots = 2;
    s.max_sessions = 40;
    EXPECT_EQ(stbf_config_set_sessions(cfg, g, &s), STBF_OK);
    s.max_attempts = 0;
    EXPECT_EQ(stbf_config_set_sessions(cfg, g, &s), STBF_INVALID_ARGUMENT);
    // What was accepted is in force, what was refused changed nothing.
    const Config& c = *reinterpret_cast<const Config*>(cfg);
    EXPECT_EQ(c.groups[0].health.fall, 5);
    EXPECT_EQ(c.groups[0].health.inter_ms, HealthSettings{}.inter_ms);
    EXPECT_EQ(c.groups[0].session.max_sessions, 40);
    EXPECT_EQ(c.groups[0].slots, 2);
    EXPECT_EQ(c.groups[0].session.max_attempts, SessionSettings{}.max_attempts);
}

const Capacity kAtBounds{STBF_MAX_SERVERS, STBF_MAX_GROUPS, STBF_MAX_SESSIONS};

// `base` with size `which` one above its range's maximum.
Capacity one_above(Capacity base, CapacitySetting which) {
    const uint16_t above = static_cast<uint16_t>(capacity_range(which).max + 1);
    if (which == CapacitySetting::Servers) base.servers = above;
    if (which == CapacitySetting::Groups) base.groups = above;
    if (which == CapacitySetting::Sessions) base.sessions = above;
    return base;
}

constexpr CapacitySetting kSizes[] = {CapacitySetting::Servers, CapacitySetting::Groups,
                                      CapacitySetting::Sessions};

TEST(Settings, CapacityRangesAreOneToTheBoundsOfLimits) {
    EXPECT_EQ(std::string(capacity_range(CapacitySetting::Servers).name), "capacity.servers");
    EXPECT_EQ(std::string(capacity_range(CapacitySetting::Groups).name), "capacity.groups");
    EXPECT_EQ(std::string(capacity_range(CapacitySetting::Sessions).name), "capacity.sessions");
    EXPECT_EQ(capacity_range(CapacitySetting::Servers).max, uint32_t{STBF_MAX_SERVERS});
    EXPECT_EQ(capacity_range(CapacitySetting::Groups).max, uint32_t{STBF_MAX_GROUPS});
    EXPECT_EQ(capacity_range(CapacitySetting::Sessions).max, uint32_t{STBF_MAX_SESSIONS});
    static_assert(check_capacity(Capacity{}, nullptr) == Status::Ok, "defaults are in range");
    CapacitySetting bad = CapacitySetting::Count;
    EXPECT_EQ(check_capacity(kAtBounds, &bad), Status::Ok);
    EXPECT_EQ(bad, CapacitySetting::Count);
    for (CapacitySetting which : kSizes) {
        const SettingRange r = capacity_range(which);
        EXPECT_EQ(r.min, 1u) << r.name;
        EXPECT_EQ(check_capacity(one_above(kAtBounds, which), &bad), Status::InvalidArgument)
            << r.name;
        EXPECT_EQ(bad, which);
    }
    Capacity zero;
    zero.groups = 0;
    EXPECT_EQ(check_capacity(zero, &bad), Status::InvalidArgument);
    EXPECT_EQ(bad, CapacitySetting::Groups);
}

TEST(Settings, EngineSizesOnlyWhatTheCapacityTableAccepts) {
    static_assert(Engine::size_for(Capacity{1, 1, 1}) > 0, "the smallest capacity is in range");
    EXPECT_GT(Engine::size_for(kAtBounds), 0u);
    for (CapacitySetting which : kSizes) {
        const Capacity c = one_above(kAtBounds, which);
        EXPECT_EQ(Engine::size_for(c), 0u) << capacity_range(which).name;
        auto memory = std::make_unique<uint64_t[]>(Engine::size_for(kAtBounds) / 8 + 1);
        auto engine = std::make_unique<Engine>();
        EXPECT_EQ(engine->attach(c, memory.get(), Engine::size_for(kAtBounds)),
                  Status::InvalidArgument)
            << capacity_range(which).name;
    }
}

TEST(SettingsCApi, CapacityIsCheckedAgainstTheSameTable) {
    auto mem = std::make_unique<uint64_t[]>(stbf_config_size() / 8 + 1);
    stbf_config* cfg = stbf_config_init(mem.get(), stbf_config_size());
    ASSERT_NE(cfg, nullptr);
    EXPECT_EQ(
        stbf_config_set_capacity(cfg, kAtBounds.servers, kAtBounds.groups, kAtBounds.sessions),
        STBF_OK);
    EXPECT_EQ(stbf_config_set_capacity(cfg, 2, 1, 4), STBF_OK);
    for (CapacitySetting which : kSizes) {
        const Capacity c = one_above(kAtBounds, which);
        EXPECT_EQ(stbf_config_set_capacity(cfg, c.servers, c.groups, c.sessions),
                  STBF_INVALID_ARGUMENT)
            << capacity_range(which).name;
    }
    EXPECT_EQ(stbf_config_set_capacity(cfg, 1, 0, 1), STBF_INVALID_ARGUMENT);
    // What was refused changed nothing.
    const Config& c = *reinterpret_cast<const Config*>(cfg);
    EXPECT_EQ(c.capacity.servers, 2);
    EXPECT_EQ(c.capacity.groups, 1);
    EXPECT_EQ(c.capacity.sessions, 4);
}

}  // namespace
}  // namespace stbf
