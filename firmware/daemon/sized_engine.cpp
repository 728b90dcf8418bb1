#include "sized_engine.h"

namespace stbf {

std::unique_ptr<SizedEngine> make_sized_engine(const Capacity& capacity) {
    const size_t bytes = Engine::size_for(capacity);
    if (bytes == 0) return nullptr;
    // new[] returns memory aligned for any type up to the default new alignment.
    static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= Engine::kTableAlign,
                  "heap memory is aligned for the tables");
    auto sized = std::make_unique<SizedEngine>();
    sized->memory.reset(new uint64_t[(bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t)]);
    if (sized->engine.attach(capacity, sized->memory.get(), bytes) != Status::Ok) return nullptr;
    return sized;
}

}  // namespace stbf
