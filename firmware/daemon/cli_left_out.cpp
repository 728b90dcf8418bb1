// Development commands that a size-optimised build leaves out of the binary (STBF_WITH_SIMULATE,
// STBF_WITH_DEMO OFF: the static drop-in flavour). Their names stay known, so whoever follows the
// README on a box gets a plain answer instead of "unknown command".
#include <cstdio>

#include "command.h"

namespace {

[[maybe_unused]] int cmd_left_out(int argc, char** argv) {
    (void)argc;
    std::fprintf(stderr,
                 "stbfailover: '%s' is not built into this binary; it is a development command, "
                 "left out of this build to keep it small (the host and dynamic glibc builds "
                 "have it)\n",
                 argv[0]);
    return 2;
}

}  // namespace

#if !STBF_WITH_SIMULATE
STBF_COMMAND(simulate, "(not built into this binary)", cmd_left_out);
#endif
#if !STBF_WITH_DEMO
STBF_COMMAND(demo, "(not built into this binary)", cmd_left_out);
#endif
