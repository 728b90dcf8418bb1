#include "softcam_writer.h"
#include "config_writer.h"

#include <memory>
#include <vector>

#include "small_sort.h"
#include "stbf/config_text.h"
#include "stbf/grouping.h"

namespace stbf::fw {

namespace {

struct Edit {
    size_t begin;
    size_t end;  // == begin for an insertion
    std::string text;
};

constexpr const char* kHeaderStart = "# Rewritten by `stbfailover";
constexpr const char* kHeader[] = {
    "# Rewritten by `stbfailover setup`: each account now points at stbfailover on this box",
    "# (one reader or line per slot), which fails over between the account's servers.",
    "# Alternatives are kept below as \"#stbf# \" comments. `stbfailover restore` puts this",
    "# file back as it was.",
};

std::string local_address(const GroupConfig& g, uint16_t port, FileFormat format) {
    std::string addr = g.listen_addr.empty() ? "127.0.0.1" : g.listen_addr.c_str();
    if (addr.find(':') != std::string::npos) addr = "[" + addr + "]";
    return addr + (format == FileFormat::Oscam ? "," : " ") + std::to_string(port);
}

std::string eol_of(const std::string& text) {
    return text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
}

// One line of a block, with and without its line end.
struct Line {
    size_t begin;
    size_t end;   // before "\r\n" / "\n"
    size_t next;  // after the line end
};

std::vector<Line> lines_of(const std::string& text, size_t begin, size_t end) {
    std::vector<Line> out;
    size_t p = begin;
    while (p < end) {
        size_t nl = text.find('\n', p);
        size_t next = nl == std::string::npos || nl >= end ? end : nl + 1;
        size_t e = nl == std::string::npos || nl >= end ? end : nl;
        if (e > p && text[e - 1] == '\r') --e;
        out.push_back(Line{p, e, next});
        p = next;
    }
    return out;
}

// "key = value" line of an oscam.server reader: the lower-case key and where the value is.
bool setting_of(const std::string& text, const Line& l, std::string* key, size_t* vb, size_t* ve) {
    size_t b = l.begin;
    while (b < l.end && is_blank(text[b])) ++b;
    if (b >= l.end || text[b] == '#' || text[b] == ';' || text[b] == '[') return false;
    size_t eq = text.find('=', b);
    if (eq == std::string::npos || eq >= l.end) return false;
    size_t ke = eq;
    while (ke > b && is_blank(text[ke - 1])) --ke;
    key->clear();
    for (size_t i = b; i < ke; ++i)
        *key += static_cast<char>(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
    *vb = eq + 1;
    while (*vb < l.end && is_blank(text[*vb])) ++*vb;
    *ve = l.end;
    while (*ve > *vb && is_blank(text[*ve - 1])) --*ve;
    return true;
}

// Lines of a reader that carry its settings: up to the last setting (trailing blank lines and
// comments belong to whatever comes next).
size_t content_end(const std::string& text, const std::vector<Line>& lines) {
    size_t last = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string key;
        size_t vb = 0, ve = 0;
        if (i == 0 || setting_of(text, lines[i], &key, &vb, &ve)) last = i;
    }
    return last;
}

bool has_setting(const std::string& text, const std::vector<Line>& lines, const char* name) {
    for (const Line& l : lines) {
        std::string key;
        size_t vb = 0, ve = 0;
        if (setting_of(text, l, &key, &vb, &ve) && key == name && ve > vb) return true;
    }
    return false;
}

// oscam.server: the reader as slot `k` (0-based) of group `g`, lines [0, last] of `lines`
// rewritten (label _slotK, device at the slot port, fallback = 1).
std::string oscam_slot_copy(const std::string& text, const std::vector<Line>& lines, size_t last,
                            const GroupConfig& g, size_t k, const std::string& eol) {
    std::string out;
    bool had_label = false, had_fallback = false;
    for (size_t i = 0; i <= last; ++i) {
        const Line& l = lines[i];
        std::string key;
        size_t vb = 0, ve = 0;
        std::string line = text.substr(l.begin, l.end - l.begin);
        if (setting_of(text, l, &key, &vb, &ve)) {
            const std::string head = text.substr(l.begin, vb - l.begin);
            if (key == "label" && ve > vb) {
                had_label = true;
                line = head + text.substr(vb, ve - vb) + "_slot" + std::to_string(k + 1);
            } else if (key == "device") {
                size_t comma = text.find(',', vb);
                size_t rest =
                    comma == std::string::npos || comma >= ve ? ve : text.find(',', comma + 1);
                if (rest == std::string::npos || rest > ve) rest = ve;
                line = head + local_address(g, g.slot_ports[k], FileFormat::Oscam) +
                       text.substr(rest, ve - rest);
            } else if (key == "fallback") {
                had_fallback = true;
                line = head + "1";
            }
        }
        out += line + eol;
    }
    if (!had_label)
        out += "label = " + std::string(g.name.c_str()) + "_slot" + std::to_string(k + 1) + eol;
    if (!had_fallback) out += "fallback = 1" + eol;
    return out;
}

}  // namespace

bool is_rewritten_softcam_config(const std::string& text) {
    const size_t start = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    return text.compare(start, std::char_traits<char>::length(kHeaderStart), kHeaderStart) == 0;
}

std::string rewrite_softcam_config(const SoftcamSource& source, const Config& config) {
    const std::string& text = source.text;
    const size_t first = source.first_server;
    const size_t count = source.spans.size();
    const std::string eol = eol_of(text);
    const bool oscam = source.format == FileFormat::Oscam;
    std::vector<Edit> edits;
    // primaries in file order decide which of two linked groups is the fallback
    std::vector<size_t> primary_of_group(config.group_count, SIZE_MAX);
    for (size_t gi = 0; gi < config.group_count; ++gi) {
        const GroupConfig& g = config.groups[gi];
        for (size_t k = 0; k < g.server_count; ++k) {
            const size_t si = g.servers[k];
            if (si < first || si >= first + count) continue;
            if (primary_of_group[gi] == SIZE_MAX) primary_of_group[gi] = si;
        }
    }
    for (size_t gi = 0; gi < config.group_count; ++gi) {
        const GroupConfig& g = config.groups[gi];
        const size_t primary = primary_of_group[gi];
        if (primary == SIZE_MAX) continue;
        const long linked = linked_group(config, gi);
        const bool fallback = linked >= 0 && primary_of_group[linked] != SIZE_MAX &&
                              primary_of_group[linked] < primary;
        const SourceSpan& span = source.spans[primary - first];
        const uint8_t slots = group_slot_count(config, g);
        edits.push_back(
            Edit{span.addr_begin, span.addr_end, local_address(g, g.slot_ports[0], source.format)});
        const std::vector<Line> lines = lines_of(text, span.block_begin, span.block_end);
        std::string added;
        size_t at = span.block_end;
        if (oscam && !lines.empty()) {
            const size_t last = content_end(text, lines);
            at = lines[last].next;
            const Protocol p = config.servers[primary].protocol;
            std::string settings;  // reconnect settings, on the primary and every slot copy
            if (p == Protocol::Cccam && !has_setting(text, lines, "ccckeepalive"))
                settings += "ccckeepalive = 1" + eol;
            if (needs_des_key(p) && !has_setting(text, lines, "inactivitytimeout"))
                settings += "inactivitytimeout = -1" + eol;
            added = settings;
            if (fallback) {
                bool replaced = false;
                for (const Line& l : lines) {
                    std::string key;
                    size_t vb = 0, ve = 0;
                    if (setting_of(text, l, &key, &vb, &ve) && key == "fallback") {
                        edits.push_back(Edit{vb, ve, "1"});
                        replaced = true;
                    }
                }
                if (!replaced) added += "fallback = 1" + eol;
            }
            for (size_t k = 1; k < slots; ++k)
                added += eol + oscam_slot_copy(text, lines, last, g, k, eol) + settings;
        } else if (!lines.empty()) {
            const size_t nl = text.find('\n', span.block_end);
            at = nl == std::string::npos ? text.size() : nl + 1;
            const std::string line = text.substr(lines[0].begin, lines[0].end - lines[0].begin);
            const size_t ab = span.addr_begin - lines[0].begin, ae = span.addr_end - lines[0].begin;
            for (size_t k = 1; k < slots; ++k)
                added += line.substr(0, ab) + local_address(g, g.slot_ports[k], source.format) +
                         line.substr(ae) + eol;
        }
        if (!added.empty()) {
            // a last line without a line end gets one before anything is added after it
            if (at == text.size() && !text.empty() && text.back() != '\n') added = eol + added;
            edits.push_back(Edit{at, at, added});
        }
        for (size_t k = 0; k < g.server_count; ++k) {
            const size_t si = g.servers[k];
            if (si < first || si >= first + count || si == primary) continue;
            const SourceSpan& other = source.spans[si - first];
            for (const Line& l : lines_of(text, other.block_begin, other.block_end))
                if (!oscam || l.end > l.begin)
                    edits.push_back(Edit{l.begin, l.begin, kSoftcamCommentMark});
        }
    }
    // in file order; edits at one offset stay in the order they were made
    small_stable_sort(&edits, [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
    // a UTF-8 byte order mark stays the file's first bytes, before the header
    const bool bom = text.compare(0, 3, "\xEF\xBB\xBF") == 0;
    std::string out = bom ? "\xEF\xBB\xBF" : "";
    if (!is_rewritten_softcam_config(text))
        for (const char* h : kHeader) out += std::string(h) + eol;
    size_t pos = bom ? 3 : 0;
    for (const Edit& e : edits) {
        if (e.begin < pos) continue;  // overlapping edits cannot come from one parse; be safe
        out.append(text, pos, e.begin - pos);
        out += e.text;
        pos = e.end;
    }
    out.append(text, pos, std::string::npos);
    return out;
}

bool json_for_softcam(Config* config, const Globals& globals, std::string* json,
                      std::string* error) {
    for (size_t g = 0; g < config->group_count; ++g) config->groups[g].listen_pinned = true;
    *json = config_to_json(*config, globals);
    auto back = std::make_unique<Config>();
    auto diags = std::make_unique<Diagnostics>();
    Globals globals_back;
    if (load_config_text(*json, "stbfailover.json", FileFormat::Json, back.get(), &globals_back,
                         diags.get(), nullptr, false) != LoadResult::Ok ||
        back->group_count != config->group_count) {
        *error = "the JSON config written for the softcam file does not load back";
        return false;
    }
    for (size_t g = 0; g < config->group_count; ++g) {
        config->groups[g].listen_port = back->groups[g].listen_port;
        for (size_t k = 0; k < STBF_MAX_SLOTS; ++k)
            config->groups[g].slot_ports[k] = back->groups[g].slot_ports[k];
    }
    return true;
}

}  // namespace stbf::fw
