#include "stbf/diagnostics.h"

namespace stbf {

const char* severity_name(Severity s) {
    switch (s) {
        case Severity::Note: return "note";
        case Severity::Warning: return "warning";
        case Severity::Error: return "error";
    }
    return "error";
}

void Diagnostics::add(Severity severity, SourceRef where, uint32_t column, const char* message,
                      const char* detail, size_t detail_len) {
    switch (severity) {
        case Severity::Note: ++notes_; break;
        case Severity::Warning: ++warnings_; break;
        case Severity::Error: ++errors_; break;
    }
    size_t slot = count_;
    if (count_ >= STBF_MAX_DIAGNOSTICS) {
        // Full: a problem must never be hidden behind notes. Overwrite the latest stored entry
        // that is less severe than this one, if any; otherwise drop this one.
        ++dropped_;
        slot = STBF_MAX_DIAGNOSTICS;
        for (size_t i = STBF_MAX_DIAGNOSTICS; i > 0 && slot == STBF_MAX_DIAGNOSTICS; --i)
            if (items_[i - 1].severity < severity) slot = i - 1;
        if (slot == STBF_MAX_DIAGNOSTICS) return;
    } else {
        ++count_;
    }
    Diagnostic& d = items_[slot];
    d.where = where;
    d.column = column > 0xffff ? 0xffff : static_cast<uint16_t>(column);
    d.severity = severity;
    d.message = message != nullptr ? message : "";
    d.detail.clear();
    if (detail != nullptr) {
        size_t n = detail_len < STBF_DIAG_DETAIL_MAX ? detail_len : STBF_DIAG_DETAIL_MAX;
        // a NUL inside the detail would make assign() refuse it; cut at the first one instead
        for (size_t i = 0; i < n; ++i)
            if (detail[i] == '\0') n = i;
        d.detail.assign(detail, n);
    }
}

void Diagnostics::clear() {
    count_ = errors_ = warnings_ = notes_ = dropped_ = 0;
}

}  // namespace stbf
