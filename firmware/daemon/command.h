// CLI command registry. Each command lives in its own cli_<name>.cpp and registers itself with
// STBF_COMMAND, so main.cpp needs no list of commands.
#ifndef STBF_FIRMWARE_COMMAND_H
#define STBF_FIRMWARE_COMMAND_H

#include <cstdio>

namespace stbf::cli {

/// Entry point of a command. `argv[0]` is the command name; returns the process exit code
/// (0 success, 1 the checked thing is bad, 2 usage error).
using CommandFn = int (*)(int argc, char** argv);

struct Command {
    const char* name;
    const char* summary;  ///< one line for `stbfailover --help`
    CommandFn run;
};

/// Adds a command; called from static initialisers. Returns true.
bool register_command(const Command& c);
/// Registered commands, in name order, and their count.
const Command* commands(int* count);
/// Finds a command by exact name; nullptr if unknown.
const Command* find_command(const char* name);

}  // namespace stbf::cli

#define STBF_COMMAND_CONCAT2(a, b) a##b
#define STBF_COMMAND_CONCAT(a, b) STBF_COMMAND_CONCAT2(a, b)
/// STBF_COMMAND("check", "validate a config", cmd_check);
#define STBF_COMMAND(name, summary, fn)                                            \
    static const bool STBF_COMMAND_CONCAT(stbf_command_registered_, __LINE__) = \
        ::stbf::cli::register_command(::stbf::cli::Command{name, summary, fn})

#endif
