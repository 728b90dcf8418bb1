// Greeting checks: CCcam checksum, newcamd length, expect prefix/length, incremental feeding.
#include "stbf/greeting.h"

#include <gtest/gtest.h>

namespace stbf {
namespace {

// A valid CCcam greeting built the way a server does: 12 pseudo-random bytes, then the
// checksum (make_cccam_greeting is itself checked against hand-computed greetings below).
void greeting_from_seed(uint8_t seed, uint8_t* out) {
    for (int i = 0; i < 12; ++i) out[i] = static_cast<uint8_t>(seed * 37 + i * 101 + 250);
    make_cccam_greeting(out, out);
}

// Hand-computed: bytes 1..12, then 1+5+9, 2+6+10, 3+7+11, 4+8+12.
constexpr uint8_t kHandGreeting[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 18, 21, 24};
// The sum wraps at 8 bits: 200 + 100 + 50 = 350 -> 94; 255 * 3 = 765 -> 253.
constexpr uint8_t kWrappingGreeting[16] = {200, 0, 0, 255, 100, 0, 0, 255,
                                           50,  0, 0, 255, 94,  0, 0, 253};

TEST(Greeting, MakeCccamGreetingMatchesHandComputedChecksums) {
    for (const uint8_t* want : {kHandGreeting, kWrappingGreeting}) {
        uint8_t out[16] = {};
        make_cccam_greeting(want, out);
        for (int i = 0; i < 16; ++i) EXPECT_EQ(out[i], want[i]) << i;
        // In place: the head is already in out, only the checksum is written.
        uint8_t in_place[16] = {};
        for (int i = 0; i < 12; ++i) in_place[i] = want[i];
        make_cccam_greeting(in_place, in_place);
        for (int i = 0; i < 16; ++i) EXPECT_EQ(in_place[i], want[i]) << i;
    }
}

TEST(Greeting, CccamChecksumAcceptsHandComputedGreetings) {
    EXPECT_TRUE(cccam_greeting_valid(kHandGreeting));
    EXPECT_TRUE(cccam_greeting_valid(kWrappingGreeting));
}

TEST(Greeting, CccamChecksumAcceptsEveryValidGreetingAndRejectsAnyFlippedByte) {
    for (int seed = 0; seed < 64; ++seed) {
        uint8_t g[16];
        greeting_from_seed(static_cast<uint8_t>(seed), g);
        EXPECT_TRUE(cccam_greeting_valid(g)) << seed;
        for (int at = 0; at < 16; ++at) {
            uint8_t bad[16];
            for (int i = 0; i < 16; ++i) bad[i] = g[i];
            bad[at] ^= 0x01;
            EXPECT_FALSE(cccam_greeting_valid(bad)) << "seed " << seed << " byte " << at;
        }
    }
}

TEST(Greeting, CccamFedOneByteAtATimeNeedsExactlySixteen) {
    uint8_t g[16];
    greeting_from_seed(7, g);
    GreetingCheck check(greeting_rule_for_protocol(Protocol::Cccam));
    for (int i = 0; i < 15; ++i) {
        EXPECT_EQ(check.wanted(), static_cast<size_t>(16 - i));
        size_t used = 0;
        EXPECT_EQ(check.feed(&g[i], 1, &used), GreetingVerdict::NeedMore);
        EXPECT_EQ(used, 1u);
    }
    EXPECT_EQ(check.feed(&g[15], 1, nullptr), GreetingVerdict::Ok);
    EXPECT_EQ(check.wanted(), 0u);
    EXPECT_EQ(check.received(), 16u);
}

TEST(Greeting, CccamLeavesBytesAfterTheGreetingToTheCaller) {
    uint8_t data[20];
    greeting_from_seed(3, data);
    data[16] = data[17] = data[18] = data[19] = 0xAA;
    GreetingCheck check(greeting_rule_for_protocol(Protocol::Cccam));
    size_t used = 0;
    EXPECT_EQ(check.feed(data, sizeof data, &used), GreetingVerdict::Ok);
    EXPECT_EQ(used, 16u);
    // Further bytes change nothing.
    EXPECT_EQ(check.feed(data + 16, 4, &used), GreetingVerdict::Ok);
    EXPECT_EQ(used, 0u);
}

TEST(Greeting, CccamWithWrongChecksumIsBad) {
    uint8_t g[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0};
    GreetingCheck check(greeting_rule_for_protocol(Protocol::Cccam));
    EXPECT_EQ(check.feed(g, 16, nullptr), GreetingVerdict::Bad);
    EXPECT_EQ(check.verdict(), GreetingVerdict::Bad);
}

TEST(Greeting, NewcamdNeedsFourteenBytesOfAnyContent) {
    uint8_t g[14] = {};
    GreetingCheck check(greeting_rule_for_protocol(Protocol::Newcamd524));
    EXPECT_EQ(check.feed(g, 13, nullptr), GreetingVerdict::NeedMore);
    EXPECT_EQ(check.wanted(), 1u);
    EXPECT_EQ(check.feed(g, 1, nullptr), GreetingVerdict::Ok);
}

TEST(Greeting, ProtocolsWhereTheClientSpeaksFirstNeedNoGreeting) {
    for (Protocol p : {Protocol::Tcp, Protocol::Cs378x, Protocol::Camd35}) {
        GreetingCheck check(greeting_rule_for_protocol(p));
        EXPECT_EQ(check.verdict(), GreetingVerdict::Ok);
        EXPECT_EQ(check.wanted(), 0u);
    }
}

TEST(Greeting, ProbeRuleFollowsProbeKindNotProtocol) {
    ServerConfig s;
    s.protocol = Protocol::Cccam;
    s.probe = ProbeKind::Tcp;
    EXPECT_EQ(greeting_rule_for_probe(s).kind, GreetingRule::Kind::None);
    s.probe = ProbeKind::Cccam;
    EXPECT_EQ(greeting_rule_for_probe(s).kind, GreetingRule::Kind::Cccam);
    s.probe = ProbeKind::Newcamd;
    EXPECT_EQ(greeting_rule_for_probe(s).length, kNewcamdGreetingLen);
}

TEST(Greeting, ExpectPrefixMismatchIsBadAtTheFirstWrongByte) {
    ServerConfig s;
    s.probe = ProbeKind::Expect;
    s.expect_prefix[0] = 'O';
    s.expect_prefix[1] = 'K';
    s.expect_prefix_len = 2;
    s.expect_len = 5;
    GreetingRule rule = greeting_rule_for_probe(s);
    EXPECT_EQ(rule.length, 5u);

    GreetingCheck good(rule);
    const uint8_t ok[] = {'O', 'K', 'x', 'y', 'z'};
    EXPECT_EQ(good.feed(ok, 4, nullptr), GreetingVerdict::NeedMore);
    EXPECT_EQ(good.feed(ok + 4, 1, nullptr), GreetingVerdict::Ok);

    GreetingCheck bad(rule);
    const uint8_t no[] = {'O', 'X', 'x', 'y', 'z'};
    size_t used = 0;
    EXPECT_EQ(bad.feed(no, 5, &used), GreetingVerdict::Bad);
    EXPECT_EQ(used, 2u);
}

TEST(Greeting, ExpectWithOnlyAPrefixWaitsForThePrefix) {
    ServerConfig s;
    s.probe = ProbeKind::Expect;
    s.expect_prefix[0] = 'H';
    s.expect_prefix_len = 1;
    GreetingCheck check(greeting_rule_for_probe(s));
    EXPECT_EQ(check.wanted(), 1u);
    const uint8_t h = 'H';
    EXPECT_EQ(check.feed(&h, 1, nullptr), GreetingVerdict::Ok);
}

TEST(Greeting, ExpectWithNothingToWaitForIsOkAtOnce) {
    ServerConfig s;
    s.probe = ProbeKind::Expect;
    GreetingCheck check(greeting_rule_for_probe(s));
    EXPECT_EQ(check.verdict(), GreetingVerdict::Ok);
}

}  // namespace
}  // namespace stbf
