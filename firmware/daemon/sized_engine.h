// An engine whose tables are sized from a config's `capacity`, and a runtime whose tables are
// sized for that engine, each in one block taken from the heap at start-up (the daemon,
// `probe`). Core never allocates; this is where the hosted build gives it memory.
#ifndef STBF_SIZED_ENGINE_H
#define STBF_SIZED_ENGINE_H

#include <cstdint>
#include <memory>

#include "stbf/engine.h"
#include "stbf/runtime.h"

namespace stbf {

struct SizedEngine {
    std::unique_ptr<uint64_t[]> memory;  // Engine::size_for(capacity) bytes, 8-byte aligned
    Engine engine;
};

/// An engine with tables for `capacity` (not yet init()ed). Null when a capacity is out of
/// range (Engine::size_for is 0).
std::unique_ptr<SizedEngine> make_sized_engine(const Capacity& capacity);

/// A runtime with its tables (Runtime::size_for(engine.capacity()) bytes) on the heap. Keep it
/// by this type: Runtime has no virtual destructor. When the engine has no tables, nothing is
/// attached and init() refuses (InvalidArgument).
class SizedRuntime : public Runtime {
  public:
    SizedRuntime(Engine& engine, const stbf_port* port);

  private:
    std::unique_ptr<uint64_t[]> memory_;
};

}  // namespace stbf

#endif  // STBF_SIZED_ENGINE_H
