// Cost of Engine::pick (choose a server for a new connection) at 4 and 64 servers in one group,
// per mode, next to a baseline in the same process: a plain loop over the same servers that
// takes the first usable one of the lowest priority (what a hand-written fallback list costs).
// After the usual Google Benchmark table it prints pick / baseline ratios.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stbf/engine.h"

namespace {

constexpr stbf::TimeUs kNow = 10'000'000;

std::unique_ptr<stbf::Config> group_of(int servers, stbf::Mode mode) {
    auto c = std::make_unique<stbf::Config>();
    stbf::GroupConfig& g = c->groups[0];
    g.name.assign("bench");
    g.listen_port = 20000;
    g.mode = mode;
    for (int i = 0; i < servers; ++i) {
        stbf::ServerConfig& s = c->servers[i];
        const std::string host = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
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

void bench_pick(benchmark::State& state, stbf::Mode mode) {
    const int servers = static_cast<int>(state.range(0));
    auto config = group_of(servers, mode);
    auto engine = std::make_unique<stbf::Engine>();
    if (engine->init(*config, 42, kNow) != stbf::Status::Ok) {
        state.SkipWithError("engine init failed");
        return;
    }
    stbf::TimeUs now = kNow;
    for (auto _ : state) {
        benchmark::DoNotOptimize(engine->pick(0, 0, now));
        now += 1000;  // time moves, as it does between connections
    }
}

// Baseline: the same servers as a plain array; first usable server of the lowest priority.
void bench_baseline(benchmark::State& state) {
    struct Plain {
        bool usable;
        uint8_t priority;
        uint16_t weight;
    };
    const int servers = static_cast<int>(state.range(0));
    std::vector<Plain> list;
    for (int i = 0; i < servers; ++i)
        list.push_back({i % 5 != 4, static_cast<uint8_t>(i % 3), static_cast<uint16_t>(100)});
    for (auto _ : state) {
        int best = -1;
        for (int i = 0; i < servers; ++i) {
            benchmark::DoNotOptimize(list[i]);
            if (list[i].usable && (best < 0 || list[i].priority < list[best].priority)) best = i;
        }
        benchmark::DoNotOptimize(best);
    }
}

BENCHMARK(bench_baseline)->Arg(4)->Arg(64);
BENCHMARK_CAPTURE(bench_pick, ordered, stbf::Mode::Ordered)->Arg(4)->Arg(64);
BENCHMARK_CAPTURE(bench_pick, random, stbf::Mode::Random)->Arg(4)->Arg(64);
BENCHMARK_CAPTURE(bench_pick, scored, stbf::Mode::Scored)->Arg(4)->Arg(64);

// Console output as usual, plus each run's time per iteration kept for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs)
            if (r.run_type == Run::RT_Iteration && !r.error_occurred)
                ns_[r.benchmark_name()] = r.GetAdjustedCPUTime();
        ConsoleReporter::ReportRuns(runs);
    }
    void print_ratios() const {
        std::printf("\npick cost relative to the plain-loop baseline over the same servers:\n");
        for (const char* mode : {"ordered", "random", "scored"}) {
            for (int n : {4, 64}) {
                const auto pick = ns_.find("bench_pick/" + std::string(mode) + "/" + std::to_string(n));
                const auto base = ns_.find("bench_baseline/" + std::to_string(n));
                if (pick == ns_.end() || base == ns_.end() || base->second <= 0) continue;
                std::printf("  %-8s %2d servers: %8.1f ns CPU per pick = %6.1f x baseline (%.1f ns)\n",
                            mode, n, pick->second, pick->second / base->second, base->second);
            }
        }
    }

private:
    std::map<std::string, double> ns_;
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
