// Must NOT compile under the freestanding rules: proves the poisoned headers catch an OS
// include in core code (test freestanding.poison_rejects_os_header).
#include "stbf/engine.h"
#include <sys/socket.h>
int stbf_bad_core_file_marker;
