// Text helpers shared by the config readers (CCcam.cfg, oscam.server, the JSON loader): line
// splitting, tokens, numbers, host and port checks. Freestanding: no heap, no OS headers; all
// input is (pointer, length) and need not be NUL-terminated.
//
// Checks return nullptr when the text is fine, or a static message saying what is wrong (the
// message never quotes the text, so a caller can use these on secrets too).
#ifndef STBF_CONFIG_TEXT_H
#define STBF_CONFIG_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/model.h"

/// "NAME = VALUE" of a limit as a string literal, for messages that name the setting that raises
/// it (an image maintainer's build setting, -DSTBF_CORE_DEFINES="NAME=...").
#define STBF_STRINGIFY_(x) #x
#define STBF_STRINGIFY(x) STBF_STRINGIFY_(x)
#define STBF_LIMIT_TEXT(name) #name " = " STBF_STRINGIFY(name)

namespace stbf {

/// One line of a text file, without its line end ("\n", "\r\n" or a lone trailing "\r").
struct TextLine {
    const char* text = nullptr;
    size_t len = 0;
    size_t offset = 0;    ///< byte offset of the line's first byte in the whole text
    uint32_t number = 0;  ///< 1-based
};

/// Walks a text line by line. A UTF-8 byte order mark at the start is skipped.
class LineReader {
public:
    LineReader(const char* text, size_t len);
    /// Next line; false at the end of the text. A last line without "\n" is still a line.
    bool next(TextLine* out);

private:
    const char* text_;
    size_t len_;
    size_t pos_ = 0;
    uint32_t number_ = 0;
};

/// Where a server's text sits in its file, so `import --softcam-config` can rewrite just the
/// address and keep every other byte. Offsets are into the whole text.
struct SourceSpan {
    size_t block_begin = 0;  ///< start of the server's line (CCcam) or `[reader]` line (OSCam)
    size_t block_end = 0;    ///< end of that line / of the section (before the next section)
    size_t addr_begin = 0;   ///< first byte of the host (CCcam) or of the `device` value
    size_t addr_end = 0;     ///< one past the port
};

/// What a softcam reader did with one file, for `check`'s per-file summary.
struct ImportCounts {
    size_t imported = 0;  ///< servers appended
    size_t skipped = 0;   ///< readers / lines skipped with a warning (could not be relayed)
    size_t left = 0;      ///< readers / lines left alone by design (disabled, not relayed)
};

/// Length of a NUL-terminated string (freestanding core has no strlen).
size_t cstr_len(const char* s);

/// A whitespace-separated word inside a line; offsets are into the line.
struct Token {
    size_t begin = 0;
    size_t end = 0;
    size_t size() const { return end - begin; }
};

/// Space or tab (the only blanks in these formats; "\r" is already cut by LineReader).
bool is_blank(char c);

/// Skip blanks from *pos; then the next word (up to a blank) is *out. False if none is left.
bool next_token(const char* line, size_t len, size_t* pos, Token* out);

/// Index of the first non-blank byte at or after `from` (len if none).
size_t skip_blanks(const char* s, size_t len, size_t from);

/// Trim blanks on both ends of [*begin, *end) of `s`.
void trim_blanks(const char* s, size_t* begin, size_t* end);

/// Case-insensitive (ASCII) compare of s[0..len) with the NUL-terminated `lit`.
bool equals_nocase(const char* s, size_t len, const char* lit);

/// Decimal number without sign, at most `max`. Returns nullptr or an error message.
const char* parse_decimal(const char* s, size_t len, uint32_t max, uint32_t* out);

/// A TCP port, 1..65535. Returns nullptr or an error message.
const char* parse_port(const char* s, size_t len, uint16_t* out);

/// Exactly `count` bytes written as 2*count hex digits. Returns nullptr or an error message.
const char* parse_hex_bytes(const char* s, size_t len, uint8_t* out, size_t count);

/// Check a host: a DNS name (DynDNS style), an IPv4 address, or an IPv6 address in brackets
/// ("[2001:db8::1]"). With `brackets_optional` a bare IPv6 literal is accepted too (JSON, where
/// the host is a field of its own). On success *host/*host_len point at the host without
/// brackets. Returns nullptr or an error message.
const char* check_host(const char* s, size_t len, bool brackets_optional, const char** host,
                       size_t* host_len);

/// Set server->label to "host:port" ("[v6]:port" for IPv6), cut to the label's capacity.
void set_default_label(ServerConfig* server);

/// Copy at most `capacity` bytes of s into a FixedString-like `assign`; returns bytes copied.
template <typename Fixed>
size_t assign_cut(Fixed* to, const char* s, size_t len) {
    size_t n = len < Fixed::capacity() ? len : Fixed::capacity();
    for (size_t i = 0; i < n; ++i)
        if (s[i] == '\0') n = i;
    to->assign(s, n);
    return n;
}

}  // namespace stbf

#endif  // STBF_CONFIG_TEXT_H
