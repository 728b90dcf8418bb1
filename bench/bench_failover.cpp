// Failover time on loopback with the real runtime over the POSIX port (firmware/daemon
// failover_scenario.h): a client that reconnects 100 ms after a close, three stand-in upstreams.
//  (i)  upstream killed -> time until the client is served by another, against the client's
//       own reconnect delay (ratio 1.0 = no delay added by us);
//  (ii) upstream hung -> time from the first unanswered keepalive until the client is served
//       elsewhere, against the configured hang window.
// Prints numbers per round and the median; never fails on timing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "failover_scenario.h"

namespace {

double median(std::vector<double> v) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 3;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: bench_failover [--rounds N]  (N in 1..20, default 3)\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > 20) {
        std::fprintf(stderr, "bench_failover: --rounds must be 1..20\n");
        return 2;
    }
    const stbf::standin::ScenarioOptions options;
    std::vector<double> kill_ms, kill_ratio, hang_ms, hang_ratio, cut_ms;
    std::printf("bench_failover: client reconnects %.0f ms after a close, hang window %u ms\n",
                options.reconnect_ms, options.hang_timeout_ms);
    std::printf("round  kill: close->served  ratio   hang: unanswered->cut  ->served  ratio\n");
    for (int round = 1; round <= rounds; ++round) {
        const stbf::standin::ScenarioResult r = stbf::standin::run_failover_scenario(options, {});
        if (!r.ok) {
            std::printf("%5d  failed: %s\n", round, r.error.c_str());
            continue;
        }
        kill_ms.push_back(r.close_to_served_ms);
        kill_ratio.push_back(r.close_to_served_ms / options.reconnect_ms);
        cut_ms.push_back(r.unanswered_to_close_ms);
        hang_ms.push_back(r.unanswered_to_served_ms);
        hang_ratio.push_back(r.unanswered_to_served_ms / options.hang_timeout_ms);
        std::printf("%5d  %16.1f ms  %5.3f   %18.1f ms  %6.1f ms  %5.3f\n", round, kill_ms.back(),
                    kill_ratio.back(), cut_ms.back(), hang_ms.back(), hang_ratio.back());
    }
    std::printf("median %15.1f ms  %5.3f   %18.1f ms  %6.1f ms  %5.3f\n", median(kill_ms),
                median(kill_ratio), median(cut_ms), median(hang_ms), median(hang_ratio));
    return kill_ms.empty() ? 1 : 0;
}
