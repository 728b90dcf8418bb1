// Placing a JSON path in its text (see json_locate.h).
#include "json_locate.h"

#include <algorithm>

namespace stbf::fw {

std::string path_text(const JsonPath& path) {
    std::string s;
    for (const JsonStep& seg : path) {
        if (seg.index >= 0) {
            s += "[" + std::to_string(seg.index) + "]";
        } else {
            if (!s.empty()) s += ".";
            s += seg.key;
        }
    }
    return s;
}

size_t JsonLocator::find(const JsonPath& path) const {
    const size_t n = t_.size();
    size_t pos = ws(0);
    size_t found = pos;
    for (const JsonStep& seg : path) {
        if (pos >= n) break;
        bool hit = false;
        if (seg.index < 0) {
            if (t_[pos] != '{') break;
            pos = ws(pos + 1);
            int seen = 0;
            while (pos < n && t_[pos] == '"') {
                const size_t key_at = pos;
                const bool same = key_equals(pos, seg.key);
                pos = ws(skip_string(pos));
                if (pos < n && t_[pos] == ':') pos = ws(pos + 1);
                if (same && seen++ == seg.occurrence) {
                    found = key_at;
                    hit = true;
                    break;
                }
                pos = next_member(pos);
            }
        } else {
            if (t_[pos] != '[') break;
            pos = ws(pos + 1);
            for (int i = 0; pos < n && t_[pos] != ']'; ++i) {
                if (i == seg.index) {
                    found = pos;
                    hit = true;
                    break;
                }
                pos = next_member(pos);
            }
        }
        if (!hit) break;
    }
    return found;
}

size_t JsonLocator::ws(size_t p) const {
    while (p < t_.size() && (t_[p] == ' ' || t_[p] == '\t' || t_[p] == '\n' || t_[p] == '\r')) ++p;
    return p;
}

size_t JsonLocator::skip_string(size_t p) const {  // p at '"'; returns one past the closing quote
    for (++p; p < t_.size(); ++p) {
        if (t_[p] == '\\')
            ++p;
        else if (t_[p] == '"')
            return p + 1;
    }
    return t_.size();
}

size_t JsonLocator::skip_value(size_t p) const {
    int depth = 0;
    while (p < t_.size()) {
        char c = t_[p];
        if (c == '"') {
            p = skip_string(p);
            if (depth == 0) return p;
            continue;
        }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') {
            if (depth == 0) return p;  // end of the enclosing container
            if (--depth == 0) return p + 1;
        }
        if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) return p;
        ++p;
    }
    return p;
}

size_t JsonLocator::next_member(size_t p) const {
    p = ws(skip_value(p));
    if (p < t_.size() && t_[p] == ',') p = ws(p + 1);
    return p;
}

bool JsonLocator::key_equals(size_t p, const std::string& key) const {
    std::string decoded;
    for (++p; p < t_.size() && t_[p] != '"'; ++p) {
        char c = t_[p];
        if (c == '\\' && p + 1 < t_.size()) {
            char e = t_[++p];
            switch (e) {
                case 'n':
                    c = '\n';
                    break;
                case 't':
                    c = '\t';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 'b':
                    c = '\b';
                    break;
                case 'f':
                    c = '\f';
                    break;
                case 'u':
                    return false;  // keys with \u escapes: fall back to the parent
                default:
                    c = e;
                    break;
            }
        }
        decoded += c;
    }
    return decoded == key;
}

LineCol line_col(const std::string& text, size_t offset) {
    LineCol lc;
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++lc.line;
            line_start = i + 1;
        }
    }
    lc.column = static_cast<uint32_t>(std::min(offset, text.size()) - line_start + 1);
    return lc;
}

LineCol locate(const std::string& text, const JsonPath& path) {
    return line_col(text, JsonLocator(text).find(path));
}

}  // namespace stbf::fw
