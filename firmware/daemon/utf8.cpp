#include "utf8.h"

#include <stdint.h>

namespace stbf::daemon {

const char* name_problem(const char* s, size_t len, size_t* at) {
    const auto* p = reinterpret_cast<const uint8_t*>(s);
    size_t i = 0;
    while (i < len) {
        const uint8_t b = p[i];
        if (b < 0x20 || b == 0x7f) {
            if (at != nullptr) *at = i;
            return "control character";
        }
        size_t n = 0;
        uint32_t cp = 0, min = 0;
        if (b < 0x80) {
            ++i;
            continue;
        } else if ((b & 0xe0) == 0xc0) {
            n = 1, cp = b & 0x1f, min = 0x80;
        } else if ((b & 0xf0) == 0xe0) {
            n = 2, cp = b & 0x0f, min = 0x800;
        } else if ((b & 0xf8) == 0xf0) {
            n = 3, cp = b & 0x07, min = 0x10000;
        } else {
            if (at != nullptr) *at = i;
            return "invalid UTF-8";
        }
        bool ok = i + n < len;
        for (size_t k = 1; ok && k <= n; ++k) {
            ok = (p[i + k] & 0xc0) == 0x80;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            if (at != nullptr) *at = i;
            return "invalid UTF-8";
        }
        i += n + 1;
    }
    return "";
}

}  // namespace stbf::daemon
