// Password hashes for the web status page (`web_password` in the config, made with
// `stbfailover passwd`).
//
// The config file holds only a salted, iterated hash: PBKDF2-HMAC-SHA256 (RFC 8018) written as
// "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX". A box owner's config is often readable by other
// tools and backed up to USB sticks; the password itself (which owners reuse) is never stored
// and never printed. SHA-256 is a small in-tree implementation (FIPS 180-4), so the hash works
// the same in builds with and without TLS.
#ifndef STBF_FIRMWARE_PASSWORD_HASH_H
#define STBF_FIRMWARE_PASSWORD_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <string>

namespace stbf::daemon {

/// SHA-256 of data[0..len) into out[0..32).
void sha256(const void* data, size_t len, uint8_t out[32]);

/// HMAC-SHA256 (RFC 2104).
void hmac_sha256(const void* key, size_t key_len, const void* data, size_t len, uint8_t out[32]);

/// PBKDF2-HMAC-SHA256, one 32-byte block.
void pbkdf2_sha256(const std::string& password, const uint8_t* salt, size_t salt_len,
                   uint32_t iterations, uint8_t out[32]);

constexpr uint32_t kPasswordIterations = 20000;

/// A new hash line for `password` with 16 random bytes of salt (from /dev/urandom). "" when no
/// randomness could be read.
std::string make_password_hash(const std::string& password,
                               uint32_t iterations = kPasswordIterations);

/// True if `hash` has the form make_password_hash writes (iterations 1..10,000,000, salt 8..64
/// bytes, 32-byte hash).
bool valid_password_hash(const std::string& hash);

/// True if `password` matches `hash` (compared in constant time).
bool check_password(const std::string& password, const std::string& hash);

/// `n` random bytes as lower-case hex (2n characters) from /dev/urandom; "" on failure.
std::string random_hex(size_t n);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_PASSWORD_HASH_H
