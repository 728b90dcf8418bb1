// `stbfailover status`: asks the running daemon over its control socket (control.h).
#include <cstdio>
#include <string>

#include "cli_options.h"
#include "cli_socket.h"
#include "command.h"
#include "control.h"

namespace {

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "usage: stbfailover status [-c FILE | --socket PATH] [--json | --events] [--reload]\n"
        "  Shows groups, slots, servers, state and since when, EWMA latency, sessions,\n"
        "  admin states and the last failover.\n");
    stbf::cli::SocketOptions::print_usage(out);
    std::fprintf(
        out,
        "  --json         the status JSON (version 1, with \"events\")\n"
        "  --events       the event history: state changes, failovers, panics, admin\n"
        "                 actions and reloads, oldest first (the last 200)\n"
        "  --reload       make the daemon re-read its config; exit 1 if it was rejected\n");
}

int cmd_status(int argc, char** argv) {
    stbf::cli::SocketOptions socket;
    bool json = false, reload = false, events = false;
    stbf::cli::OptionReader args("status", argc, argv, usage);
    while (args.next()) {
        if (socket.read(args)) continue;
        if (args.flag(nullptr, "--json")) {
            json = true;
        } else if (args.flag(nullptr, "--events")) {
            events = true;
        } else if (args.flag(nullptr, "--reload")) {
            reload = true;
        } else {
            return args.unmatched();
        }
    }
    std::string socket_path, error, answer;
    if (int rc = socket.resolve("status", &socket_path); rc != 0) return rc;
    const char* request = reload   ? "reload"
                          : events ? "status events"
                          : json   ? "status json"
                                   : "status";
    if (!stbf::daemon::control_request(socket_path, request, &answer, &error)) {
        std::fprintf(stderr, "stbfailover status: %s\n", error.c_str());
        return 1;
    }
    bool rejected = answer.compare(0, 6, "error:") == 0;
    std::fputs(answer.c_str(), rejected ? stderr : stdout);
    return rejected ? 1 : 0;
}

}  // namespace

STBF_COMMAND(status, "show the running daemon's groups, servers and events (--json, --events)",
             cmd_status);
