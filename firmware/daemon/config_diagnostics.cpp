// Config diagnostics as text (see config_diagnostics.h).
#include "config_diagnostics.h"

#include <algorithm>
#include <vector>

namespace stbf::fw {

std::string format_diagnostic(const Config& config, const Diagnostic& d) {
    std::string s = d.where.file < config.file_count ? config.files[d.where.file].c_str() : "?";
    if (d.where.line > 0) {
        s += ":" + std::to_string(d.where.line);
        if (d.column > 0) s += ":" + std::to_string(d.column);
    }
    s += std::string(": ") + severity_name(d.severity) + ": " + d.message;
    if (!d.detail.empty()) s += std::string(": ") + d.detail.c_str();
    return s;
}

size_t print_diagnostics(std::FILE* to, const Config& config, const Diagnostics& diags,
                         bool include_notes) {
    std::vector<const Diagnostic*> sorted;
    for (size_t i = 0; i < diags.count(); ++i)
        if (include_notes || diags.at(i).severity != Severity::Note) sorted.push_back(&diags.at(i));
    std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
        if (a->where.file != b->where.file) return a->where.file < b->where.file;
        if (a->where.line != b->where.line) return a->where.line < b->where.line;
        return a->column < b->column;
    });
    for (const Diagnostic* d : sorted)
        std::fprintf(to, "%s\n", format_diagnostic(config, *d).c_str());
    if (diags.dropped() > 0) std::fprintf(to, "(%zu more messages not kept)\n", diags.dropped());
    return sorted.size();
}

}  // namespace stbf::fw
