#include "sized_engine.h"

namespace stbf {

std::unique_ptr<SizedEngine> make_sized_engine(const Capacity& capacity) {
    const size_t bytes = Engine::size_for(capacity);
    if (bytes == 0) return nullptr;
    static_assert(alignof(uint64_t) >= Engine::kTableAlign || Engine::kTableAlign == 8,
                  "uint64_t words are aligned for the tables");
    auto sized = std::make_unique<SizedEngine>();
    sized->memory.reset(new uint64_t[(bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t)]);
    if (sized->engine.attach(capacity, sized->memory.get(), bytes) != Status::Ok) return nullptr;
    return sized;
}

}  // namespace stbf
