// TLS options of a config as text: SHA-256 pins (one parser for the config loader and the TLS
// handshake, so a pin the loader accepts is the pin that is checked) and the phrase `check`
// shows for a server's TLS settings.
#ifndef STBF_FIRMWARE_CONFIG_TLS_H
#define STBF_FIRMWARE_CONFIG_TLS_H

#include <cstdint>
#include <string>

#include "stbf/model.h"

namespace stbf::fw {

/// Parses a SHA-256 pin written as 64 hex digits (colons allowed between byte pairs) or as
/// 44-character base64 (as `openssl ... | base64` prints it). False when malformed.
bool parse_pin_sha256(const std::string& text, uint8_t out[32]);
/// 64 lower-case hex digits.
std::string pin_hex(const uint8_t pin[32]);
/// One phrase for `check` and logs: "" when TLS is off, else e.g. "tls (sni x, ca /a.pem,
/// pin 1a2b3c4d..)" or "tls VERIFY OFF". The pin is shortened; nothing secret is in it.
std::string server_tls_text(const ServerTls& tls);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_CONFIG_TLS_H
