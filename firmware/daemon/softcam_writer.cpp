#include "softcam_writer.h"

#include <algorithm>
#include <vector>

namespace stbf::fw {

namespace {

struct Edit {
    size_t begin;
    size_t end;  // == begin for an insertion
    std::string text;
};

constexpr const char* kCommentMark = "#stbf# ";
constexpr const char* kHeader =
    "# Rewritten by `stbfailover import`: each account now points at stbfailover on this box,\n"
    "# which fails over between the account's servers. Alternatives are kept below as\n"
    "# \"#stbf# \" comments; the file as it was is kept as <this file>.bak.\n";

std::string local_address(const GroupConfig& g, FileFormat format) {
    std::string addr = g.listen_addr.empty() ? "127.0.0.1" : g.listen_addr.c_str();
    if (addr.find(':') != std::string::npos) addr = "[" + addr + "]";
    return addr + (format == FileFormat::Oscam ? "," : " ") + std::to_string(g.listen_port);
}

// Insert the comment mark at the start of every line in [begin, end).
void comment_out(const std::string& text, size_t begin, size_t end, std::vector<Edit>* edits) {
    size_t line = begin;
    while (line < end) {
        edits->push_back(Edit{line, line, kCommentMark});
        size_t nl = text.find('\n', line);
        if (nl == std::string::npos || nl + 1 >= end) break;
        line = nl + 1;
    }
}

}  // namespace

std::string rewrite_softcam_config(const SoftcamSource& source, const Config& config) {
    const size_t first = source.first_server;
    const size_t count = source.spans.size();
    std::vector<Edit> edits;
    for (uint16_t gi = 0; gi < config.group_count; ++gi) {
        const GroupConfig& g = config.groups[gi];
        bool kept = false;
        for (uint16_t k = 0; k < g.server_count; ++k) {
            const size_t si = g.servers[k];
            if (si < first || si >= first + count) continue;
            const SourceSpan& span = source.spans[si - first];
            if (!kept) {
                edits.push_back(Edit{span.addr_begin, span.addr_end, local_address(g, source.format)});
                kept = true;
            } else {
                comment_out(source.text, span.block_begin, span.block_end, &edits);
            }
        }
    }
    std::sort(edits.begin(), edits.end(),
              [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
    std::string out = source.text.rfind(kHeader, 0) == 0 ? "" : kHeader;
    size_t pos = 0;
    for (const Edit& e : edits) {
        if (e.begin < pos) continue;  // overlapping edits cannot come from one parse; be safe
        out.append(source.text, pos, e.begin - pos);
        out += e.text;
        pos = e.end;
    }
    out.append(source.text, pos, std::string::npos);
    return out;
}

}  // namespace stbf::fw
