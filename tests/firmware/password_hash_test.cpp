// Password hashes: SHA-256, HMAC and PBKDF2 against published vectors, and the hash line.
#include "password_hash.h"

#include <gtest/gtest.h>

#include <string>

namespace stbf::daemon {
namespace {

std::string hex(const uint8_t* p, size_t n) {
    std::string s;
    char b[3];
    for (size_t i = 0; i < n; ++i) {
        std::snprintf(b, sizeof(b), "%02x", p[i]);
        s += b;
    }
    return s;
}

TEST(Sha256, FipsVectors) {
    uint8_t out[32];
    sha256("abc", 3, out);
    EXPECT_EQ(hex(out, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256("", 0, out);
    EXPECT_EQ(hex(out, 32), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256(two.data(), two.size(), out);
    EXPECT_EQ(hex(out, 32), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::string million(1000000, 'a');
    sha256(million.data(), million.size(), out);
    EXPECT_EQ(hex(out, 32), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(HmacSha256, Rfc4231Case2) {
    uint8_t out[32];
    const std::string data = "what do ya want for nothing?";
    hmac_sha256("Jefe", 4, data.data(), data.size(), out);
    EXPECT_EQ(hex(out, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Pbkdf2Sha256, KnownVectors) {
    uint8_t out[32];
    const uint8_t salt[] = {'s', 'a', 'l', 't'};
    pbkdf2_sha256("password", salt, 4, 1, out);
    EXPECT_EQ(hex(out, 32), "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    pbkdf2_sha256("password", salt, 4, 4096, out);
    EXPECT_EQ(hex(out, 32), "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
}

TEST(PasswordHash, MadeCheckedAndNeverContainsThePassword) {
    const std::string h = make_password_hash("Sup3rSecretPw", 100);
    ASSERT_FALSE(h.empty());
    EXPECT_EQ(h.compare(0, 18, "pbkdf2-sha256$100$"), 0) << h;
    EXPECT_EQ(h.find("Sup3rSecretPw"), std::string::npos);
    EXPECT_TRUE(valid_password_hash(h));
    EXPECT_TRUE(check_password("Sup3rSecretPw", h));
    EXPECT_FALSE(check_password("sup3rSecretPw", h));
    EXPECT_FALSE(check_password("", h));
    EXPECT_NE(make_password_hash("Sup3rSecretPw", 100), h) << "a new salt every time";
    for (const char* bad : {"", "sha256$1$00$00", "pbkdf2-sha256$0$0011223344556677$" ,
                            "pbkdf2-sha256$10$00112233$abcd", "pbkdf2-sha256$x$0011223344556677$00"})
        EXPECT_FALSE(valid_password_hash(bad)) << bad;
}

}  // namespace
}  // namespace stbf::daemon
