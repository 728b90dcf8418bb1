// Cost of Engine::pick (choose a server for a new connection) at 4 and 64 servers in one group,
// per mode, with the servers in the states failover produces: some down, some suspect, some
// rising and in slow start after a recovery, the rest up; every server has measured latencies
// (probes that connected and greeted after a per-server delay), so scored mode ranks real data.
//
// Baseline, per mode, in the same process: the same work written plainly over an array holding
// what pick needs (usable, priority tier, weight scaled by slow start, latency): ordered takes
// the first usable server of the best tier, random draws weighted among the best tier's usable
// servers, scored takes the lowest latency of the best tier. After the usual Google Benchmark
// table it prints pick / baseline ratios; with --benchmark_repetitions=N it prints the median
// and [min..max] over the repetitions (also when only aggregates are reported).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stbf/engine.h"

namespace {

constexpr stbf::TimeUs kStart = 10'000'000;
constexpr stbf::TimeUs kMs = 1000;

std::unique_ptr<stbf::Config> group_of(int servers, stbf::Mode mode) {
    auto c = std::make_unique<stbf::Config>();
    stbf::GroupConfig& g = c->groups[0];
    g.name.assign("bench");
    g.listen_port = 20000;
    g.mode = mode;
    // Slow enough re-checks that the shaped states hold while the benchmark runs: a suspect is
    // re-checked after 30 s, a recovered server ramps for 10 min.
    g.health.fastinter_ms = 30000;
    g.health.fall = 4;
    g.health.slowstart_ms = 600000;
    for (int i = 0; i < servers; ++i) {
        stbf::ServerConfig& s = c->servers[i];
        const std::string host =
            "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
        s.label.assign(host.c_str());
        s.host.assign(host.c_str());
        s.port = 12000;
        s.protocol = stbf::Protocol::Cccam;
        s.probe = stbf::ProbeKind::Cccam;
        s.weight = static_cast<uint16_t>(50 + (i * 37) % 150);
        s.priority = static_cast<uint8_t>(i % 3);
        g.servers[g.server_count++] = static_cast<uint16_t>(i);
    }
    c->server_count = static_cast<uint16_t>(servers);
    c->group_count = 1;
    return c;
}

// What each server does when probed: its class decides the state it ends in.
enum class Fate { Up, Down, Suspect, Recovering };
Fate fate_of(int i) {
    switch (i % 5) {
        case 1:
            return Fate::Down;  // fails every check: down
        case 2:
            return Fate::Suspect;  // fails its latest check(s) only: suspect
        case 3:
            return Fate::Recovering;  // down first, then passes: up in slow start
        default:
            return Fate::Up;
    }
}

// Drives the engine's checks in virtual time until the states above are reached: every Probe
// action is answered (connected after a per-server latency, then the verdict). Bounded.
stbf::TimeUs shape(stbf::Engine& engine, int servers) {
    stbf::TimeUs now = kStart;
    const stbf::TimeUs phase2 = kStart + 200'000 * kMs;  // from here the suspects fail
    std::vector<int> checks(static_cast<size_t>(servers), 0);
    std::vector<bool> failed_late(static_cast<size_t>(servers), false);
    int suspects_left = 0;
    for (int i = 0; i < servers; ++i) suspects_left += fate_of(i) == Fate::Suspect ? 1 : 0;
    for (int round = 0; round < 2000; ++round) {
        engine.on_timeout(now);
        stbf::Action a;
        while (engine.pop_action(&a)) {
            if (a.kind != stbf::ActionKind::Probe || a.server >= servers) continue;
            const int i = a.server;
            const int n = ++checks[static_cast<size_t>(i)];
            bool ok = true;
            switch (fate_of(i)) {
                case Fate::Down:
                    ok = false;
                    break;
                case Fate::Suspect:
                    ok = now < phase2;
                    if (!ok && !failed_late[static_cast<size_t>(i)]) {
                        failed_late[static_cast<size_t>(i)] = true;
                        --suspects_left;
                    }
                    break;
                case Fate::Recovering:
                    ok = n > 5;
                    break;
                case Fate::Up:
                    break;
            }
            const stbf::TimeUs latency = (5 + static_cast<stbf::TimeUs>(i * 13 % 40)) * kMs;
            engine.probe_connected(a.server, a.probe, now + latency / 2);
            engine.probe_result(a.server, a.probe, ok,
                                ok ? stbf::Reason::None : stbf::Reason::ConnectTimeout,
                                now + latency);
        }
        if (now >= phase2 && suspects_left == 0) break;  // every suspect has just failed
        const stbf::TimeUs next = engine.next_deadline();
        if (next == stbf::kNever) break;
        now = std::max(now + kMs, next);
        if (now > phase2 + 120'000 * kMs) break;  // bounded whatever the engine schedules
    }
    return now;
}

struct Shaped {
    std::unique_ptr<stbf::Config> config;
    std::unique_ptr<stbf::DefaultEngine> engine;
    stbf::TimeUs now = 0;
    int states[6] = {};
    int slowstart = 0;  // usable, still ramping up after a recovery
};

Shaped make(int servers, stbf::Mode mode) {
    Shaped s;
    s.config = group_of(servers, mode);
    s.engine = std::make_unique<stbf::DefaultEngine>();
    if (s.engine->init(*s.config, 42, kStart) != stbf::Status::Ok) return Shaped();
    s.now = shape(*s.engine, servers);
    for (int i = 0; i < servers; ++i) {
        const stbf::ServerStatus st = s.engine->server_status(static_cast<stbf::ServerSlot>(i));
        s.states[static_cast<int>(st.state)]++;
        if (st.slowstart_until > s.now) s.slowstart++;
    }
    return s;
}

void bench_pick(benchmark::State& state, stbf::Mode mode) {
    const int servers = static_cast<int>(state.range(0));
    Shaped s = make(servers, mode);
    if (!s.engine) {
        state.SkipWithError("engine init failed");
        return;
    }
    state.counters["up"] = s.states[0];
    state.counters["suspect"] = s.states[1];
    state.counters["down"] = s.states[2];
    state.counters["rising"] = s.states[3];
    state.counters["slowstart"] = s.slowstart;
    stbf::TimeUs now = s.now;
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.engine->pick(0, 0, now));
        now += 1000;  // time moves, as it does between connections
    }
}

// The same decision over a plain array filled from the shaped engine's status.
void bench_baseline(benchmark::State& state, stbf::Mode mode) {
    struct Plain {
        bool usable;
        uint8_t priority;
        uint32_t weight;
        uint32_t latency_us;
        stbf::TimeUs slowstart_until;
    };
    const int servers = static_cast<int>(state.range(0));
    Shaped s = make(servers, mode);
    if (!s.engine) {
        state.SkipWithError("engine init failed");
        return;
    }
    std::vector<Plain> list;
    for (int i = 0; i < servers; ++i) {
        const stbf::ServerStatus st = s.engine->server_status(static_cast<stbf::ServerSlot>(i));
        const bool usable =
            st.state == stbf::ServerState::Up || st.state == stbf::ServerState::Suspect;
        list.push_back({usable, st.config->priority, st.config->weight,
                        st.ewma_connect_us + st.ewma_response_us, st.slowstart_until});
    }
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    stbf::TimeUs now = s.now;
    for (auto _ : state) {
        uint8_t tier = 0xff;
        for (const Plain& p : list)
            if (p.usable && p.priority < tier) tier = p.priority;
        int best = -1;
        if (mode == stbf::Mode::Ordered) {
            for (int i = 0; i < servers && best < 0; ++i)
                if (list[i].usable && list[i].priority == tier) best = i;
        } else if (mode == stbf::Mode::Scored) {
            for (int i = 0; i < servers; ++i)
                if (list[i].usable && list[i].priority == tier &&
                    (best < 0 || list[i].latency_us < list[best].latency_us))
                    best = i;
        } else {
            uint64_t total = 0;
            uint64_t weights[64];
            for (int i = 0; i < servers; ++i) {
                uint64_t w = list[i].usable && list[i].priority == tier ? list[i].weight : 0;
                if (w > 0 && list[i].slowstart_until > now) w = w / 4 + 1;  // ramping
                weights[i] = w;
                total += w;
            }
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            uint64_t x = total > 0 ? rng % total : 0;
            for (int i = 0; i < servers && best < 0; ++i) {
                if (x < weights[i])
                    best = i;
                else
                    x -= weights[i];
            }
        }
        benchmark::DoNotOptimize(best);
        now += 1000;
    }
}

BENCHMARK_CAPTURE(bench_baseline, ordered, stbf::Mode::Ordered)->Arg(4)->Arg(64);
BENCHMARK_CAPTURE(bench_baseline, random, stbf::Mode::Random)->Arg(4)->Arg(64);
BENCHMARK_CAPTURE(bench_baseline, scored, stbf::Mode::Scored)->Arg(4)->Arg(64);
BENCHMARK_CAPTURE(bench_pick, ordered, stbf::Mode::Ordered)->Arg(4)->Arg(64);
BENCHMARK_CAPTURE(bench_pick, random, stbf::Mode::Random)->Arg(4)->Arg(64);
BENCHMARK_CAPTURE(bench_pick, scored, stbf::Mode::Scored)->Arg(4)->Arg(64);

// Console output as usual; every repetition's CPU time per iteration kept for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (r.error_occurred) continue;
            // run_name.str() has no repetition or aggregate suffix: one key per benchmark.
            if (r.run_type == Run::RT_Iteration)
                samples_[r.run_name.str()].push_back(r.GetAdjustedCPUTime());
            else if (r.aggregate_name == "median") {
                medians_[r.run_name.str()] = r.GetAdjustedCPUTime();
                reps_[r.run_name.str()] = static_cast<size_t>(r.repetitions);
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }
    void print_ratios() const {
        std::printf(
            "\npick cost against the same work done plainly (baseline), CPU ns per pick,"
            " median [min..max] over repetitions:\n");
        for (const char* mode : {"ordered", "random", "scored"}) {
            for (int n : {4, 64}) {
                const std::string suffix = std::string(mode) + "/" + std::to_string(n);
                Stat pick = stat("bench_pick/" + suffix), base = stat("bench_baseline/" + suffix);
                if (pick.n == 0 || base.n == 0 || base.median <= 0) continue;
                std::printf(
                    "  %-8s %2d servers: pick %7.1f [%.1f..%.1f]  baseline %6.1f "
                    "[%.1f..%.1f]  ratio %5.2f  (%zu reps)\n",
                    mode, n, pick.median, pick.lo, pick.hi, base.median, base.lo, base.hi,
                    pick.median / base.median, pick.n);
            }
        }
    }

  private:
    struct Stat {
        double median = 0, lo = 0, hi = 0;
        size_t n = 0;
    };
    Stat stat(const std::string& name) const {
        Stat s;
        auto it = samples_.find(name);
        std::vector<double> v = it != samples_.end() ? it->second : std::vector<double>();
        auto m = medians_.find(name);
        if (v.empty() && m == medians_.end()) return s;
        if (!v.empty()) {
            std::sort(v.begin(), v.end());
            s.lo = v.front();
            s.hi = v.back();
            s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
            s.n = v.size();
        }
        if (m != medians_.end()) {  // reported by the library (aggregates only, or as well)
            s.median = m->second;
            if (s.n == 0) {  // aggregates only: no min/max, but say how many repetitions
                s.lo = s.hi = m->second;
                auto n = reps_.find(name);
                s.n = n != reps_.end() && n->second > 0 ? n->second : 1;
            }
        }
        return s;
    }
    std::map<std::string, std::vector<double>> samples_;
    std::map<std::string, double> medians_;
    std::map<std::string, size_t> reps_;
};

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_ratios();
    benchmark::Shutdown();
    return 0;
}
