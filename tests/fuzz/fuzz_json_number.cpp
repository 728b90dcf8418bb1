// libFuzzer entry for the json_number target (body in fuzz_targets.cpp).
#include <stddef.h>
#include <stdint.h>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    stbf_fuzz::json_number(data, size);
    return 0;
}
