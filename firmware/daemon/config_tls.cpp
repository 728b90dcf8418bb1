// Pins and TLS phrases (see config_tls.h).
#include "config_tls.h"

#include <cstring>

namespace stbf::fw {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int base64_digit(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

bool parse_pin_sha256(const std::string& text, uint8_t out[32]) {
    // Hex: 64 digits, optionally with ':' between byte pairs.
    std::string hex;
    for (char c : text) {
        if (c == ':') continue;
        if (hex_digit(c) < 0) {
            hex.clear();
            break;
        }
        hex.push_back(c);
    }
    if (hex.size() == 64) {
        for (size_t i = 0; i < 32; ++i)
            out[i] = static_cast<uint8_t>(hex_digit(hex[2 * i]) * 16 + hex_digit(hex[2 * i + 1]));
        return true;
    }
    // Base64 of 32 bytes: 43 digits and one '='.
    if (text.size() != 44 || text[43] != '=') return false;
    uint8_t bytes[33] = {};
    uint32_t acc = 0;
    size_t bits = 0, n = 0;
    for (size_t i = 0; i < 43; ++i) {
        const int d = base64_digit(text[i]);
        if (d < 0) return false;
        acc = (acc << 6) | static_cast<uint32_t>(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[n++] = static_cast<uint8_t>(acc >> bits);
        }
    }
    if (n != 32 || (acc & ((1u << bits) - 1)) != 0) return false;  // canonical padding bits
    std::memcpy(out, bytes, 32);
    return true;
}

std::string pin_hex(const uint8_t pin[32]) {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < 32; ++i) {
        out.push_back(kDigits[pin[i] >> 4]);
        out.push_back(kDigits[pin[i] & 15]);
    }
    return out;
}

std::string server_tls_text(const ServerTls& tls) {
    if (!tls.enabled) return "";
    if (!tls.verify) return "tls VERIFY OFF";
    std::string parts;
    auto add = [&](const std::string& p) { parts += (parts.empty() ? "" : ", ") + p; };
    if (!tls.sni.empty()) add(std::string("sni ") + tls.sni.c_str());
    if (!tls.ca_file.empty()) add(std::string("ca ") + tls.ca_file.c_str());
    if (tls.has_pin) add("pin " + pin_hex(tls.pin_sha256).substr(0, 8) + "..");
    if (tls.ca_file.empty() && !tls.has_pin) add("system CAs");
    return "tls (" + parts + ")";
}

}  // namespace stbf::fw
