#include "stbf/oscam_server.h"

#include "stbf/grouping.h"

namespace stbf {

namespace {

constexpr size_t kKeyBytes = 14;

// Reader keys stbfailover reads. Order is the index into Reader::fields.
enum Field : uint8_t { kLabel, kProtocol, kDevice, kUser, kPassword, kKey, kGroup, kEnable,
                       kLbWeight, kFallback, kFieldCount };
constexpr const char* kFieldNames[kFieldCount] = {"label", "protocol", "device",  "user",
                                                  "password", "key", "group", "enable",
                                                  "lb_weight", "fallback"};

struct FieldValue {
    bool set = false;
    uint32_t line = 0;
    size_t column0 = 0;  // of the value in its line
    size_t begin = 0;    // absolute offsets of the (trimmed) value
    size_t end = 0;
};

struct Reader {
    bool open = false;
    uint32_t line = 0;
    size_t block_begin = 0;
    FieldValue fields[kFieldCount];
};

struct Parser {
    const char* text;
    uint8_t file;
    Config* out;
    Diagnostics* diags;
    SourceSpan* spans;
    ImportCounts* counts;
    bool failed = false;
    bool full = false;

    void report(Severity sev, uint32_t line, size_t column0, const char* message,
                const char* detail = nullptr, size_t detail_len = 0) {
        if (sev == Severity::Error) failed = true;
        diags->add(sev, SourceRef{file, line}, static_cast<uint32_t>(column0 + 1), message, detail,
                   detail_len);
    }
    void report_at(Severity sev, const FieldValue& f, const char* message) {
        report(sev, f.line, f.column0, message);
    }
    const char* at(const FieldValue& f) const { return text + f.begin; }
    size_t size(const FieldValue& f) const { return f.end - f.begin; }

    // Skip the reader: a warning at the value (or the [reader] line) saying why. `why` is a
    // static message ending in "reader skipped"; `detail` is static, non-secret text.
    void skip(const FieldValue* f, uint32_t reader_line, const char* why,
              const char* detail = nullptr, size_t dl = 0) {
        if (dl == 0) dl = cstr_len(detail);
        ++counts->skipped;
        if (f != nullptr)
            report(Severity::Warning, f->line, f->column0, why, detail, dl);
        else
            report(Severity::Warning, reader_line, 0, why, detail, dl);
    }

    // 0 or 1. Anything else: a warning with `message`, *out_flag unchanged, false.
    bool flag(const FieldValue& f, bool* out_flag, const char* message) {
        if (!f.set) return true;
        if (size(f) == 1 && (at(f)[0] == '0' || at(f)[0] == '1')) {
            *out_flag = at(f)[0] == '1';
            return true;
        }
        report_at(Severity::Warning, f, message);
        return false;
    }

    // group is not used by stbfailover: kept as written, a warning only when malformed.
    void check_groups(const FieldValue& f) {
        if (!f.set) return;
        size_t b = f.begin;
        while (b <= f.end) {
            size_t e = b;
            while (e < f.end && text[e] != ',') ++e;
            size_t tb = b, te = e;
            trim_blanks(text, &tb, &te);
            uint32_t v = 0;
            if (parse_decimal(text + tb, te - tb, 64, &v) != nullptr || v == 0) {
                report(Severity::Warning, f.line, f.column0 + (tb - f.begin),
                       "group should be numbers 1..64 separated by ','; kept as written "
                       "(stbfailover does not use it)");
                return;
            }
            b = e + 1;
        }
    }

    // device = host,port[,...]. False (after a warning) when it cannot be relayed.
    bool device(const FieldValue& f, uint32_t reader_line, ServerConfig* s, SourceSpan* span) {
        size_t comma = f.begin;
        while (comma < f.end && text[comma] != ',') ++comma;
        if (comma >= f.end) {
            skip(&f, reader_line, "device is not host,port; reader skipped");
            return false;
        }
        size_t hb = f.begin, he = comma;
        trim_blanks(text, &hb, &he);
        const char* h = nullptr;
        size_t hl = 0;
        if (const char* err = check_host(text + hb, he - hb, false, &h, &hl)) {
            FieldValue at_host = f;
            at_host.column0 = f.column0 + (hb - f.begin);
            skip(&at_host, reader_line, "device host is a placeholder or not a host; reader skipped",
                 err);
            return false;
        }
        if (!s->host.assign(h, hl)) {
            skip(&f, reader_line, "device host is too long; reader skipped");
            return false;
        }
        size_t pb = comma + 1, pe = pb;
        while (pe < f.end && text[pe] != ',') ++pe;
        trim_blanks(text, &pb, &pe);
        if (const char* err = parse_port(text + pb, pe - pb, &s->port)) {
            FieldValue at_port = f;
            at_port.column0 = f.column0 + (pb - f.begin);
            skip(&at_port, reader_line, "device port is a placeholder or not a port; reader skipped",
                 err);
            return false;
        }
        span->addr_begin = f.begin;
        span->addr_end = pe;
        return true;
    }

    // Turns a finished section into a server, or says why it is skipped. Nothing here is an
    // error: OSCam itself skips a reader it cannot use and runs the rest.
    void finish(Reader& r, size_t block_end) {
        if (!r.open) return;
        r.open = false;
        const FieldValue* f = r.fields;
        ServerConfig s;
        if (f[kEnable].set && !flag(f[kEnable], &s.enabled,
                                    "enable should be 0 or 1; reader skipped")) {
            ++counts->skipped;
            return;
        }
        if (!s.enabled) {
            report(Severity::Note, r.line, 0, "reader is disabled (enable = 0); skipped");
            ++counts->left;
            return;
        }
        if (!f[kProtocol].set) {
            skip(nullptr, r.line, "reader has no protocol; reader skipped");
            return;
        }
        const SoftcamProtocol proto = softcam_protocol(at(f[kProtocol]), size(f[kProtocol]));
        if (!proto.known) {
            skip(&f[kProtocol], r.line,
                 "unknown protocol (OSCam matches names case-sensitively); reader skipped",
                 at(f[kProtocol]), size(f[kProtocol]));
            return;
        }
        if (!proto.relayed) {
            report(Severity::Note, f[kProtocol].line, f[kProtocol].column0,
                   "reader protocol is not relayed; reader skipped and left as it is", proto.why,
                   cstr_len(proto.why));
            ++counts->left;
            return;
        }
        s.protocol = proto.protocol;
        SourceSpan span;
        span.block_begin = r.block_begin;
        span.block_end = block_end;
        if (!f[kDevice].set) {
            skip(nullptr, r.line, "reader has no device = host,port; reader skipped");
            return;
        }
        if (!device(f[kDevice], r.line, &s, &span)) return;
        if (!f[kUser].set || size(f[kUser]) == 0) {
            skip(nullptr, r.line, "reader has no user; reader skipped");
            return;
        }
        if (!s.user.assign(at(f[kUser]), size(f[kUser]))) {
            skip(&f[kUser], r.line, "user name is longer than STBF_CRED_MAX bytes; reader skipped");
            return;
        }
        if (f[kPassword].set && !s.password.assign(at(f[kPassword]), size(f[kPassword]))) {
            skip(&f[kPassword], r.line,
                 "password is longer than STBF_CRED_MAX bytes; reader skipped");
            return;
        }
        if (f[kKey].set) {
            if (parse_hex_bytes(at(f[kKey]), size(f[kKey]), s.des_key, kKeyBytes) != nullptr) {
                if (needs_des_key(s.protocol)) {
                    skip(&f[kKey], r.line, "key must be 28 hex digits; reader skipped");
                    return;
                }
                report_at(Severity::Warning, f[kKey],
                          "key is not 28 hex digits; kept as written (not used by this protocol)");
            } else {
                s.has_key = true;
            }
        } else if (needs_des_key(s.protocol)) {
            skip(nullptr, r.line, "newcamd reader has no key (28 hex digits); reader skipped");
            return;
        }
        flag(f[kFallback], &s.backup, "fallback should be 0 or 1; taken as 0");
        check_groups(f[kGroup]);
        if (f[kLbWeight].set) {
            uint32_t w = 0;
            if (parse_decimal(at(f[kLbWeight]), size(f[kLbWeight]), 65535, &w) != nullptr || w == 0)
                report_at(Severity::Warning, f[kLbWeight],
                          "lb_weight should be a number 1..65535; the default 100 is used");
            else
                s.weight = static_cast<uint16_t>(w);
        }
        if (out->server_count >= out->capacity.servers) {
            report(Severity::Warning, r.line, 0,
                   "more servers than the config's capacity.servers; the first ones in file order "
                   "are imported, this reader is skipped (raise \"capacity\": {\"servers\": N} in "
                   "stbfailover.json, at most " STBF_STRINGIFY(STBF_MAX_SERVERS) ")");
            full = true;
            ++counts->skipped;
            return;
        }
        s.probe = default_probe(s.protocol);
        s.source = SourceRef{file, r.line};
        if (f[kLabel].set && size(f[kLabel]) > 0) {
            if (assign_cut(&s.label, at(f[kLabel]), size(f[kLabel])) < size(f[kLabel]))
                report_at(Severity::Warning, f[kLabel], "label is cut to STBF_NAME_MAX bytes");
        } else {
            set_default_label(&s);
        }
        if (spans != nullptr) spans[out->server_count] = span;
        out->servers[out->server_count++] = s;
        ++counts->imported;
    }

    void header(const TextLine& line, size_t p, Reader& r) {
        finish(r, line.offset);
        const char* s = line.text;
        size_t close = p + 1;
        while (close < line.len && s[close] != ']') ++close;
        if (close >= line.len) {
            report(Severity::Warning, line.number, p,
                   "section name is not closed by ']'; section skipped");
            ++counts->skipped;
            return;
        }
        size_t nb = p + 1, ne = close;
        trim_blanks(s, &nb, &ne);
        size_t after = skip_blanks(s, line.len, close + 1);
        if (after < line.len && s[after] != '#' && s[after] != ';')
            report(Severity::Warning, line.number, after, "text after the section name is ignored");
        if (!equals_nocase(s + nb, ne - nb, "reader")) {
            report(Severity::Note, line.number, p,
                   "section is not a [reader]; skipped up to the next section", s + nb, ne - nb);
            return;
        }
        r = Reader{};
        r.open = true;
        r.line = line.number;
        r.block_begin = line.offset;
    }

    void setting(const TextLine& line, size_t p, Reader& r, bool in_other_section) {
        const char* s = line.text;
        size_t eq = p;
        while (eq < line.len && s[eq] != '=') ++eq;
        if (eq >= line.len) {
            report(Severity::Warning, line.number, p,
                   "not key = value, a [section] or a comment; line skipped");
            ++counts->skipped;
            return;
        }
        size_t kb = p, ke = eq;
        trim_blanks(s, &kb, &ke);
        if (kb == ke) {
            report(Severity::Warning, line.number, p, "setting has no key before '='; line skipped");
            ++counts->skipped;
            return;
        }
        if (!r.open) {
            if (!in_other_section) {
                report(Severity::Warning, line.number, p,
                       "setting outside a [reader] section; line skipped");
                ++counts->skipped;
            }
            return;
        }
        size_t vb = eq + 1, ve = line.len;
        trim_blanks(s, &vb, &ve);
        for (uint8_t i = 0; i < kFieldCount; ++i) {
            if (!equals_nocase(s + kb, ke - kb, kFieldNames[i])) continue;
            FieldValue& f = r.fields[i];
            if (f.set)
                report(Severity::Warning, line.number, kb,
                       "key is repeated in this reader; the last value counts", s + kb, ke - kb);
            // an empty value puts the setting back to OSCam's default, as OSCam does
            f.set = vb < ve;
            f.line = line.number;
            f.column0 = vb;
            f.begin = line.offset + vb;
            f.end = line.offset + ve;
            return;
        }
        // name only the first word: a line like "password secret = x" must not echo "secret"
        size_t first_word = kb;
        while (first_word < ke && !is_blank(s[first_word])) ++first_word;
        report(Severity::Note, line.number, kb, "reader setting is not used by stbfailover", s + kb,
               first_word - kb);
    }
};

}  // namespace

Status parse_oscam_server(const char* text, size_t len, uint8_t file, Config* out,
                          Diagnostics* diags, SourceSpan* spans, ImportCounts* counts) {
    ImportCounts local;
    Parser parser{text, file, out, diags, spans, counts != nullptr ? counts : &local};
    Reader reader;
    bool in_section = false;  // inside any section, reader or not
    LineReader lines(text, len);
    TextLine line;
    while (lines.next(&line)) {
        size_t p = skip_blanks(line.text, line.len, 0);
        if (p >= line.len || line.text[p] == '#' || line.text[p] == ';') continue;
        if (line.text[p] == '[') {
            parser.header(line, p, reader);
            in_section = true;
        } else {
            parser.setting(line, p, reader, in_section);
        }
    }
    parser.finish(reader, len);
    if (parser.full) return Status::CapacityExceeded;
    return parser.failed ? Status::ParseError : Status::Ok;
}

}  // namespace stbf
