#include "sized_engine.h"

namespace stbf {

namespace {

// new[] returns memory aligned for any type up to the default new alignment.
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= kTableAlign,
              "heap memory is aligned for the tables");

std::unique_ptr<uint64_t[]> table_block(size_t bytes) {
    return std::unique_ptr<uint64_t[]>(
        new uint64_t[(bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t)]);
}

}  // namespace

std::unique_ptr<SizedEngine> make_sized_engine(const Capacity& capacity) {
    const size_t bytes = Engine::size_for(capacity);
    if (bytes == 0) return nullptr;
    auto sized = std::make_unique<SizedEngine>();
    sized->memory = table_block(bytes);
    if (sized->engine.attach(capacity, sized->memory.get(), bytes) != Status::Ok) return nullptr;
    return sized;
}

SizedRuntime::SizedRuntime(Engine& engine, const stbf_port* port) : Runtime(engine, port) {
    const size_t bytes = Runtime::size_for(engine.capacity());
    if (bytes == 0) return;
    memory_ = table_block(bytes);
    (void)attach(memory_.get(), bytes);
}

}  // namespace stbf
