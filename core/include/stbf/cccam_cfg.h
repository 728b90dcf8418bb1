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
// as CCcam writes them) are recognised and skipped with a note. An unknown upper-case kind
// (`X:`) is skipped with a warning. Any other malformed line is an error at its line and
// column; the reader goes on with the next line, so one run reports every problem.
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
/// Returns Ok when this call added no error, ParseError when some line is malformed (the valid
/// lines are still appended), CapacityExceeded when the server table filled up (each line that
/// did not fit is an error). Diagnostics go to `diags`; they never contain a user name's
/// password or a key.
Status parse_cccam_cfg(const char* text, size_t len, uint8_t file, Config* out,
                       Diagnostics* diags, SourceSpan* spans);

}  // namespace stbf

#endif  // STBF_CCCAM_CFG_H
