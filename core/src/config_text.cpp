#include "stbf/config_text.h"

#include "stbf/address.h"

namespace stbf {

LineReader::LineReader(const char* text, size_t len) : text_(text), len_(len) {
    if (len_ >= 3 && static_cast<uint8_t>(text_[0]) == 0xef &&
        static_cast<uint8_t>(text_[1]) == 0xbb && static_cast<uint8_t>(text_[2]) == 0xbf)
        pos_ = 3;
}

bool LineReader::next(TextLine* out) {
    if (pos_ >= len_) return false;
    size_t start = pos_;
    size_t end = start;
    while (end < len_ && text_[end] != '\n') ++end;
    pos_ = end < len_ ? end + 1 : end;
    if (end > start && text_[end - 1] == '\r') --end;
    out->text = text_ + start;
    out->len = end - start;
    out->offset = start;
    out->number = ++number_;
    return true;
}

size_t cstr_len(const char* s) {
    size_t n = 0;
    while (s != nullptr && s[n] != '\0') ++n;
    return n;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

size_t skip_blanks(const char* s, size_t len, size_t from) {
    while (from < len && is_blank(s[from])) ++from;
    return from;
}

bool next_token(const char* line, size_t len, size_t* pos, Token* out) {
    size_t p = skip_blanks(line, len, *pos);
    if (p >= len) {
        *pos = len;
        return false;
    }
    size_t e = p;
    while (e < len && !is_blank(line[e])) ++e;
    out->begin = p;
    out->end = e;
    *pos = e;
    return true;
}

void trim_blanks(const char* s, size_t* begin, size_t* end) {
    while (*begin < *end && is_blank(s[*begin])) ++*begin;
    while (*end > *begin && is_blank(s[*end - 1])) --*end;
}

namespace {
// Numeric addresses are checked by the shared parser (address.h), the one the endpoint cache
// uses, so that what the config accepts is exactly what the runtime can connect to.
bool numeric_host_is(const char* s, size_t len, uint8_t family) {
    stbf_addr addr{};
    return parse_numeric_host(s, len, 1, &addr) && addr.family == family;
}

const char* check_ipv4(const char* s, size_t len) {
    return numeric_host_is(s, len, 4) ? nullptr
                                      : "IPv4 address must be four numbers 0..255 joined by '.'";
}

const char* check_ipv6(const char* s, size_t len) {
    return numeric_host_is(s, len, 6) ? nullptr : "not a valid IPv6 address";
}

const char* check_dns_name(const char* s, size_t len) {
    if (len > 253) return "host name is longer than 253 bytes";
    size_t label = 0;
    for (size_t i = 0; i < len; ++i) {
        char c = s[i];
        if (c == '.') {
            if (label == 0) return "host name has an empty label ('..' or a leading '.')";
            if (s[i - 1] == '-') return "host name label ends with '-'";
            label = 0;
            continue;
        }
        if (!ascii::is_alnum(c) && c != '-' && c != '_')
            return "host name has a character other than letters, digits, '-', '_' and '.'";
        if (c == '-' && label == 0) return "host name label starts with '-'";
        if (++label > 63) return "host name label is longer than 63 bytes";
    }
    if (len > 0 && s[len - 1] == '-') return "host name label ends with '-'";
    return nullptr;
}
}  // namespace

bool equals_nocase(const char* s, size_t len, const char* lit) {
    size_t i = 0;
    for (; i < len; ++i) {
        if (lit[i] == '\0' || ascii::to_lower(s[i]) != ascii::to_lower(lit[i])) return false;
    }
    return lit[i] == '\0';
}

const char* parse_decimal(const char* s, size_t len, uint32_t max, uint32_t* out) {
    if (len == 0) return "number is missing";
    uint64_t v = 0;
    for (size_t i = 0; i < len; ++i) {
        if (!ascii::is_digit(s[i])) return "not a decimal number";
        v = v * 10 + static_cast<uint64_t>(s[i] - '0');
        if (v > max) return "number is out of range";
    }
    *out = static_cast<uint32_t>(v);
    return nullptr;
}

const char* parse_port(const char* s, size_t len, uint16_t* out) {
    uint32_t v = 0;
    const char* err = parse_decimal(s, len, 65535, &v);
    if (err != nullptr || v == 0) return "port must be a number 1..65535";
    *out = static_cast<uint16_t>(v);
    return nullptr;
}

const char* parse_hex_bytes(const char* s, size_t len, uint8_t* out, size_t count) {
    if (len != 2 * count) return "wrong number of hex digits";
    for (size_t i = 0; i < count; ++i) {
        int hi = ascii::hex_value(s[2 * i]);
        int lo = ascii::hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return "not a hex digit";
        out[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return nullptr;
}

const char* check_host(const char* s, size_t len, bool brackets_optional, const char** host,
                       size_t* host_len) {
    if (len == 0) return "host is empty";
    if (s[0] == '[') {
        if (len < 2 || s[len - 1] != ']') return "'[' of an IPv6 address is not closed by ']'";
        const char* err = check_ipv6(s + 1, len - 2);
        if (err != nullptr) return err;
        *host = s + 1;
        *host_len = len - 2;
        return nullptr;
    }
    bool has_colon = false;
    bool numeric = true;
    for (size_t i = 0; i < len; ++i) {
        if (s[i] == ':') has_colon = true;
        if (!ascii::is_digit(s[i]) && s[i] != '.') numeric = false;
    }
    const char* err = nullptr;
    if (has_colon) {
        if (!brackets_optional)
            return "IPv6 address must be written in brackets, e.g. [2001:db8::1]";
        err = check_ipv6(s, len);
    } else if (numeric) {
        err = check_ipv4(s, len);
    } else {
        err = check_dns_name(s, len);
    }
    if (err != nullptr) return err;
    *host = s;
    *host_len = len;
    return nullptr;
}

void set_default_label(ServerConfig* server) {
    char buf[STBF_HOST_MAX + 10];
    size_t n = 0;
    const char* h = server->host.c_str();
    bool v6 = false;
    for (size_t i = 0; i < server->host.size(); ++i)
        if (h[i] == ':') v6 = true;
    if (v6) buf[n++] = '[';
    for (size_t i = 0; i < server->host.size(); ++i) buf[n++] = h[i];
    if (v6) buf[n++] = ']';
    buf[n++] = ':';
    char digits[5];
    size_t d = 0;
    uint32_t p = server->port;
    do {
        digits[d++] = static_cast<char>('0' + p % 10);
        p /= 10;
    } while (p != 0 && d < sizeof digits);
    while (d > 0) buf[n++] = digits[--d];
    assign_cut(&server->label, buf, n);
}

}  // namespace stbf
