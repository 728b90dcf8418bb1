#include "stbf/address.h"

namespace stbf {

bool parse_ipv4(const char* s, size_t len, uint8_t* out) {
    uint8_t parts[4];
    size_t at = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (at >= len || s[at] != '.') return false;
            ++at;
        }
        unsigned value = 0;
        int digits = 0;
        // Read one digit past three so "0001" is refused rather than split.
        while (at < len && ascii::is_digit(s[at]) && digits < 4) {
            value = value * 10 + static_cast<unsigned>(s[at] - '0');
            ++at;
            ++digits;
        }
        if (digits == 0 || digits > 3 || value > 255) return false;
        parts[part] = static_cast<uint8_t>(value);
    }
    if (at != len) return false;
    for (int i = 0; i < 4; ++i) out[i] = parts[i];
    return true;
}

bool parse_ipv6(const char* s, size_t len, uint8_t* out) {
    uint16_t groups[8] = {};
    int count = 0;
    int gap = -1;  // index in groups where "::" stands
    const char* p = s;
    const char* const end = s + len;
    if (p < end && p[0] == ':') {
        if (p + 1 >= end || p[1] != ':') return false;
        gap = 0;
        p += 2;
    }
    while (p < end) {
        if (count == 8) return false;
        const char* q = p;
        unsigned value = 0;
        int digits = 0;
        // Read one digit past four so "12345" is refused rather than split.
        while (q < end && ascii::hex_value(*q) >= 0 && digits < 5) {
            value = value * 16 + static_cast<unsigned>(ascii::hex_value(*q));
            ++q;
            ++digits;
        }
        if (q < end && *q == '.') {  // embedded IPv4 takes the last two groups
            uint8_t v4[4];
            if (count > 6 || !parse_ipv4(p, static_cast<size_t>(end - p), v4)) return false;
            groups[count++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
            groups[count++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
            break;
        }
        if (digits == 0 || digits > 4) return false;
        groups[count++] = static_cast<uint16_t>(value);
        p = q;
        if (p == end) break;
        if (*p != ':') return false;
        ++p;
        if (p < end && *p == ':') {
            if (gap >= 0) return false;
            gap = count;
            ++p;
        } else if (p == end) {
            return false;  // a single trailing colon
        }
    }
    if (gap < 0 ? count != 8 : count > 7) return false;
    uint16_t full[8] = {};
    if (gap < 0) {
        for (int i = 0; i < 8; ++i) full[i] = groups[i];
    } else {
        const int tail = count - gap;
        for (int i = 0; i < gap; ++i) full[i] = groups[i];
        for (int i = 0; i < tail; ++i) full[8 - tail + i] = groups[gap + i];
    }
    for (int i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<uint8_t>(full[i] >> 8);
        out[2 * i + 1] = static_cast<uint8_t>(full[i] & 0xff);
    }
    return true;
}

bool parse_numeric_host(const char* s, size_t len, uint16_t port, stbf_addr* out) {
    if (s == nullptr) return false;
    stbf_addr a = {};
    a.port = port;
    if (parse_ipv4(s, len, a.addr)) {
        a.family = 4;
    } else if (parse_ipv6(s, len, a.addr)) {
        a.family = 6;
    } else {
        return false;
    }
    *out = a;
    return true;
}

bool parse_numeric_host(const char* host, uint16_t port, stbf_addr* out) {
    if (host == nullptr) return false;
    size_t len = 0;
    while (host[len] != '\0') ++len;
    return parse_numeric_host(host, len, port, out);
}

bool same_host(const stbf_addr& a, const stbf_addr& b) {
    if (a.family != b.family) return false;
    const int n = a.family == 4 ? 4 : 16;
    for (int i = 0; i < n; ++i)
        if (a.addr[i] != b.addr[i]) return false;
    return true;
}

bool same_endpoint(const stbf_addr& a, const stbf_addr& b) {
    return a.port == b.port && same_host(a, b);
}

size_t format_host_port(const char* host, uint16_t port, char* out, size_t cap) {
    if (host == nullptr || host[0] == '\0') host = "127.0.0.1";
    bool v6 = false;
    for (const char* c = host; *c != '\0'; ++c) v6 = v6 || *c == ':';
    size_t n = 0;
    auto put = [&](char c) {
        if (n + 1 < cap) out[n] = c;
        ++n;
    };
    if (v6) put('[');
    for (const char* c = host; *c != '\0'; ++c) put(*c);
    if (v6) put(']');
    put(':');
    char digits[5];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + port % 10);
        port = static_cast<uint16_t>(port / 10);
    } while (port != 0);
    while (count > 0) put(digits[--count]);
    if (cap > 0) out[n < cap ? n : cap - 1] = '\0';
    return n;
}

}  // namespace stbf
