// CCcam.cfg reader: turns the `C:` and `N:` lines a box owner already has into servers.
//
//   C: <host> <port> <user> <pass> [yes|no] [{ caid:ident(:hops), ... }]
//   N: <host> <port> <user> <pass> <14 key bytes> [hops] [stealth]
//
// The 14 key bytes of an N: line are 14 words of two hex digits, or one word of 28. Hosts are
// DNS names, IPv4 addresses or IPv6 addresses in brackets; ports are 1..65535. `#` starts a
// comment at the start of a line, or after the fields of a C:/N: line. Lines may end in CRLF;
// blanks are spaces or tabs in any number.
//
// Other line kinds (`F:`, `R:`, `L:`, `G:`) and global `KEY : value` settings (KEY in capitals,
// as CCcam writes them) are recognised and skipped with a note.
//
// Tolerant like CCcam itself, which ignores what it cannot use: nothing in a file is an error.
// A C:/N: line that cannot be relayed (placeholder host or port, missing fields, bad key) and
// any other text (banners, bare URLs, download notes, unknown `X:` kinds, lower-case `c:`) is
// skipped with a warning at its line and column ("...; line skipped"); the rest is imported.
// Values stbfailover never uses (the yes/no flag, the { } list, N: hops and stealth) are kept
// as written and warned about only when malformed (hops 256 is fine).
// Freestanding: no heap, fuzzable.
#ifndef STBF_CCCAM_CFG_H
#define STBF_CCCAM_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/config_text.h"
#include "stbf/diagnostics.h"
#include "stbf/model.h"
#include "stbf/status.h"

namespace stbf {

/// Parse CCcam.cfg text (need not be NUL-terminated). Every valid C:/N: line is appended to
/// `out->servers` (protocol Cccam or Newcamd, default probe, `source` = {file, line}, label
/// "host:port", `extra` = the verbatim yes/no + { } list or hops/stealth, cut to fit). Groups
/// are not touched (see grouping.h). If `spans` is not null it must have STBF_MAX_SERVERS
/// entries; spans[i] is filled for each server i appended.
///
/// Returns Ok, or CapacityExceeded when the server table (STBF_MAX_SERVERS) filled up: the first
/// lines in file order are kept and each one left out gets a warning naming the limit. If
/// `counts` is not null it receives what was imported and skipped. Diagnostics go to `diags`;
/// they never contain a user name's password or a key.
Status parse_cccam_cfg(const char* text, size_t len, uint8_t file, Config* out,
                       Diagnostics* diags, SourceSpan* spans, ImportCounts* counts = nullptr);

}  // namespace stbf

#endif  // STBF_CCCAM_CFG_H
