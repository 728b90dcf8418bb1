// Diagnostics: what the config readers found wrong (or merely skipped), with the place it was
// found. Fixed storage, no heap, so the freestanding parsers can report into it.
//
// A diagnostic never carries a password or key: `message` is a static string and `detail` is
// filled only with text that is not secret (a key name, a line kind, a JSON path).
#ifndef STBF_DIAGNOSTICS_H
#define STBF_DIAGNOSTICS_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/fixed_string.h"
#include "stbf/model.h"

#ifndef STBF_MAX_DIAGNOSTICS
/// Diagnostics kept per load; more are counted (dropped()) but not stored.
#define STBF_MAX_DIAGNOSTICS 128
#endif
#ifndef STBF_DIAG_DETAIL_MAX
/// Longest `detail` text of one diagnostic.
#define STBF_DIAG_DETAIL_MAX 95
#endif

namespace stbf {

enum class Severity : uint8_t {
    Note = 0,  ///< recognised and deliberately skipped (e.g. an F: line); nothing is wrong
    Warning,   ///< accepted, but probably not what the box owner meant
    Error,     ///< rejected: the config is not loaded
};

/// "note", "warning" or "error". Never null.
const char* severity_name(Severity s);

struct Diagnostic {
    SourceRef where;        ///< file index and 1-based line (0 = whole file)
    uint16_t column = 0;    ///< 1-based byte column, 0 = whole line
    Severity severity = Severity::Error;
    const char* message = "";  ///< static text, never null
    FixedString<STBF_DIAG_DETAIL_MAX> detail;  ///< optional non-secret context, may be empty
};

class Diagnostics {
public:
    /// Record one diagnostic. `detail` may be null; it is cut to STBF_DIAG_DETAIL_MAX bytes
    /// (callers pass only non-secret text). When the table is full, a diagnostic replaces the
    /// latest stored one of lower severity (so errors are never crowded out by notes) or is
    /// not stored; either way one is counted in dropped(). Severity counters count all. Stored
    /// order is then no longer line order: sort by place when printing. Never fails.
    void add(Severity severity, SourceRef where, uint32_t column, const char* message,
             const char* detail = nullptr, size_t detail_len = 0);

    size_t count() const { return count_; }
    const Diagnostic& at(size_t i) const { return items_[i]; }
    size_t errors() const { return errors_; }
    size_t warnings() const { return warnings_; }
    size_t notes() const { return notes_; }
    size_t dropped() const { return dropped_; }
    void clear();

private:
    Diagnostic items_[STBF_MAX_DIAGNOSTICS];
    size_t count_ = 0;
    size_t errors_ = 0;
    size_t warnings_ = 0;
    size_t notes_ = 0;
    size_t dropped_ = 0;
};

}  // namespace stbf

#endif  // STBF_DIAGNOSTICS_H
