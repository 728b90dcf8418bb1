// Checks for names that end up in status JSON, metrics labels, logs and the web page.
//
// Group names, server labels and account users come from box owners' files (JSON, CCcam.cfg,
// oscam.server) that may be written in any editor and code page. A name with invalid UTF-8
// would pass `check` and then make the status JSON and /metrics unparsable for their readers,
// so the loader refuses it with FILE:LINE instead.
#ifndef STBF_FIRMWARE_UTF8_H
#define STBF_FIRMWARE_UTF8_H

#include <stddef.h>

namespace stbf::daemon {

/// Why s[0..len) is not a usable name: "" when it is well-formed UTF-8 (RFC 3629: no overlong
/// forms, no surrogates, nothing above U+10FFFF) without control characters (U+0000..U+001F,
/// U+007F); else a short phrase ("invalid UTF-8 at byte 3", "control character at byte 0").
const char* name_problem(const char* s, size_t len, size_t* at = nullptr);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_UTF8_H
