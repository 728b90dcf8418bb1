#include "stbf/greeting.h"

namespace stbf {

namespace {
// Checksum byte 12+i of a CCcam greeting whose first 12 bytes are b[0..12).
uint8_t cccam_checksum_byte(const uint8_t* b, size_t i) {
    return static_cast<uint8_t>((b[i] + b[4 + i] + b[8 + i]) & 0xff);
}
}  // namespace

bool cccam_greeting_valid(const uint8_t* b) {
    for (size_t i = 0; i < 4; ++i)
        if (b[12 + i] != cccam_checksum_byte(b, i)) return false;
    return true;
}

void make_cccam_greeting(const uint8_t* head, uint8_t* out) {
    if (head != out)
        for (size_t i = 0; i < 12; ++i) out[i] = head[i];
    for (size_t i = 0; i < 4; ++i) out[12 + i] = cccam_checksum_byte(out, i);
}

GreetingRule greeting_rule_for_protocol(Protocol protocol) {
    GreetingRule rule;
    switch (protocol) {
        case Protocol::Cccam:
            rule.kind = GreetingRule::Kind::Cccam;
            rule.length = kCccamGreetingLen;
            break;
        case Protocol::Newcamd:
        case Protocol::Newcamd524:
            rule.kind = GreetingRule::Kind::Length;
            rule.length = kNewcamdGreetingLen;
            break;
        case Protocol::Tcp:
        case Protocol::Cs378x:
        case Protocol::Camd35:
            break;  // the client speaks first: nothing to wait for
    }
    return rule;
}

GreetingRule greeting_rule_for_probe(const ServerConfig& server) {
    GreetingRule rule;
    switch (server.probe) {
        case ProbeKind::Tcp: break;
        case ProbeKind::Cccam: return greeting_rule_for_protocol(Protocol::Cccam);
        case ProbeKind::Newcamd: return greeting_rule_for_protocol(Protocol::Newcamd);
        case ProbeKind::Expect: {
            const uint8_t n = server.expect_prefix_len <= STBF_EXPECT_MAX
                                  ? server.expect_prefix_len
                                  : static_cast<uint8_t>(STBF_EXPECT_MAX);
            for (uint8_t i = 0; i < n; ++i) rule.prefix[i] = server.expect_prefix[i];
            rule.prefix_len = n;
            rule.length = server.expect_len > n ? server.expect_len : n;
            if (rule.length > 0) rule.kind = GreetingRule::Kind::Expect;
            break;
        }
    }
    return rule;
}

void GreetingCheck::reset(const GreetingRule& rule) {
    rule_ = rule;
    received_ = 0;
    verdict_ = (rule.kind == GreetingRule::Kind::None || rule.length == 0)
                   ? GreetingVerdict::Ok
                   : GreetingVerdict::NeedMore;
}

size_t GreetingCheck::wanted() const {
    if (verdict_ != GreetingVerdict::NeedMore) return 0;
    return static_cast<size_t>(rule_.length - received_);
}

GreetingVerdict GreetingCheck::feed(const uint8_t* data, size_t len, size_t* used) {
    size_t take = wanted();
    if (take > len) take = len;
    for (size_t i = 0; i < take; ++i) {
        const size_t at = received_ + i;
        if (rule_.kind == GreetingRule::Kind::Cccam && at < kCccamGreetingLen) {
            head_[at] = data[i];
        } else if (rule_.kind == GreetingRule::Kind::Expect && at < rule_.prefix_len &&
                   data[i] != rule_.prefix[at]) {
            // Consume the mismatching byte too: the connection is judged, the rest is moot.
            received_ = static_cast<uint16_t>(at + 1);
            verdict_ = GreetingVerdict::Bad;
            if (used != nullptr) *used = i + 1;
            return verdict_;
        }
    }
    received_ = static_cast<uint16_t>(received_ + take);
    if (used != nullptr) *used = take;
    if (verdict_ == GreetingVerdict::NeedMore && received_ == rule_.length) {
        const bool valid =
            rule_.kind != GreetingRule::Kind::Cccam || cccam_greeting_valid(head_);
        verdict_ = valid ? GreetingVerdict::Ok : GreetingVerdict::Bad;
    }
    return verdict_;
}

}  // namespace stbf
