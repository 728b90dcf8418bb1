// How a client command (`status`, `server`) finds the running daemon's control socket:
// `-c FILE` (the socket that config names) or `--socket PATH`, else kDefaultControlSocket.
//
//   stbf::cli::SocketOptions socket;
//   while (args.next()) {
//       if (socket.read(args)) continue;
//       ...
//   }
//   std::string path;
//   if (int rc = socket.resolve("status", &path); rc != 0) return rc;
#ifndef STBF_FIRMWARE_CLI_SOCKET_H
#define STBF_FIRMWARE_CLI_SOCKET_H

#include <cstdio>
#include <string>

#include "cli_options.h"

namespace stbf::cli {

class SocketOptions {
  public:
    /// True if the current argument of `args` is `-c`/`--config` or `--socket` with its value
    /// (both consumed). False (nothing consumed) otherwise.
    bool read(OptionReader& args);

    /// The control socket to talk to, into `*path`. Returns 0, or after printing
    /// "stbfailover COMMAND: MESSAGE" to stderr the command's exit status: 2 when both `-c` and
    /// `--socket` were given (a usage error), 1 when the config does not load.
    int resolve(const char* command, std::string* path) const;

    /// The usage lines of the two options, for a command's usage text.
    static void print_usage(std::FILE* to);

  private:
    std::string config_path_;
    std::string socket_path_;
};

}  // namespace stbf::cli

#endif  // STBF_FIRMWARE_CLI_SOCKET_H
