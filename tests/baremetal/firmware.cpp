// firmware.cpp: a tiny bare-metal image that brings up the core (Engine + Runtime) on the stub
// port and runs its loop (tests/baremetal). Startup code included: vector table, .data copy,
// .bss clear, static constructors. Built with -ffreestanding and no libc beyond mem../str..
// (build_and_check.sh checks both the core's and the whole image's outside needs).
#include <stdint.h>

#include "stbf/engine.h"
#include "stbf/runtime.h"

extern "C" const stbf_port stbf_stub_port;

namespace {

stbf::EngineWith<4, 2, 8> engine;  // tables sized for this image, in .bss
stbf::Config config;
stbf::RuntimeWith<4, 2, 8> runtime(engine, &stbf_stub_port);  // tables for that engine, in .bss
volatile uint32_t steps_done = 0;                             // for a debugger: the loop runs

}  // namespace

extern "C" int main() {
    config.seed = 1;
    stbf::GroupConfig& g = config.groups[config.group_count++];
    g.name.assign("line");
    g.listen_port = 20000;
    stbf::ServerConfig& s = config.servers[config.server_count++];
    s.label.assign("A");
    s.host.assign("10.0.0.1");
    s.port = 12000;
    g.servers[g.server_count++] = 0;
    if (runtime.init(config, stbf_stub_port.now(nullptr)) != stbf::Status::Ok) return 1;
    for (;;) {
        if (runtime.step(1000000) != stbf::Status::Ok) return 2;
        steps_done = steps_done + 1;
    }
}

// ---- startup (Cortex-M) -------------------------------------------------------------------
extern "C" {
extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
extern void (*__init_array_start[])(), (*__init_array_end[])();

[[noreturn]] void reset_handler() {
    uint32_t* from = &__data_load;
    for (uint32_t* to = &__data_start; to < &__data_end;) *to++ = *from++;
    for (uint32_t* z = &__bss_start; z < &__bss_end;) *z++ = 0;
    for (auto* ctor = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
    main();
    for (;;) {
    }
}
[[noreturn]] void fault_handler() {
    for (;;) {
    }
}
// Static objects are never destroyed on a box that only powers off: no atexit table.
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void __cxa_pure_virtual() { fault_handler(); }

__attribute__((section(".vectors"), used)) const void* const vectors[] = {
    &__stack_top, reinterpret_cast<const void*>(reset_handler),
    reinterpret_cast<const void*>(fault_handler), reinterpret_cast<const void*>(fault_handler)};
}
