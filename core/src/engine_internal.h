// Private helpers shared by the engine's source files (engine*.cpp); not part of the API.
#ifndef STBF_ENGINE_INTERNAL_H
#define STBF_ENGINE_INTERNAL_H

#include "stbf/engine.h"

namespace stbf {
namespace engine_detail {

constexpr TimeUs kMs = 1000;
constexpr TimeUs kSec = 1000 * kMs;
/// Every enabled server gets its first check within this long after start (jittered), so a box
/// that just booted learns quickly which hosts answer, without all boxes probing in step.
constexpr TimeUs kFirstCheckSpread = 2 * kSec;
constexpr uint8_t kMaxBackoffExp = 20;

inline TimeUs min_time(TimeUs a, TimeUs b) { return a < b ? a : b; }

inline TimeUs add_saturating(TimeUs a, TimeUs b) { return (kNever - a < b) ? kNever : a + b; }

inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

inline uint64_t splitmix64(uint64_t* state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline void ewma_update(uint32_t* ewma, TimeUs sample_us, uint8_t shift) {
    uint32_t sample = sample_us > 0xffffffffull ? 0xffffffffu : static_cast<uint32_t>(sample_us);
    if (sample == 0) sample = 1;  // 0 means "not measured yet"
    if (*ewma == 0) {
        *ewma = sample;
        return;
    }
    int64_t diff = static_cast<int64_t>(sample) - static_cast<int64_t>(*ewma);
    int64_t next = static_cast<int64_t>(*ewma) + diff / (int64_t{1} << shift);
    *ewma = next < 1 ? 1u : static_cast<uint32_t>(next);
}

inline bool same_identity(const ServerConfig& a, const ServerConfig& b) {
    return a.port == b.port && a.protocol == b.protocol && a.host == b.host && a.user == b.user;
}

inline bool is_upstream_end(Reason r) { return r == Reason::UpstreamClosed || r == Reason::Reset; }

/// The box's own trouble (out of descriptors, a local bind failing, a full table): never held
/// against a server.
inline bool is_local(Reason r) { return r == Reason::LocalError || r == Reason::Capacity; }


inline Notice make_notice(NoticeKind kind, TimeUs when, GroupIndex group) {
    Notice n{};
    n.kind = kind;
    n.when = when;
    n.group = group;
    n.server = n.from = n.to = kNoServer;
    n.from_state = n.to_state = ServerState::Up;
    n.admin = AdminState::Enabled;
    n.reason = Reason::None;
    return n;
}

}  // namespace engine_detail
}  // namespace stbf

#endif  // STBF_ENGINE_INTERNAL_H
