// Option reading shared by every `stbfailover <command>`: the same walk over argv, the same
// `-h`/`--help`, the same message and exit status for an argument the command does not know.
//
//   stbf::cli::OptionReader args("check", argc, argv, usage);
//   while (args.next()) {
//       if (args.value("-c", "--config", &path)) continue;
//       if (args.flag("-v", "--verbose")) { verbose = true; continue; }
//       return args.unmatched();
//   }
//
// Exit codes follow command.h: 0 success (help), 2 usage error.
#ifndef STBF_FIRMWARE_CLI_OPTIONS_H
#define STBF_FIRMWARE_CLI_OPTIONS_H

#include <cstdio>

namespace stbf::cli {

/// Prints a command's usage text to `to` (stdout for --help, stderr after a usage error).
using UsageFn = void (*)(std::FILE* to);

class OptionReader {
  public:
    /// `command` is the command's name as typed ("check"); `argv[0]` is that name and is
    /// skipped. `usage` prints the command's usage text.
    OptionReader(const char* command, int argc, char** argv, UsageFn usage);

    /// Moves to the next argument; false when none is left.
    bool next();
    /// The current argument.
    const char* current() const;

    /// True if the current argument is `short_name` or `long_name` (either may be null).
    bool flag(const char* short_name, const char* long_name);
    /// True if the current argument is `short_name` or `long_name` (either may be null) and
    /// another argument follows: that one is consumed and stored in `*value`. False (nothing
    /// consumed) otherwise, so an option missing its value ends up in unmatched().
    bool value(const char* short_name, const char* long_name, const char** value);

    /// For an argument no option matched: `-h`/`--help` prints the usage to stdout and returns
    /// 0; anything else prints "stbfailover COMMAND: unexpected argument 'ARG'" and the usage
    /// to stderr and returns 2. The command returns this as its exit status.
    int unmatched() const;

    /// Prints "stbfailover COMMAND: MESSAGE" and the usage to stderr; returns 2.
    int usage_error(const char* message) const;

  private:
    const char* command_;
    int argc_;
    char** argv_;
    UsageFn usage_;
    int index_ = 0;
};

}  // namespace stbf::cli

#endif  // STBF_FIRMWARE_CLI_OPTIONS_H
