// Greeting checks: does what an upstream sent right after accept look like its protocol?
//
// A CCcam server greets with 16 bytes whose last four are a checksum of the first twelve; a
// newcamd server greets with 14 bytes; an `expect` check waits for a prefix and/or a byte count.
// A hung server process still gets its TCP connects accepted by the kernel but never greets, so
// judging the greeting (with the engine's timeout) is what tells "up" from "hung".
//
// Pure and freestanding: bytes in, verdict out. The check is incremental because bytes arrive
// in arbitrary pieces; `wanted()` tells the caller how many more bytes to read, so it never
// consumes bytes that belong to the relayed stream after the greeting.
#ifndef STBF_GREETING_H
#define STBF_GREETING_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/limits.h"
#include "stbf/model.h"

namespace stbf {

/// Length of a CCcam server greeting.
constexpr size_t kCccamGreetingLen = 16;
/// Length of a newcamd server greeting (14 random bytes used as the DES key spice).
constexpr size_t kNewcamdGreetingLen = 14;

/// True if `b` (16 bytes) is a valid CCcam greeting: b[12+i] == (b[i]+b[4+i]+b[8+i]) & 0xff for
/// i = 0..3.
bool cccam_greeting_valid(const uint8_t* b);

/// Build a valid CCcam greeting in out[0..16): the 12 bytes of `head` (a server sends random
/// ones; the core has no randomness, so the caller brings them) followed by the four checksum
/// bytes cccam_greeting_valid() verifies. `head` may be `out` itself (fill out[0..12), then
/// complete it in place). For stand-in servers in the sim, demos and tests: the relay itself
/// never builds a greeting, it only judges the upstream's.
void make_cccam_greeting(const uint8_t* head, uint8_t* out);

/// What bytes count as a good greeting. Copyable; holds its own copy of an expect prefix.
struct GreetingRule {
    enum class Kind : uint8_t {
        None = 0,  ///< no greeting: ready as soon as TCP connects
        Cccam,     ///< 16 bytes, checksum verified
        Length,    ///< exactly `length` bytes, any content (newcamd)
        Expect,    ///< first `prefix_len` bytes equal `prefix`; `length` bytes in total
    };
    Kind kind = Kind::None;
    uint16_t length = 0;  ///< total bytes to wait for (Cccam: 16)
    uint8_t prefix[STBF_EXPECT_MAX] = {};
    uint8_t prefix_len = 0;
};

/// Rule for relaying a client connection: judged by the wire protocol, never by the probe
/// settings (a relayed connection must not send probe bytes up). Cccam -> 16-byte checksum,
/// Newcamd/Newcamd524 -> 14 bytes, anything else -> no greeting.
GreetingRule greeting_rule_for_protocol(Protocol protocol);

/// Rule for a health check of `server` by its ProbeKind: Tcp -> none, Cccam -> 16-byte
/// checksum, Newcamd -> 14 bytes, Expect -> expect_prefix and max(expect_len, prefix length)
/// bytes (none if both are 0). The bytes an Expect probe sends first are in server.expect_send.
GreetingRule greeting_rule_for_probe(const ServerConfig& server);

/// Outcome of a greeting check so far.
enum class GreetingVerdict : uint8_t {
    NeedMore = 0,  ///< consistent so far; read `wanted()` more bytes
    Ok,            ///< complete and valid
    Bad,           ///< the bytes cannot be this protocol's greeting (stays Bad)
};

/// Incremental checker for one connection.
class GreetingCheck {
public:
    GreetingCheck() = default;
    explicit GreetingCheck(const GreetingRule& rule) { reset(rule); }

    /// Start over with `rule`. A rule that needs no bytes is Ok at once.
    void reset(const GreetingRule& rule);

    /// Feed `len` received bytes. Consumes at most `wanted()` of them and stores how many in
    /// `*used` (may be null); bytes past the greeting are left to the caller. Once Ok or Bad the
    /// verdict no longer changes and nothing more is consumed.
    GreetingVerdict feed(const uint8_t* data, size_t len, size_t* used);

    /// Bytes still needed before a verdict; 0 once Ok or Bad.
    size_t wanted() const;
    GreetingVerdict verdict() const { return verdict_; }
    /// Bytes consumed so far.
    size_t received() const { return received_; }

private:
    GreetingRule rule_;
    uint8_t head_[kCccamGreetingLen] = {};  // CCcam: the bytes the checksum covers
    uint16_t received_ = 0;
    GreetingVerdict verdict_ = GreetingVerdict::Ok;
};

}  // namespace stbf

#endif  // STBF_GREETING_H
