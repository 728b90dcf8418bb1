// `stbfailover demo`: watch a failover happen on this machine, no line or config needed.
// Starts three stand-in line upstreams on 127.0.0.1, runs the failover runtime over them with
// two slots, and an OSCam-like stand-in softcam with one reader per slot. Kills the upstream
// serving slot 1, brings it back, then hangs the one serving slot 1, and prints the timeline.
// About 30 s; exit 0 when no request was lost and a reader was logged in all the time.
#include <cstdio>

#include "cli_options.h"
#include "command.h"
#include "failover_scenario.h"

namespace {

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: stbfailover demo\n\n"
                 "Starts three stand-in line upstreams on 127.0.0.1, serves them on two slots\n"
                 "and runs an OSCam-like stand-in softcam with one reader per slot. Kills the\n"
                 "upstream serving slot 1, then hangs the one serving it next, and prints when\n"
                 "each slot is served again and how the softcam's requests fared. Takes about\n"
                 "30 s; exit 0 when no request was lost and a reader was logged in throughout.\n");
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

int cmd_demo(int argc, char** argv) {
    stbf::cli::OptionReader args("demo", argc, argv, usage);
    if (args.next()) return args.unmatched();  // takes no options
    std::printf("stbfailover demo: stand-in upstreams and softcam on 127.0.0.1 (about 30 s)\n");
    std::fflush(stdout);
    const stbf::standin::SlotsDemoOptions options;
    const stbf::standin::SlotsDemoResult r =
        stbf::standin::run_slots_demo(options, [](const std::string& line) {
            std::printf("%s\n", line.c_str());
            std::fflush(stdout);
        });
    if (!r.ok) {
        std::printf("FAILED: %s\n", r.error.c_str());
        return 1;
    }
    std::printf(
        "\nresult: the softcam never lost its line.\n"
        "  slots served by: %s; after %s was killed: %s; after %s hung: %s\n"
        "  %u requests, %u lost, %u answered later than the %.1f s fallback timeout, longest\n"
        "  wait for an answer %.1f s; readers logged in at any time: at least %u of 2\n",
        join(r.homes_start).c_str(), r.killed.c_str(), join(r.homes_after_kill).c_str(),
        r.hung.c_str(), join(r.homes_after_hang).c_str(), r.requests, r.lost, r.late,
        options.softcam.fallback_timeout_us / 1e6, r.longest_gap_ms / 1000, r.min_logged_in);
    return 0;
}

}  // namespace

STBF_COMMAND(demo, "watch a failover on local stand-in upstreams (about 30 s)", cmd_demo);
