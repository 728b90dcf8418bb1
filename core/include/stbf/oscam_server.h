// oscam.server reader: turns OSCam's network `[reader]` sections into servers, as far as OSCam
// itself would use them.
//
//   [reader]
//   label    = sat-provider-a
//   protocol = cccam            (see the protocol table in grouping.h)
//   device   = host,port        (IPv6 in brackets: [2001:db8::1],12000)
//   user     = alice
//   password = secret
//   key      = 0102030405060708091011121314   (newcamd: 28 hex digits, required)
//   group    = 1,2              (kept; warned about only when malformed)
//   enable   = 1                (0: the reader is noted and skipped, as OSCam skips it)
//   lb_weight = 100             (1..65535 -> weight)
//   fallback = 1                (-> backup server)
//
// `#` and `;` start a comment line. Keys are case-insensitive; protocol names are not (OSCam
// matches them case-sensitively). Other reader keys get a note; other sections are skipped
// with a note. A repeated key gets a warning (the last one counts, as in OSCam); an empty value
// (`key =`) means the default, as in OSCam.
//
// Tolerant like OSCam, which skips a reader it cannot use and runs the rest: nothing in a file
// is an error. A reader that cannot be relayed (placeholder or template device such as
// `hostname or ip` or `host,port`, empty device, no user, unknown protocol, bad newcamd key) is
// skipped with a warning at its line and column ("...; reader skipped"); readers of protocols
// stbfailover does not relay (camd35, card readers, ...) and disabled readers are skipped with
// a note and left as they are. Junk lines are skipped with a warning. Freestanding: no heap,
// fuzzable.
#ifndef STBF_OSCAM_SERVER_H
#define STBF_OSCAM_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/config_text.h"
#include "stbf/diagnostics.h"
#include "stbf/model.h"
#include "stbf/status.h"

namespace stbf {

/// Parse oscam.server text (need not be NUL-terminated). Every complete network reader is
/// appended to `out->servers` (label from `label`, else "host:port"; default probe of its
/// protocol; `source` = {file, line of `[reader]`}). Groups are not touched (grouping.h). If
/// `spans` is not null it must have STBF_MAX_SERVERS entries; spans[i] is filled for each
/// server i appended (block = the section, addr = host,port of `device`).
///
/// Returns Ok, or CapacityExceeded when the server table (STBF_MAX_SERVERS) filled up: the first
/// readers in file order are kept and each one left out gets a warning naming the limit.
/// Nothing is an error. If `counts` is not null it receives what was imported and skipped.
/// Diagnostics never contain a password or key.
Status parse_oscam_server(const char* text, size_t len, uint8_t file, Config* out,
                          Diagnostics* diags, SourceSpan* spans, ImportCounts* counts = nullptr);

}  // namespace stbf

#endif  // STBF_OSCAM_SERVER_H
