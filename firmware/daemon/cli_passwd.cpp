// `stbfailover passwd`: makes the password hash for the web status page's `web_password`.
// The password is read from the terminal without echo (asked twice) or, when stdin is not a
// terminal, as its first line (for scripts and the Enigma2 plugin). Only the hash is printed.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli_options.h"
#include "command.h"
#include "password_hash.h"

namespace {

void usage(std::FILE* out) {
    std::fprintf(out,
                 "usage: stbfailover passwd\n"
                 "  Reads a password (from the terminal without echo, or the first line of\n"
                 "  stdin) and prints its salted hash (PBKDF2-SHA256) for the config:\n"
                 "    \"web_password\": \"pbkdf2-sha256$...\"\n"
                 "  The password itself is never stored or printed.\n");
}

bool read_line_noecho(const char* prompt, std::string* out) {
    std::fprintf(stderr, "%s", prompt);
    termios old{};
    const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    // stdio, not iostreams: the static (musl) binary has no C++ streams.
    out->clear();
    bool ok = false;
    for (int c; (c = std::fgetc(stdin)) != EOF;) {
        ok = true;
        if (c == '\n') break;
        out->push_back(static_cast<char>(c));
    }
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        std::fprintf(stderr, "\n");
    }
    if (!out->empty() && out->back() == '\r') out->pop_back();
    return ok;
}

int cmd_passwd(int argc, char** argv) {
    stbf::cli::OptionReader args("passwd", argc, argv, usage);
    while (args.next()) return args.unmatched();
    std::string password;
    const bool tty = ::isatty(STDIN_FILENO) != 0;
    if (!read_line_noecho(tty ? "web password: " : "", &password)) {
        std::fprintf(stderr, "stbfailover passwd: no password given\n");
        return 1;
    }
    if (tty) {
        std::string again;
        if (!read_line_noecho("again: ", &again) || again != password) {
            std::fprintf(stderr, "stbfailover passwd: the two passwords differ\n");
            return 1;
        }
    }
    if (password.size() < 6) {
        std::fprintf(stderr, "stbfailover passwd: use at least 6 characters\n");
        return 1;
    }
    const std::string hash = stbf::daemon::make_password_hash(password);
    if (hash.empty()) {
        std::fprintf(stderr, "stbfailover passwd: cannot read /dev/urandom for the salt\n");
        return 1;
    }
    std::printf("%s\n", hash.c_str());
    return 0;
}

}  // namespace

STBF_COMMAND(passwd, "make the web_password hash for the web status page", cmd_passwd);
