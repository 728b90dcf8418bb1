// stbfailover: connection-level failover for a receiver's softcam lines.
#include <cstdio>
#include <cstring>

#include "command.h"

namespace {
void usage(std::FILE* out) {
    std::fprintf(out,
                 "usage: stbfailover <command> [options]\n"
                 "       stbfailover <command> --help\n\ncommands:\n");
    int n = 0;
    const stbf::cli::Command* const* all = stbf::cli::commands(&n);
    for (int i = 0; i < n; ++i) std::fprintf(out, "  %-10s %s\n", all[i]->name, all[i]->summary);
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
        std::strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "version") == 0) {
        std::printf("stbfailover %s\n", STBF_VERSION);
        return 0;
    }
    const stbf::cli::Command* cmd = stbf::cli::find_command(argv[1]);
    if (cmd == nullptr) {
        std::fprintf(stderr, "stbfailover: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    return cmd->run(argc - 1, argv + 1);
}
