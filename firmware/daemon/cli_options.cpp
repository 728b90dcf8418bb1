#include "cli_options.h"

#include <cstring>

namespace stbf::cli {
namespace {

bool is(const char* arg, const char* name) {
    return name != nullptr && std::strcmp(arg, name) == 0;
}

}  // namespace

OptionReader::OptionReader(const char* command, int argc, char** argv, UsageFn usage)
    : command_(command), argc_(argc), argv_(argv), usage_(usage) {}

bool OptionReader::next() {
    if (index_ >= argc_) return false;
    return ++index_ < argc_;
}

const char* OptionReader::current() const {
    return index_ > 0 && index_ < argc_ ? argv_[index_] : "";
}

bool OptionReader::flag(const char* short_name, const char* long_name) {
    return is(current(), short_name) || is(current(), long_name);
}

bool OptionReader::value(const char* short_name, const char* long_name, const char** value) {
    if (!flag(short_name, long_name) || index_ + 1 >= argc_) return false;
    *value = argv_[++index_];
    return true;
}

int OptionReader::unmatched() const {
    if (is(current(), "-h") || is(current(), "--help")) {
        usage_(stdout);
        return 0;
    }
    std::fprintf(stderr, "stbfailover %s: unexpected argument '%s'\n", command_, current());
    usage_(stderr);
    return 2;
}

int OptionReader::usage_error(const char* message) const {
    std::fprintf(stderr, "stbfailover %s: %s\n", command_, message);
    usage_(stderr);
    return 2;
}

}  // namespace stbf::cli
