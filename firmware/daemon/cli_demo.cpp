// `stbfailover demo`: watch a failover happen on this machine, no line or config needed.
// Starts three stand-in CCcam upstreams on 127.0.0.1, runs the failover runtime over them,
// kills the upstream serving a stand-in softcam, then hangs the next one, and prints the
// timeline. About 10 s; exit 0 when both faults moved the client to another upstream.
#include <cstdio>

#include "cli_options.h"
#include "command.h"
#include "failover_scenario.h"

namespace {

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: stbfailover demo\n\n"
                 "Starts three stand-in CCcam upstreams on 127.0.0.1 and a stand-in softcam, kills\n"
                 "the upstream serving it, then hangs the next one, and prints when the softcam is\n"
                 "served again. Takes about 10 s; exit 0 when both failovers happened.\n");
}

int cmd_demo(int argc, char** argv) {
    stbf::cli::OptionReader args("demo", argc, argv, usage);
    if (args.next()) return args.unmatched();  // takes no options
    std::printf("stbfailover demo: stand-in upstreams and softcam on 127.0.0.1 (about 10 s)\n");
    std::fflush(stdout);
    const stbf::standin::ScenarioOptions options;
    const stbf::standin::ScenarioResult r =
        stbf::standin::run_failover_scenario(options, [](const std::string& line) {
            std::printf("%s\n", line.c_str());
            std::fflush(stdout);
        });
    if (!r.ok) {
        std::printf("FAILED: %s\n", r.error.c_str());
        return 1;
    }
    std::printf(
        "\nresult: failover worked.\n"
        "  killed upstream %s: the softcam was served by %s %.0f ms after its connection closed\n"
        "    (its own reconnect delay is %.0f ms; on its own it would wait up to ~13 s)\n"
        "  hung upstream %s: the session was cut %.0f ms after the first unanswered keepalive\n"
        "    (hang window %u ms) and served by %s %.0f ms after that keepalive\n",
        r.first.c_str(), r.after_kill.c_str(), r.close_to_served_ms, options.reconnect_ms,
        r.after_kill.c_str(), r.unanswered_to_close_ms, options.hang_timeout_ms,
        r.after_hang.c_str(), r.unanswered_to_served_ms);
    return 0;
}

STBF_COMMAND("demo", "watch a failover on local stand-in upstreams (about 10 s)", cmd_demo);

}  // namespace
