#include "stbf/cccam_cfg.h"

#include "stbf/grouping.h"

namespace stbf {

namespace {

constexpr size_t kKeyBytes = 14;

struct LineContext {
    const TextLine& line;
    uint8_t file;
    Diagnostics* diags;

    void report(Severity sev, size_t column0, const char* message, const char* detail = nullptr,
                size_t detail_len = 0) {
        diags->add(sev, SourceRef{file, line.number}, static_cast<uint32_t>(column0 + 1), message,
                   detail, detail_len);
    }
    const char* at(const Token& t) const { return line.text + t.begin; }
};

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

// `KEY : value` global (CCcam writes them in capitals, e.g. "SERVER LISTEN PORT : 12000"): the
// part before ':' is upper-case words, digits and '_'. Being strict keeps a broken server line
// such as "C host 1 user pass:word" an error instead of a skipped "setting".
bool is_global_setting(const char* s, size_t len, size_t begin) {
    size_t colon = begin;
    while (colon < len && s[colon] != ':') ++colon;
    if (colon >= len || colon == begin || !is_upper(s[begin])) return false;
    for (size_t i = begin; i < colon; ++i) {
        char c = s[i];
        if (!(is_upper(c) || (c >= '0' && c <= '9') || c == '_' || is_blank(c))) return false;
    }
    return true;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// One entry of a C: line's `{ caid:ident(:hops), ... }` list, already trimmed.
bool valid_filter_entry(const char* s, size_t len) {
    size_t parts = 0;
    size_t i = 0;
    while (i <= len) {
        size_t b = i;
        while (i < len && s[i] != ':') ++i;
        if (i == b) return false;
        for (size_t k = b; k < i; ++k) {
            bool ok = parts < 2 ? is_hex(s[k]) : (s[k] >= '0' && s[k] <= '9');
            if (!ok) return false;
        }
        ++parts;
        ++i;
    }
    return parts >= 1 && parts <= 3;
}

// Checks the `{ ... }` list starting at `open` (the '{'); returns one past the '}' or 0 after
// reporting an error.
size_t check_filter_list(LineContext& cx, size_t open) {
    const char* s = cx.line.text;
    const size_t len = cx.line.len;
    size_t close = open + 1;
    while (close < len && s[close] != '}') ++close;
    if (close >= len) {
        cx.report(Severity::Warning, open,
                  "'{' of the C: line is not closed by '}'; kept as written (not used)");
        return len;
    }
    size_t b = open + 1;
    while (b <= close) {
        size_t e = b;
        while (e < close && s[e] != ',') ++e;
        size_t tb = b, te = e;
        trim_blanks(s, &tb, &te);
        bool last = e == close;
        bool empty_ok = last || tb == te;  // "{ }" and a trailing ',' are fine
        if (tb == te ? !empty_ok : !valid_filter_entry(s + tb, te - tb)) {
            cx.report(Severity::Warning, tb,
                      "entry of the { } list is not caid:ident or caid:ident:hops; kept as "
                      "written (not used)");
            return close + 1;
        }
        b = e + 1;
    }
    return close + 1;
}

// After the last field: nothing, a `#` comment, or trailing text that gets a warning.
void check_trailing(LineContext& cx, size_t pos, const char* kind) {
    size_t p = skip_blanks(cx.line.text, cx.line.len, pos);
    if (p < cx.line.len && cx.line.text[p] != '#')
        cx.report(Severity::Warning, p, "trailing text after the line's fields is ignored", kind,
                  2);
}

// host, port, user, password: the four fields both server kinds start with.
bool parse_account_fields(LineContext& cx, size_t* pos, ServerConfig* s, SourceSpan* span,
                          const char* kind) {
    const char* text = cx.line.text;
    const size_t len = cx.line.len;
    Token host, port, user, pass;
    if (!next_token(text, len, pos, &host) || !next_token(text, len, pos, &port) ||
        !next_token(text, len, pos, &user) || !next_token(text, len, pos, &pass)) {
        cx.report(Severity::Warning, len, "line needs host, port, user and password; line skipped",
                  kind, 2);
        return false;
    }
    const char* h = nullptr;
    size_t hl = 0;
    if (const char* err = check_host(cx.at(host), host.size(), false, &h, &hl)) {
        cx.report(Severity::Warning, host.begin, "host is a placeholder or not a host; line skipped",
                  err, cstr_len(err));
        return false;
    }
    if (!s->host.assign(h, hl)) {
        cx.report(Severity::Warning, host.begin, "host is too long; line skipped");
        return false;
    }
    if (const char* err = parse_port(cx.at(port), port.size(), &s->port)) {
        cx.report(Severity::Warning, port.begin, "port is a placeholder or not a port; line skipped",
                  err, cstr_len(err));
        return false;
    }
    if (!s->user.assign(cx.at(user), user.size())) {
        cx.report(Severity::Warning, user.begin,
                  "user name is longer than STBF_CRED_MAX bytes; line skipped");
        return false;
    }
    if (!s->password.assign(cx.at(pass), pass.size())) {
        cx.report(Severity::Warning, pass.begin,
                  "password is longer than STBF_CRED_MAX bytes; line skipped");
        return false;
    }
    span->addr_begin = cx.line.offset + host.begin;
    span->addr_end = cx.line.offset + port.end;
    return true;
}

bool parse_c_line(LineContext& cx, size_t pos, ServerConfig* s, SourceSpan* span) {
    if (!parse_account_fields(cx, &pos, s, span, "C:")) return false;
    const char* text = cx.line.text;
    const size_t len = cx.line.len;
    size_t p = skip_blanks(text, len, pos);
    if (p >= len || text[p] == '#') return true;
    const size_t extra_begin = p;
    size_t extra_end = p;
    if (text[p] == '{') {
        // CCcam needs yes/no first; the list is not used by stbfailover, so only a warning
        cx.report(Severity::Warning, p, "a { } list needs yes or no before it; kept as written");
    } else {
        Token flag;
        next_token(text, len, &p, &flag);
        if (!equals_nocase(cx.at(flag), flag.size(), "yes") &&
            !equals_nocase(cx.at(flag), flag.size(), "no")) {
            cx.report(Severity::Warning, flag.begin,
                      "expected yes, no or the end of the line after the password; kept as "
                      "written (not used)");
        }
        extra_end = flag.end;
        p = skip_blanks(text, len, flag.end);
    }
    if (p < len && text[p] == '{') {
        size_t after = check_filter_list(cx, p);
        extra_end = after;
        p = after;
    }
    assign_cut(&s->extra, text + extra_begin, extra_end - extra_begin);
    check_trailing(cx, p, "C:");
    return true;
}

// 14 key bytes: 14 words of two hex digits, or one word of 28.
bool parse_key(LineContext& cx, size_t* pos, ServerConfig* s) {
    const char* text = cx.line.text;
    const size_t len = cx.line.len;
    Token t;
    size_t p = *pos;
    const bool have = next_token(text, len, &p, &t);
    if (!have || text[t.begin] == '#') {
        cx.report(Severity::Warning, have ? t.begin : len,
                  "N: line needs 14 key bytes after the password; line skipped");
        return false;
    }
    if (t.size() == 2 * kKeyBytes) {
        if (parse_hex_bytes(cx.at(t), t.size(), s->des_key, kKeyBytes) != nullptr) {
            cx.report(Severity::Warning, t.begin,
                      "key must be 28 hex digits or 14 two-digit hex bytes; line skipped");
            return false;
        }
        *pos = p;
        s->has_key = true;
        return true;
    }
    for (size_t i = 0; i < kKeyBytes; ++i) {
        if (i > 0 && !next_token(text, len, &p, &t)) {
            cx.report(Severity::Warning, len, "N: line has fewer than 14 key bytes; line skipped");
            return false;
        }
        if (parse_hex_bytes(cx.at(t), t.size(), &s->des_key[i], 1) != nullptr) {
            cx.report(Severity::Warning, t.begin, "key byte is not two hex digits; line skipped");
            return false;
        }
    }
    *pos = p;
    s->has_key = true;
    return true;
}

bool parse_n_line(LineContext& cx, size_t pos, ServerConfig* s, SourceSpan* span) {
    if (!parse_account_fields(cx, &pos, s, span, "N:")) return false;
    if (!parse_key(cx, &pos, s)) return false;
    const char* text = cx.line.text;
    const size_t len = cx.line.len;
    // optional hops and stealth: CCcam's own numbers, not used by stbfailover; kept as written
    // (hops 256 is seen in real files), a warning only when one is not a number
    size_t extra_begin = skip_blanks(text, len, pos);
    size_t extra_end = extra_begin;
    for (int field = 0; field < 2; ++field) {
        size_t p = pos;
        Token t;
        if (!next_token(text, len, &p, &t) || text[t.begin] == '#') break;
        uint32_t v = 0;
        if (parse_decimal(cx.at(t), t.size(), 0xffffffffu, &v) != nullptr) {
            cx.report(Severity::Warning, t.begin,
                      field == 0 ? "hops after the key is not a number; kept as written (not used)"
                                 : "stealth after hops is not a number; kept as written (not used)");
        }
        extra_end = t.end;
        pos = p;
    }
    assign_cut(&s->extra, text + extra_begin, extra_end - extra_begin);
    check_trailing(cx, pos, "N:");
    return true;
}

}  // namespace

Status parse_cccam_cfg(const char* text, size_t len, uint8_t file, Config* out,
                       Diagnostics* diags, SourceSpan* spans, ImportCounts* counts) {
    ImportCounts local;
    if (counts == nullptr) counts = &local;
    bool full = false;
    LineReader reader(text, len);
    TextLine line;
    while (reader.next(&line)) {
        LineContext cx{line, file, diags};
        const char* s = line.text;
        size_t p = skip_blanks(s, line.len, 0);
        if (p >= line.len || s[p] == '#') continue;
        const bool kind_form = p + 1 < line.len && s[p + 1] == ':';
        const char kind = s[p];
        if (kind_form && (kind == 'C' || kind == 'N')) {
            if (out->server_count >= out->capacity.servers) {
                cx.report(Severity::Warning, p,
                          "more servers than the config's capacity.servers; the first ones in file "
                          "order are imported, this line is skipped (raise \"capacity\": "
                          "{\"servers\": N} in stbfailover.json, at most " STBF_STRINGIFY(STBF_MAX_SERVERS) ")");
                full = true;
                ++counts->skipped;
                continue;
            }
            ServerConfig server;
            SourceSpan span;
            span.block_begin = line.offset;
            span.block_end = line.offset + line.len;
            server.protocol = kind == 'C' ? Protocol::Cccam : Protocol::Newcamd;
            bool ok = kind == 'C' ? parse_c_line(cx, p + 2, &server, &span)
                                  : parse_n_line(cx, p + 2, &server, &span);
            if (!ok) {
                ++counts->skipped;
                continue;
            }
            server.probe = default_probe(server.protocol);
            server.source = SourceRef{file, line.number};
            set_default_label(&server);
            if (spans != nullptr) spans[out->server_count] = span;
            out->servers[out->server_count++] = server;
            ++counts->imported;
        } else if (kind_form && (kind == 'F' || kind == 'R' || kind == 'L' || kind == 'G')) {
            cx.report(Severity::Note, p, "line kind is not an outgoing server line; skipped", s + p,
                      2);
            ++counts->left;
        } else if (kind_form && (kind == 'c' || kind == 'n')) {
            // CCcam reads only upper-case kinds, so the softcam does not use this line either
            cx.report(Severity::Warning, p,
                      "line kinds are upper case (CCcam ignores c:/n:); line skipped");
            ++counts->skipped;
        } else if (kind_form && is_upper(kind)) {
            cx.report(Severity::Warning, p, "unknown line kind; line skipped", s + p, 2);
            ++counts->skipped;
        } else if (is_global_setting(s, line.len, p)) {
            size_t colon = p;
            while (s[colon] != ':') ++colon;
            size_t kb = p, ke = colon;
            trim_blanks(s, &kb, &ke);
            cx.report(Severity::Note, p, "global setting is not used by stbfailover; skipped", s + kb,
                      ke - kb);
        } else {
            // banners, bare URLs, download notes: CCcam ignores them, so do we
            cx.report(Severity::Warning, p,
                      "not a CCcam.cfg line (C:, N:, a # comment or KEY : value); line skipped");
            ++counts->skipped;
        }
    }
    return full ? Status::CapacityExceeded : Status::Ok;
}

}  // namespace stbf
