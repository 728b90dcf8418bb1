// An engine whose tables are sized from a config's `capacity`, in one block taken from the
// heap at start-up (the daemon, `probe`, the demo scenario). Core never allocates; this is
// where the hosted build gives it memory.
#ifndef STBF_SIZED_ENGINE_H
#define STBF_SIZED_ENGINE_H

#include <cstdint>
#include <memory>

#include "stbf/engine.h"

namespace stbf {

struct SizedEngine {
    std::unique_ptr<uint64_t[]> memory;  // Engine::size_for(capacity) bytes, 8-byte aligned
    Engine engine;
};

/// An engine with tables for `capacity` (not yet init()ed). Null when a capacity is out of
/// range (Engine::size_for is 0).
std::unique_ptr<SizedEngine> make_sized_engine(const Capacity& capacity);

}  // namespace stbf

#endif  // STBF_SIZED_ENGINE_H
