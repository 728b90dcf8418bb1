// The one table of setting ranges, as the engine and the C API apply it.
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

}  // namespace
}  // namespace stbf
