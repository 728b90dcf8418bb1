// oscam.server reader: turns OSCam's network `[reader]` sections into servers.
//
//   [reader]
//   label    = sat-provider-a
//   protocol = cccam            (cccam, newcamd/newcamd525, newcamd524, cs378x, camd35)
//   device   = host,port        (IPv6 in brackets: [2001:db8::1],12000)
//   user     = alice
//   password = secret
//   key      = 0102030405060708091011121314   (newcamd: 28 hex digits, required)
//   group    = 1,2              (numbers 1..64; checked, not used)
//   enable   = 1                (0 imports the server switched off)
//   lb_weight = 100             (1..65535 -> weight)
//   fallback = 1                (-> backup server)
//
// `#` and `;` start a comment line. Keys are case-insensitive. Other reader keys (caid, ident,
// cccversion, inactivitytimeout, ...) get a note; other sections and readers of local card
// protocols (internal, smartreader, pcsc, ...) or unsupported network protocols (radegast,
// gbox, ...) are skipped with a note. A repeated key gets a warning (the last one counts, as in
// OSCam); an empty value (`key =`) means the default, as in OSCam. Malformed lines and incomplete readers are errors at their line and column; the
// reader goes on, so one run reports every problem. Freestanding: no heap, fuzzable.
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
/// Returns Ok when this call added no error, ParseError when something is malformed (complete
/// readers are still appended), CapacityExceeded when the server table filled up. Diagnostics
/// never contain a password or key.
Status parse_oscam_server(const char* text, size_t len, uint8_t file, Config* out,
                          Diagnostics* diags, SourceSpan* spans);

}  // namespace stbf

#endif  // STBF_OSCAM_SERVER_H
