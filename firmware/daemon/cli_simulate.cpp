// `stbfailover simulate`: run a fleet scenario (many boxes, each the real engine, against one
// simulated provider) with a box owner's or image maintainer's own group settings, and print
// the table. For a provider sizing its hosts, or an image maintainer choosing defaults.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "cli_options.h"
#include "command.h"
#include "config_json.h"
#include "config_diagnostics.h"
#include "stbf/sim/fleet.h"

namespace {

using namespace stbf::sim::fleet;

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: stbfailover simulate [-c FILE] [-g GROUP] [-s SCENARIO] [options]\n"
                 "  -c, --config FILE    take the group's servers (weights, priorities, backup)\n"
                 "                       and settings from this config (JSON, CCcam.cfg or\n"
                 "                       oscam.server); without it: --hosts equal hosts\n"
                 "  -g, --group NAME     group of the config to simulate (default: the first)\n"
                 "  -s, --scenario NAME  steady, host-dies, host-recovers, provider-outage,\n"
                 "                       slow-host, evening-ramp, dns-change (default steady)\n"
                 "  --boxes N            fleet size (default 1000)\n"
                 "  --hosts N            hosts without a config (default 4)\n"
                 "  --mode MODE          ordered, random or scored (overrides the config)\n"
                 "  --slots N            readers per box (0 = automatic)\n"
                 "  --capacity N         connections each host accepts (default: 1.5x its share)\n"
                 "  --logins-per-s N     logins each host serves per second (default: its share\n"
                 "                       in 20 s)\n"
                 "  --minutes N          simulated time (default: the scenario's)\n"
                 "  --seed N             fleet seed (default 1)\n"
                 "  --json               print the JSON summary instead of the table\n"
                 "Exit status: 0 ran, 1 the config or group is unusable, 2 usage error.\n");
}

bool parse_uint(const char* text, unsigned long max, unsigned long* out) {
    char* end = nullptr;
    unsigned long v = std::strtoul(text, &end, 10);
    if (end == text || *end != '\0' || v > max) return false;
    *out = v;
    return true;
}

/// A Config holding only group `gi` of `in` (its servers renumbered from 0).
void one_group(const stbf::Config& in, uint8_t gi, stbf::Config* out) {
    const stbf::GroupConfig& g = in.groups[gi];
    out->server_count = g.server_count;
    for (uint16_t k = 0; k < g.server_count; ++k) out->servers[k] = in.servers[g.servers[k]];
    out->group_count = 1;
    out->groups[0] = g;
    for (uint16_t k = 0; k < g.server_count; ++k) out->groups[0].servers[k] = k;
}

int cmd_simulate(int argc, char** argv) {
    const char* path = nullptr;
    const char* group = nullptr;
    const char* scenario = "steady";
    const char* mode_text = nullptr;
    unsigned long boxes = 1000, hosts = 4, slots = 0, capacity = 0, logins = 0, minutes = 0,
                  seed = 1;
    bool slots_given = false, json = false;
    stbf::cli::OptionReader args("simulate", argc, argv, usage);
    const char* v = nullptr;
    while (args.next()) {
        if (args.value("-c", "--config", &path)) continue;
        if (args.value("-g", "--group", &group)) continue;
        if (args.value("-s", "--scenario", &scenario)) continue;
        if (args.value(nullptr, "--mode", &mode_text)) continue;
        if (args.flag(nullptr, "--json")) {
            json = true;
            continue;
        }
        struct Num {
            const char* name;
            unsigned long* out;
            unsigned long min, max;
        } nums[] = {{"--boxes", &boxes, 1, 100000},
                    {"--hosts", &hosts, 1, STBF_MAX_SERVERS_PER_GROUP},
                    {"--slots", &slots, 0, STBF_MAX_SLOTS},
                    {"--capacity", &capacity, 1, 10000000},
                    {"--logins-per-s", &logins, 1, 1000000},
                    {"--minutes", &minutes, 1, 24 * 60},
                    {"--seed", &seed, 0, ~0ul}};
        bool matched = false;
        for (const Num& n : nums) {
            if (!args.value(nullptr, n.name, &v)) continue;
            matched = true;
            if (!parse_uint(v, n.max, n.out) || *n.out < n.min)
                return args.usage_error((std::string(n.name) + " wants a number from " +
                                         std::to_string(n.min) + " to " + std::to_string(n.max))
                                            .c_str());
            if (n.out == &slots) slots_given = true;
            break;
        }
        if (matched) continue;
        return args.unmatched();
    }

    auto s = std::make_unique<Scenario>();
    s->boxes = static_cast<uint32_t>(boxes);
    s->seed = seed;
    if (path != nullptr) {
        auto cfg = std::make_unique<stbf::Config>();
        auto diags = std::make_unique<stbf::Diagnostics>();
        stbf::fw::Globals globals;
        if (stbf::fw::load_config(path, cfg.get(), &globals, diags.get()) !=
            stbf::fw::LoadResult::Ok) {
            stbf::fw::print_diagnostics(stderr, *cfg, *diags, false);
            std::fprintf(stderr, "%s: the config is not usable (stbfailover check -c %s)\n", path,
                         path);
            return 1;
        }
        int gi = cfg->group_count > 0 && group == nullptr ? 0 : -1;
        for (uint8_t g = 0; group != nullptr && g < cfg->group_count; ++g)
            if (std::strcmp(cfg->groups[g].name.c_str(), group) == 0) gi = g;
        if (gi < 0) {
            std::fprintf(stderr, "%s: no group %s\n", path,
                         group ? group : "(the config has none)");
            return 1;
        }
        one_group(*cfg, static_cast<uint8_t>(gi), &s->config);
        hosts = s->config.groups[0].server_count;
    }
    const uint8_t H = static_cast<uint8_t>(hosts);
    if (path == nullptr)
        s->config =
            make_box_config(default_hosts(H, s->boxes, 1), stbf::kImportedGroupMode, false, 0);
    stbf::GroupConfig& g = s->config.groups[0];
    if (mode_text != nullptr) {
        bool found = false;
        for (stbf::Mode m : {stbf::Mode::Ordered, stbf::Mode::Random, stbf::Mode::Scored})
            if (std::strcmp(mode_text, stbf::mode_name(m)) == 0) {
                g.mode = m;
                found = true;
            }
        if (!found) return args.usage_error("--mode must be ordered, random or scored");
    }
    if (slots_given) g.slots = static_cast<uint8_t>(slots);
    uint8_t enabled = 0;
    for (uint16_t k = 0; k < g.server_count; ++k)
        enabled += s->config.servers[g.servers[k]].enabled;
    const uint8_t readers = g.slots ? g.slots : (enabled >= 2 ? 2 : 1);
    s->hosts = default_hosts(H, s->boxes, readers);
    for (uint8_t h = 0; h < H; ++h) {
        const stbf::ServerConfig& sc = s->config.servers[g.servers[h]];
        s->hosts[h].weight = sc.weight;
        s->hosts[h].priority = sc.priority;
        s->hosts[h].backup = sc.backup;
        if (capacity) s->hosts[h].max_conns = static_cast<uint32_t>(capacity);
        if (logins) s->hosts[h].login_us = static_cast<uint32_t>(std::max(1ul, 1000000ul / logins));
    }
    if (!make_named(scenario, s.get())) {
        std::string names;
        for (const auto& n : scenario_names()) names += (names.empty() ? "" : ", ") + n;
        return args.usage_error(("unknown scenario; one of " + names).c_str());
    }
    if (minutes) {
        s->duration = minutes * kMin;
        if (s->sample_at >= s->duration) s->sample_at = s->duration - kSec;
        if (s->probe_stats_until > s->duration) s->probe_stats_until = s->duration;
    }
    Result r = run(*s);
    if (r.hosts == 0) {
        std::fprintf(stderr, "stbfailover simulate: nothing to simulate\n");
        return 1;
    }
    Summary m = summarize(*s, r);
    std::fputs((json ? json_summary(*s, r, m) + "\n" : text_table(*s, r, m)).c_str(), stdout);
    return 0;
}

}  // namespace

STBF_COMMAND(simulate, "run a fleet of boxes with a group's settings against a simulated provider",
             cmd_simulate);
