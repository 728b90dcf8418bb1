// Config diagnostics as people read them: "FILE:LINE:COL: severity: message (detail)", sorted
// by place, for `check`, `import`, `setup` and the daemon's log.
#ifndef STBF_FIRMWARE_CONFIG_DIAGNOSTICS_H
#define STBF_FIRMWARE_CONFIG_DIAGNOSTICS_H

#include <cstddef>
#include <cstdio>
#include <string>

#include "stbf/diagnostics.h"
#include "stbf/model.h"

namespace stbf::fw {

/// "FILE:LINE:COL: severity: message (detail)"; LINE and COL are left out when unknown. FILE
/// is config.files[d.where.file], "?" when the index is past config.file_count.
std::string format_diagnostic(const Config& config, const Diagnostic& d);

/// Print diagnostics sorted by file, line and column, one per line. Notes only if asked;
/// returns how many lines were printed.
size_t print_diagnostics(std::FILE* to, const Config& config, const Diagnostics& diags,
                         bool include_notes);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_CONFIG_DIAGNOSTICS_H
