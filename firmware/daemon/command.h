// CLI commands. Each command lives in its own cli_<name>.cpp and defines its entry with
// STBF_COMMAND; the table in command.cpp names every entry, so the binary links the library
// plainly (an object nothing refers to would be dropped, a self-registering one with it).
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

/// Every command's entry, one per cli_*.cpp. `simulate` and `demo` come from cli_left_out.cpp
/// when the build leaves them out (STBF_WITH_SIMULATE / STBF_WITH_DEMO OFF).
extern const Command check_command, demo_command, discover_command, import_command, passwd_command,
    probe_command, restore_command, run_command, server_command, setup_command, simulate_command,
    status_command;

/// The commands, in name order, and their count.
const Command* const* commands(int* count);
/// Finds a command by exact name; nullptr if unknown.
const Command* find_command(const char* name);

}  // namespace stbf::cli

/// STBF_COMMAND(check, "validate a config", cmd_check); at file scope: defines
/// stbf::cli::check_command, the command named "check".
#define STBF_COMMAND(id, summary, fn)                    \
    const ::stbf::cli::Command stbf::cli::id##_command { \
#id, summary, fn                                 \
    }

#endif
