// Numeric host literals and ASCII character classes, shared by the config readers (which must
// accept exactly the addresses the runtime can connect to), the endpoint cache and the sim.
//
// Everything here is ASCII only: no locale, no <cctype> (its answers depend on the C locale and
// it is not freestanding). Freestanding: no heap, no OS headers.
#ifndef STBF_ADDRESS_H
#define STBF_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/port.h"

namespace stbf {

/// ASCII character classes for the text formats the core reads.
namespace ascii {

/// '0'..'9'.
constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
/// 'a'..'z' or 'A'..'Z'.
constexpr bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
/// A letter or a digit.
constexpr bool is_alnum(char c) {
    return is_digit(c) || is_alpha(c);
}
/// Value 0..15 of a hex digit (either case), or -1 if `c` is not one.
constexpr int hex_value(char c) {
    return is_digit(c)              ? c - '0'
           : (c >= 'a' && c <= 'f') ? c - 'a' + 10
           : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                    : -1;
}
/// 'A'..'Z' to lower case; every other byte unchanged.
constexpr char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace ascii

/// Parse the dotted quad s[0..len) ("192.0.2.1": exactly four decimal parts 0..255 of one to
/// three digits, nothing else) into out[0..4). Returns false (out untouched) otherwise.
bool parse_ipv4(const char* s, size_t len, uint8_t* out);

/// Parse the RFC 4291 text form s[0..len) ("2001:db8::1", "::", "::ffff:192.0.2.1": up to
/// eight hex groups of one to four digits, at most one "::", an optional dotted-quad tail; no
/// brackets, no zone) into out[0..16) in network order. Returns false (out untouched) otherwise.
bool parse_ipv6(const char* s, size_t len, uint8_t* out);

/// Parse a numeric IPv4 or IPv6 literal s[0..len) (as parse_ipv4 / parse_ipv6) into `*out`
/// with `port` (family 4 or 6). Returns false (out untouched) for anything else, e.g. a host
/// name, and for a null `s`.
bool parse_numeric_host(const char* s, size_t len, uint16_t port, stbf_addr* out);

/// The same for a NUL-terminated `host`.
bool parse_numeric_host(const char* host, uint16_t port, stbf_addr* out);

/// Writes `host` and `port` as one endpoint into out[0..cap): "192.0.2.1:20000", "box:20000",
/// and an IPv6 literal in brackets, "[::1]:20000" (a bare "::1:20000" cannot be split back).
/// An empty or null host is written as "127.0.0.1" (the listen-host default). Always
/// NUL-terminates when cap > 0; returns the length the full text needs (as snprintf does), so a
/// return >= cap means it was cut. The one place where endpoints are formatted for people.
size_t format_host_port(const char* host, uint16_t port, char* out, size_t cap);

/// True if `a` and `b` are the same family and address (4 bytes for IPv4, 16 for IPv6), any
/// port.
bool same_host(const stbf_addr& a, const stbf_addr& b);

/// True if `a` and `b` are the same family, address and port.
bool same_endpoint(const stbf_addr& a, const stbf_addr& b);

}  // namespace stbf

#endif  // STBF_ADDRESS_H
