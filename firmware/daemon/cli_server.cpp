// `stbfailover server drain|disable|enable GROUP SERVER [--grace SECONDS]` (or `--all` for
// every server of GROUP): sets a server's admin state in the running daemon over its control
// socket. The daemon keeps it across reloads and restarts until `enable`.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli_options.h"
#include "cli_socket.h"
#include "command.h"
#include "control.h"

namespace {

void usage(std::FILE* out) {
    std::fprintf(
        out,
        "usage: stbfailover server drain|disable|enable GROUP (SERVER | --all) [--grace SECONDS]\n"
        "                          [-c FILE | --socket PATH]\n"
        "  drain    no new sessions on the server; live ones finish on their own\n"
        "  disable  no new sessions, and live ones are cut after --grace SECONDS (default 0)\n"
        "  enable   back into rotation through its rise checks and slow start\n"
        "  GROUP is a group name, SERVER a server label (or host:port); --all: every server\n"
        "  of GROUP. The state stays across reloads and restarts until enable.\n");
    stbf::cli::SocketOptions::print_usage(out);
}

int cmd_server(int argc, char** argv) {
    stbf::cli::SocketOptions socket;
    stbf::daemon::AdminRequest request;
    std::vector<std::string> words;
    long long grace_s = -1;
    stbf::cli::OptionReader args("server", argc, argv, usage);
    const char* value = nullptr;
    while (args.next()) {
        if (socket.read(args)) continue;
        if (args.value(nullptr, "--grace", &value)) {
            char* end = nullptr;
            grace_s = std::strtoll(value, &end, 10);
            if (*value == '\0' || *end != '\0' || grace_s < 0 || grace_s > 24 * 3600) {
                std::fprintf(stderr, "stbfailover server: --grace takes 0..86400 seconds\n");
                return 2;
            }
        } else if (args.flag(nullptr, "--all")) {
            request.all = true;
        } else if (args.current()[0] != '-') {
            words.push_back(args.current());
        } else {
            return args.unmatched();
        }
    }
    const size_t want = request.all ? 2 : 3;
    if (words.size() != want) {
        usage(stderr);
        return 2;
    }
    if (words[0] == "drain") {
        request.state = stbf::AdminState::Drain;
    } else if (words[0] == "disable") {
        request.state = stbf::AdminState::Disabled;
    } else if (words[0] == "enable") {
        request.state = stbf::AdminState::Enabled;
    } else {
        std::fprintf(stderr, "stbfailover server: '%s' is not drain, disable or enable\n",
                     words[0].c_str());
        return 2;
    }
    if (grace_s >= 0 && request.state != stbf::AdminState::Disabled) {
        std::fprintf(stderr, "stbfailover server: --grace goes with disable only\n");
        return 2;
    }
    request.group = words[1];
    if (!request.all) request.server = words[2];
    for (const std::string& w : words) {
        if (w.find('\t') != std::string::npos || w.find('\n') != std::string::npos) {
            std::fprintf(stderr, "stbfailover server: names have no tabs or line breaks\n");
            return 2;
        }
    }
    request.grace_ms = grace_s > 0 ? static_cast<uint32_t>(grace_s * 1000) : 0;

    std::string socket_path, error, answer;
    if (int rc = socket.resolve("server", &socket_path); rc != 0) return rc;
    if (!stbf::daemon::control_request(socket_path, stbf::daemon::admin_request_line(request),
                                       &answer, &error)) {
        std::fprintf(stderr, "stbfailover server: %s\n", error.c_str());
        return 1;
    }
    const bool rejected = answer.compare(0, 6, "error:") == 0;
    std::fputs(answer.c_str(), rejected ? stderr : stdout);
    return rejected ? 1 : 0;
}

}  // namespace

STBF_COMMAND(server, "drain, disable or enable a server of the running daemon", cmd_server);
