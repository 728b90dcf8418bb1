#include "command.h"

#include <cstring>

namespace stbf::cli {
namespace {
constexpr int kMaxCommands = 32;
// Function-local static: safe to use from other translation units' static initialisers.
struct Registry {
    Command items[kMaxCommands];
    int count = 0;
};
Registry& registry() {
    static Registry r;
    return r;
}
}  // namespace

bool register_command(const Command& c) {
    Registry& r = registry();
    if (r.count >= kMaxCommands) return false;
    // keep name order so --help is stable whatever the link order was
    int at = r.count;
    while (at > 0 && std::strcmp(r.items[at - 1].name, c.name) > 0) {
        r.items[at] = r.items[at - 1];
        --at;
    }
    r.items[at] = c;
    ++r.count;
    return true;
}

const Command* commands(int* count) {
    *count = registry().count;
    return registry().items;
}

const Command* find_command(const char* name) {
    int n = 0;
    const Command* all = commands(&n);
    for (int i = 0; i < n; ++i)
        if (std::strcmp(all[i].name, name) == 0) return &all[i];
    return nullptr;
}

}  // namespace stbf::cli
