#include "password_hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace stbf::daemon {
namespace {

constexpr uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

struct Sha256 {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint8_t block[64];
    size_t used = 0;
    uint64_t total = 0;

    void compress(const uint8_t* p) {
        uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = uint32_t(p[4 * i]) << 24 | uint32_t(p[4 * i + 1]) << 16 |
                   uint32_t(p[4 * i + 2]) << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; ++i) {
            const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int i = 0; i < 64; ++i) {
            const uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                                kK[i] + w[i];
            const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
    }
    void update(const void* data, size_t len) {
        const auto* p = static_cast<const uint8_t*>(data);
        total += len;
        while (len > 0) {
            const size_t n = len < 64 - used ? len : 64 - used;
            std::memcpy(block + used, p, n);
            used += n, p += n, len -= n;
            if (used == 64) {
                compress(block);
                used = 0;
            }
        }
    }
    void finish(uint8_t out[32]) {
        const uint64_t bits = total * 8;
        const uint8_t one = 0x80, zero = 0;
        update(&one, 1);
        while (used != 56) update(&zero, 1);
        uint8_t len[8];
        for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
        update(len, 8);
        for (int i = 0; i < 8; ++i)
            for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(h[i] >> (24 - 8 * j));
    }
};

std::string hex(const uint8_t* p, size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

bool unhex(const std::string& text, std::vector<uint8_t>* out) {
    if (text.size() % 2 != 0) return false;
    out->clear();
    for (size_t i = 0; i < text.size(); i += 2) {
        int v = 0;
        for (size_t k = i; k < i + 2; ++k) {
            const char c = text[k];
            const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) return false;
            v = v * 16 + d;
        }
        out->push_back(static_cast<uint8_t>(v));
    }
    return true;
}

struct Parsed {
    uint32_t iterations = 0;
    std::vector<uint8_t> salt, hash;
};

bool parse(const std::string& text, Parsed* out) {
    const std::string prefix = "pbkdf2-sha256$";
    if (text.compare(0, prefix.size(), prefix) != 0) return false;
    const size_t a = prefix.size(), b = text.find('$', a);
    const size_t c = b == std::string::npos ? b : text.find('$', b + 1);
    if (c == std::string::npos || b == a || b - a > 8) return false;
    uint64_t it = 0;
    for (size_t i = a; i < b; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        it = it * 10 + static_cast<uint64_t>(text[i] - '0');
    }
    if (it < 1 || it > 10000000) return false;
    out->iterations = static_cast<uint32_t>(it);
    return unhex(text.substr(b + 1, c - b - 1), &out->salt) && out->salt.size() >= 8 &&
           out->salt.size() <= 64 && unhex(text.substr(c + 1), &out->hash) && out->hash.size() == 32;
}

}  // namespace

void sha256(const void* data, size_t len, uint8_t out[32]) {
    Sha256 s;
    s.update(data, len);
    s.finish(out);
}

void hmac_sha256(const void* key, size_t key_len, const void* data, size_t len, uint8_t out[32]) {
    uint8_t k[64] = {};
    if (key_len > 64)
        sha256(key, key_len, k);
    else
        std::memcpy(k, key, key_len);
    uint8_t pad[64], inner[32];
    for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x36;
    Sha256 in;
    in.update(pad, 64);
    in.update(data, len);
    in.finish(inner);
    for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x5c;
    Sha256 outer;
    outer.update(pad, 64);
    outer.update(inner, 32);
    outer.finish(out);
}

void pbkdf2_sha256(const std::string& password, const uint8_t* salt, size_t salt_len,
                   uint32_t iterations, uint8_t out[32]) {
    std::vector<uint8_t> first(salt, salt + salt_len);
    for (uint8_t b : {0, 0, 0, 1}) first.push_back(b);  // block index 1
    uint8_t u[32];
    hmac_sha256(password.data(), password.size(), first.data(), first.size(), u);
    std::memcpy(out, u, 32);
    for (uint32_t i = 1; i < iterations; ++i) {
        hmac_sha256(password.data(), password.size(), u, 32, u);
        for (int j = 0; j < 32; ++j) out[j] ^= u[j];
    }
}

std::string random_hex(size_t n) {
    std::vector<uint8_t> bytes(n);
    const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "";
    const ssize_t got = ::read(fd, bytes.data(), n);
    ::close(fd);
    return got == static_cast<ssize_t>(n) ? hex(bytes.data(), n) : "";
}

std::string make_password_hash(const std::string& password, uint32_t iterations) {
    const std::string salt_hex = random_hex(16);
    std::vector<uint8_t> salt;
    if (salt_hex.empty() || !unhex(salt_hex, &salt)) return "";
    uint8_t dk[32];
    pbkdf2_sha256(password, salt.data(), salt.size(), iterations, dk);
    return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + salt_hex + "$" + hex(dk, 32);
}

bool valid_password_hash(const std::string& hash) {
    Parsed p;
    return parse(hash, &p);
}

bool check_password(const std::string& password, const std::string& hash) {
    Parsed p;
    if (!parse(hash, &p)) return false;
    uint8_t dk[32];
    pbkdf2_sha256(password, p.salt.data(), p.salt.size(), p.iterations, dk);
    uint8_t diff = 0;
    for (int i = 0; i < 32; ++i) diff |= static_cast<uint8_t>(dk[i] ^ p.hash[i]);
    return diff == 0;
}

}  // namespace stbf::daemon
