// Fleet benchmark: 10,000 boxes (each the real engine) against one simulated provider, every
// named scenario, compared across modes. Writes per run a text table, a JSON summary, the
// per-second series and a PNG plot (gnuplot), plus summary.txt / summary.json for all runs.
//
//   bench_fleet [--boxes N] [--hosts H] [--out DIR] [--quick] [--threads T] [--only TEXT]
//
// Numbers only, no pass/fail (targets are read off summary.txt; see bench/README.md).
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stbf/sim/fleet.h"

using namespace stbf;
using namespace stbf::sim::fleet;

namespace {

struct Job {
    std::string scenario;
    Mode mode;
    bool sticky;
    uint8_t slots;  // 0 = automatic (2 with >= 2 servers)
    TimeUs duration = 0;  // 0 = the scenario's own
    std::string tag;
    std::string text, json;
    double cpu_s = 0;
};

std::string label(const Job& j) {
    std::string m = mode_name(j.mode);
    if (j.sticky) m += "-sticky";
    return j.scenario + (j.tag.empty() ? "" : "-" + j.tag) + "_" + m + "_slots" +
           std::to_string(j.slots);
}

bool write_file(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return false;
    std::fwrite(text.data(), 1, text.size(), f);
    return std::fclose(f) == 0;
}

void plot(const std::string& dir, const std::string& name, const Result& r) {
    std::string gp = dir + "/" + name + ".gp";
    std::string s;
    s += "set terminal pngcairo size 1100,800 noenhanced\n";
    s += "set output '" + dir + "/" + name + ".png'\n";
    s += "set multiplot layout 2,1 title '" + name + ": " + std::to_string(r.boxes) +
         " boxes, " + std::to_string(r.hosts) + " hosts'\n";
    s += "set key outside right\nset grid\nset xlabel 'minute'\n";
    s += "set ylabel 'live sessions'\nplot ";
    for (int h = 0; h < r.hosts; ++h)
        s += (h ? ", " : "") + std::string("'") + dir + "/" + name + ".dat' using ($1/60):" +
             std::to_string(2 + h) + " with lines title 'host " + std::to_string(h) + "'";
    s += "\nset ylabel 'connects per second'\nplot ";
    for (int h = 0; h < r.hosts; ++h)
        s += (h ? ", " : "") + std::string("'") + dir + "/" + name + ".dat' using ($1/60):" +
             std::to_string(2 + r.hosts + h) + " with lines title 'host " + std::to_string(h) +
             "'";
    s += "\nunset multiplot\n";
    if (!write_file(gp, s)) return;
    std::string cmd = "gnuplot '" + gp + "' 2>/dev/null";
    if (std::system(cmd.c_str()) != 0)
        std::fprintf(stderr, "gnuplot failed for %s (is gnuplot installed?)\n", name.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    uint32_t boxes = 10000;
    uint8_t hosts = 8;
    std::string out = "fleet-out";
    bool quick = false;
    unsigned threads = 2;
    std::string only;  // run only the jobs whose label contains this
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--boxes" && i + 1 < argc) boxes = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (a == "--hosts" && i + 1 < argc) hosts = static_cast<uint8_t>(std::atoi(argv[++i]));
        else if (a == "--out" && i + 1 < argc) out = argv[++i];
        else if (a == "--threads" && i + 1 < argc) threads = static_cast<unsigned>(std::atoi(argv[++i]));
        else if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a == "--quick") quick = true;
        else {
            std::fprintf(stderr, "usage: bench_fleet [--boxes N] [--hosts H] [--out DIR] [--quick] "
                                 "[--threads T] [--only TEXT]\n");
            return 2;
        }
    }
    ::mkdir(out.c_str(), 0755);

    std::vector<Job> jobs;
    const Mode dm = kImportedGroupMode;
    // The three policies on the scenarios that tell them apart (one slot: the pick alone).
    for (const char* sc : {"steady", "host-dies", "host-recovers", "provider-outage"}) {
        jobs.push_back({sc, Mode::Ordered, false, 1});
        jobs.push_back({sc, Mode::Random, false, 1});
        jobs.push_back({sc, Mode::Random, true, 1});
        if (!quick) jobs.push_back({sc, Mode::Scored, false, 1});
    }
    jobs.push_back({"slow-host", Mode::Scored, false, 1});
    jobs.push_back({"slow-host", Mode::Random, false, 1});
    jobs.push_back({"evening-ramp", Mode::Ordered, false, 1});
    jobs.push_back({"evening-ramp", dm, false, 1});
    jobs.push_back({"dns-change", dm, false, 1});
    // Slots (warm standby, the automatic 2 per group): probe load and duplicate logins.
    for (const char* sc : {"steady", "host-dies", "host-recovers", "provider-outage"})
        jobs.push_back({sc, dm, false, 0});
    // The timing figure: one simulated hour of the whole fleet with two slots.
    Job hour{"steady", dm, false, 0, 60 * kMin, "hour"};
    jobs.push_back(hour);

    if (!only.empty()) {
        std::vector<Job> kept;
        for (const Job& j : jobs)
            if (label(j).find(only) != std::string::npos) kept.push_back(j);
        jobs.swap(kept);
    }
    std::atomic<size_t> next{0};
    std::mutex mu;
    auto worker = [&]() {
        for (;;) {
            size_t i = next++;
            if (i >= jobs.size()) return;
            Job& j = jobs[i];
            Scenario s;
            s.boxes = boxes;
            s.seed = 2026;
            uint8_t readers = j.slots ? j.slots : (hosts >= 2 ? 2 : 1);
            s.hosts = default_hosts(hosts, boxes, readers);
            s.config = make_box_config(s.hosts, j.mode, j.sticky, j.slots);
            if (!make_named(j.scenario, &s)) continue;
            if (j.duration) {
                s.duration = j.duration;
                s.probe_stats_until = j.duration;
                s.sample_at = j.duration - kSec;
            }
            Result r = run(s);
            Summary m = summarize(s, r);
            j.cpu_s = r.cpu_seconds;
            j.text = text_table(s, r, m);
            j.json = json_summary(s, r, m);
            std::string name = label(j);
            write_file(out + "/" + name + ".txt", j.text);
            write_file(out + "/" + name + ".json", j.json + "\n");
            write_file(out + "/" + name + ".dat", series_table(r));
            plot(out, name, r);
            std::lock_guard<std::mutex> lock(mu);
            std::printf("%s\n%s\n", name.c_str(), j.text.c_str());
            std::fflush(stdout);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < (threads ? threads : 1); ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();

    std::string all, json = "[\n";
    for (size_t i = 0; i < jobs.size(); ++i) {
        all += label(jobs[i]) + "\n" + jobs[i].text + "\n";
        json += jobs[i].json + (i + 1 < jobs.size() ? ",\n" : "\n");
    }
    json += "]\n";
    write_file(out + "/summary.txt", all);
    write_file(out + "/summary.json", json);
    std::printf("wrote %zu runs to %s/\n", jobs.size(), out.c_str());
    return 0;
}
