// libFuzzer entry for the oscam_server reader (body in fuzz_targets.cpp).
#include <stddef.h>
#include <stdint.h>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    stbf_fuzz::oscam_server(data, size);
    return 0;
}
