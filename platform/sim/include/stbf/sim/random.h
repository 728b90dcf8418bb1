// Seeded deterministic random numbers for the simulation (SplitMix64): the same seed gives
// the same sequence on every machine and every run. Not for cryptography.
#ifndef STBF_SIM_RANDOM_H
#define STBF_SIM_RANDOM_H

#include <stddef.h>
#include <stdint.h>

namespace stbf::sim {

class Random {
  public:
    explicit Random(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

    void fill(uint8_t* out, size_t len) {
        for (size_t i = 0; i < len; i += 8) {
            uint64_t v = next();
            for (size_t j = i; j < len && j < i + 8; ++j, v >>= 8) out[j] = static_cast<uint8_t>(v);
        }
    }

  private:
    uint64_t state_;
};

}  // namespace stbf::sim

#endif  // STBF_SIM_RANDOM_H
