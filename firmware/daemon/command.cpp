#include "command.h"

#include <cstring>

namespace stbf::cli {
namespace {
// In name order, so --help lists them that way.
const Command* const kCommands[] = {
    &check_command,  &demo_command,  &discover_command, &import_command,
    &passwd_command, &probe_command, &restore_command,  &run_command,
    &server_command, &setup_command, &simulate_command, &status_command,
};
constexpr int kCommandCount = static_cast<int>(sizeof kCommands / sizeof kCommands[0]);
}  // namespace

const Command* const* commands(int* count) {
    *count = kCommandCount;
    return kCommands;
}

const Command* find_command(const char* name) {
    for (const Command* c : kCommands)
        if (std::strcmp(c->name, name) == 0) return c;
    return nullptr;
}

}  // namespace stbf::cli
