#include "config_json.h"
#include "config_tls.h"
#include "discovery.h"
#include "json_locate.h"
#include "softcam_writer.h"
#include "text_file.h"

#include <cjson/cJSON.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>

#include "stbf/address.h"
#include "stbf/config_text.h"
#include "stbf/cccam_cfg.h"
#include "stbf/engine.h"
#include "stbf/grouping.h"
#include "stbf/oscam_server.h"
#include "stbf/settings.h"
#include "password_hash.h"
#include "utf8.h"

namespace stbf::fw {

namespace {

constexpr size_t kUnixPathMax = 107;  // sun_path holds 108 bytes with the NUL

// ---- files ----------------------------------------------------------------------------------

bool world_readable(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0;
}

std::string dir_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// ---- names ----------------------------------------------------------------------------------

constexpr Mode kModes[] = {Mode::Ordered, Mode::Random, Mode::Scored};

struct ProbeName {
    const char* name;
    ProbeKind probe;
};
constexpr ProbeName kProbes[] = {{"tcp", ProbeKind::Tcp},
                                 {"cccam", ProbeKind::Cccam},
                                 {"newcamd", ProbeKind::Newcamd},
                                 {"expect", ProbeKind::Expect}};

constexpr const char* kLogLevels[] = {"error", "warn", "info", "debug"};

/// "ADDR:PORT" with a numeric address (IPv6 in brackets). Returns nullptr or a message.
const char* parse_addr_port(const std::string& s, std::string* addr, uint16_t* port) {
    size_t colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0) return "expected ADDR:PORT, e.g. 127.0.0.1:20001";
    const char* host = nullptr;
    size_t host_len = 0;
    if (const char* err = check_host(s.data(), colon, false, &host, &host_len)) return err;
    bool numeric = s[0] == '[';
    if (!numeric) {
        numeric = true;
        for (size_t i = 0; i < colon; ++i)
            if ((s[i] < '0' || s[i] > '9') && s[i] != '.') numeric = false;
    }
    if (!numeric) return "address must be numeric (IPv4, or IPv6 in brackets), not a name";
    if (const char* err = parse_port(s.data() + colon + 1, s.size() - colon - 1, port)) return err;
    addr->assign(host, host_len);
    return nullptr;
}

// True for 127.0.0.0/8 and [::1] listen addresses: only this box can reach them.
bool loopback_listen(const std::string& addr_port) {
    return addr_port.compare(0, 4, "127.") == 0 || addr_port.compare(0, 6, "[::1]:") == 0;
}

// ---- the loader -----------------------------------------------------------------------------

struct ImportPin {
    std::string group_name;
    uint16_t port = 0;
    JsonPath path;
};

class Loader {
public:
    Loader(Config* cfg, Globals* globals, Diagnostics* diags, std::vector<SoftcamSource>* sources,
           bool allow_imports)
        : cfg_(cfg), globals_(globals), diags_(diags), sources_(sources),
          allow_imports_(allow_imports) {}

    LoadResult load(const std::string& text, const std::string& path, FileFormat format) {
        const size_t errors_before = diags_->errors();
        *cfg_ = Config();
        *globals_ = Globals();
        add_file(path);
        const bool json_name = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
        if (format == FileFormat::Auto) format = json_name ? FileFormat::Json : detect_format(text);
        if (format == FileFormat::Json) {
            load_json(text, path);
        } else {
            GroupConfig settings;
            settings.mode = kImportedGroupMode;
            import_softcam(text, path, format, 0, settings, {});
        }
        finish(errors_before);
        return diags_->errors() > errors_before ? LoadResult::Invalid : LoadResult::Ok;
    }

private:
    // -- reporting --

    void report(Severity sev, const char* message, const std::string& more = "") {
        const LineCol lc = locate(*text_, path_);
        std::string detail = path_text(path_);
        if (!more.empty()) detail += detail.empty() ? more : " " + more;
        diags_->add(sev, SourceRef{0, lc.line}, lc.column, message, detail.data(), detail.size());
    }
    void error(const char* message, const std::string& more = "") {
        report(Severity::Error, message, more);
    }

    struct PathStep {
        PathStep(JsonPath& path, JsonStep seg) : path_(path) { path_.push_back(std::move(seg)); }
        ~PathStep() { path_.pop_back(); }
        JsonPath& path_;
    };

    // -- typed values; each reports at the current path and returns false on a bad value --

    bool get_string(const cJSON* v, std::string* out) {
        if (!cJSON_IsString(v)) {
            error("value must be a string");
            return false;
        }
        *out = v->valuestring;
        return true;
    }
    bool get_bool(const cJSON* v, bool* out) {
        if (!cJSON_IsBool(v)) {
            error("value must be true or false");
            return false;
        }
        *out = cJSON_IsTrue(v);
        return true;
    }
    template <typename T>
    bool get_int(const cJSON* v, long long min, long long max, T* out) {
        const std::string range = "(" + std::to_string(min) + ".." + std::to_string(max) + ")";
        if (!cJSON_IsNumber(v) || !std::isfinite(v->valuedouble) ||
            v->valuedouble != std::floor(v->valuedouble)) {
            error("value must be a whole number", range);
            return false;
        }
        if (v->valuedouble < static_cast<double>(min) || v->valuedouble > static_cast<double>(max)) {
            error("value is out of range", range);
            return false;
        }
        *out = static_cast<T>(v->valuedouble);
        return true;
    }
    /// Milliseconds: a number, or a string with unit ms, s, m or h.
    bool get_duration_ms(const cJSON* v, uint32_t* out) {
        constexpr double kMaxMs = 7.0 * 24 * 3600 * 1000;  // a week is more than any timer needs
        double ms = -1;
        if (cJSON_IsNumber(v)) {
            ms = v->valuedouble;
        } else if (cJSON_IsString(v)) {
            const std::string s = v->valuestring;
            size_t digits = 0;
            while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
            const std::string unit = s.substr(digits);
            double scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000
                         : unit == "h" ? 3600000 : 0;
            if (digits > 0 && digits <= 9 && scale > 0) ms = std::stod(s.substr(0, digits)) * scale;
        }
        if (!(ms >= 0 && ms <= kMaxMs) || ms != std::floor(ms)) {
            error("value must be a duration: milliseconds, or a string like \"500ms\", \"2s\", \"1m\"");
            return false;
        }
        *out = static_cast<uint32_t>(ms);
        return true;
    }
    /// A whole number in the range settings.h gives `which`.
    template <typename T>
    bool get_setting(const cJSON* v, Setting which, T* out) {
        return get_in_range(v, setting_range(which), out);
    }
    template <typename T>
    bool get_setting(const cJSON* v, CapacitySetting which, T* out) {
        return get_in_range(v, capacity_range(which), out);
    }
    template <typename T>
    bool get_in_range(const cJSON* v, const SettingRange& r, T* out) {
        return get_int(v, r.min, r.max, out);
    }
    /// A duration (as get_duration_ms) in the range settings.h gives `which`.
    bool get_duration_setting(const cJSON* v, Setting which, uint32_t* out) {
        uint32_t ms = 0;
        if (!get_duration_ms(v, &ms)) return false;
        if (!setting_ok(which, ms)) {
            const SettingRange& r = setting_range(which);
            error("value is out of range",
                  "(" + std::to_string(r.min) + ".." + std::to_string(r.max) + " ms)");
            return false;
        }
        *out = ms;
        return true;
    }
    bool get_object(const cJSON* v, const char* what) {
        if (cJSON_IsObject(v)) return true;
        error(what);
        return false;
    }

    /// Calls known(key, value) for every member that is not a "//" comment; a key known()
    /// does not take, or a key given twice, is an error at that key.
    template <typename Fn>
    void members(const cJSON* obj, Fn&& known) {
        for (const cJSON* c = obj->child; c != nullptr; c = c->next) {
            const std::string key = c->string != nullptr ? c->string : "";
            if (key.rfind("//", 0) == 0) continue;
            int occurrence = 0;
            for (const cJSON* e = obj->child; e != c; e = e->next)
                if (e->string != nullptr && key == e->string) ++occurrence;
            PathStep step(path_, JsonStep{key, -1, occurrence});
            if (occurrence > 0) {
                error("key is given twice");
                continue;
            }
            if (key == "password" || key == "key" || key == "pass") {
                error("secrets do not belong in stbfailover.json (the softcam logs in through the relay)");
                continue;
            }
            if (!known(key, c)) error("unknown key");
        }
    }

    // -- group settings (shared by defaults, groups and imports) --

    void read_check(const cJSON* obj, HealthSettings* h) {
        if (!get_object(obj, "check must be an object")) return;
        bool interval_given = false;
        members(obj, [&](const std::string& k, const cJSON* v) {
            if (k == "interval_s" || k == "inter") {
                if (interval_given) {
                    error("give interval_s or inter, not both");
                    return true;
                }
                interval_given = true;
                uint32_t s = 0;
                if (k == "interval_s") {
                    // inter's range in whole seconds: the table stays the one source.
                    const SettingRange& r = setting_range(Setting::Inter);
                    if (get_int(v, (r.min + 999) / 1000, r.max / 1000, &s)) h->inter_ms = s * 1000;
                } else {
                    get_duration_setting(v, Setting::Inter, &h->inter_ms);
                }
            } else if (k == "fastinter") {
                get_duration_setting(v, Setting::FastInter, &h->fastinter_ms);
            } else if (k == "downinter") {
                get_duration_setting(v, Setting::DownInter, &h->downinter_ms);
            } else if (k == "downinter_max") {
                get_duration_setting(v, Setting::DownInterMax, &h->downinter_max_ms);
            } else if (k == "timeout") {
                get_duration_setting(v, Setting::Timeout, &h->timeout_ms);
            } else if (k == "slowstart") {
                get_duration_setting(v, Setting::SlowStart, &h->slowstart_ms);
            } else if (k == "early_close") {
                get_duration_setting(v, Setting::EarlyClose, &h->early_close_ms);
            } else if (k == "rise") {
                get_setting(v, Setting::Rise, &h->rise);
            } else if (k == "fall") {
                get_setting(v, Setting::Fall, &h->fall);
            } else if (k == "jitter_pct") {
                get_setting(v, Setting::JitterPct, &h->jitter_pct);
            } else if (k == "probe_live") {
                get_bool(v, &h->probe_live);
            } else {
                return false;
            }
            return true;
        });
    }

    void read_session(const cJSON* obj, SessionSettings* s) {
        if (!get_object(obj, "session must be an object")) return;
        members(obj, [&](const std::string& k, const cJSON* v) {
            if (k == "connect_timeout_ms") {
                get_setting(v, Setting::ConnectTimeout, &s->connect_timeout_ms);
            } else if (k == "race") {
                get_bool(v, &s->race);
            } else if (k == "race_stagger_ms") {
                get_setting(v, Setting::RaceStagger, &s->race_stagger_ms);
            } else if (k == "hang_timeout_ms") {
                get_setting(v, Setting::HangTimeout, &s->hang_timeout_ms);
            } else if (k == "idle_timeout_s") {
                get_setting(v, Setting::IdleTimeout, &s->idle_timeout_s);
            } else if (k == "max_sessions") {
                get_setting(v, Setting::MaxSessions, &s->max_sessions);
            } else if (k == "max_attempts") {
                get_setting(v, Setting::MaxAttempts, &s->max_attempts);
            } else {
                return false;
            }
            return true;
        });
    }

    void read_score(const cJSON* obj, ScoreSettings* s) {
        if (!get_object(obj, "score must be an object")) return;
        members(obj, [&](const std::string& k, const cJSON* v) {
            if (k == "ewma_shift") {
                get_setting(v, Setting::EwmaShift, &s->ewma_shift);
            } else if (k == "reexplore_ms") {
                get_setting(v, Setting::Reexplore, &s->reexplore_ms);
            } else {
                return false;
            }
            return true;
        });
    }

    /// mode, sticky, slots, slot_share, check, session, score. False if `k` is none of them.
    bool group_setting(const std::string& k, const cJSON* v, GroupConfig* g) {
        if (k == "mode") {
            std::string name;
            if (!get_string(v, &name)) return true;
            for (Mode m : kModes) {
                if (name == mode_name(m)) {
                    g->mode = m;
                    return true;
                }
            }
            error("mode must be ordered, random or scored");
        } else if (k == "sticky") {
            get_bool(v, &g->sticky);
        } else if (k == "slots") {
            get_setting(v, Setting::Slots, &g->slots);
        } else if (k == "slot_share") {
            get_bool(v, &g->slot_share);
        } else if (k == "check") {
            read_check(v, &g->health);
        } else if (k == "session") {
            read_session(v, &g->session);
        } else if (k == "score") {
            read_score(v, &g->score);
        } else {
            return false;
        }
        return true;
    }

    // -- servers and groups --

    bool read_hex(const cJSON* v, uint8_t* out, uint8_t* out_len) {
        std::string s;
        if (!get_string(v, &s)) return false;
        if (s.size() % 2 != 0 || s.size() / 2 > STBF_EXPECT_MAX ||
            parse_hex_bytes(s.data(), s.size(), out, s.size() / 2) != nullptr) {
            error("value must be hex digits, at most 32 bytes");
            return false;
        }
        *out_len = static_cast<uint8_t>(s.size() / 2);
        return true;
    }

    /// A string that must fit a FixedString of capacity `max`.
    template <size_t N>
    bool get_fixed(const cJSON* v, FixedString<N>* out, const char* too_long) {
        std::string text;
        if (!get_string(v, &text)) return false;
        if (text.empty() || !out->assign(text.c_str())) {
            error(too_long);
            return false;
        }
        return true;
    }

    bool get_pin(const cJSON* v, std::string* text, uint8_t out[32]) {
        if (!get_string(v, text)) return false;
        if (parse_pin_sha256(*text, out)) return true;
        error("pin_sha256 must be the SHA-256 of the server's public key: 64 hex digits or 44 "
              "base64 characters");
        return false;
    }

    bool get_ca_file(const cJSON* v, std::string* out) {
        if (!get_string(v, out)) return false;
        if (out->empty() || (*out)[0] != '/' || out->size() > STBF_TLS_PATH_MAX) {
            error("ca_file must be an absolute path of at most 127 bytes");
            return false;
        }
        return true;
    }

    /// "tls": true | false | {sni, ca_file, pin_sha256, verify}.
    bool read_tls(const cJSON* v, ServerTls* t) {
        if (cJSON_IsBool(v)) {
            t->enabled = cJSON_IsTrue(v);
            return true;
        }
        if (!get_object(v, "tls must be true, false or an object {\"sni\", \"ca_file\", "
                           "\"pin_sha256\", \"verify\"}"))
            return false;
        t->enabled = true;
        bool ok = true;
        members(v, [&](const std::string& k, const cJSON* tv) {
            std::string text;
            if (k == "sni") {
                ok = get_fixed(tv, &t->sni, "sni must be a name of 1..127 bytes") && ok;
            } else if (k == "ca_file") {
                ok = get_ca_file(tv, &text) && t->ca_file.assign(text.c_str()) && ok;
            } else if (k == "pin_sha256") {
                t->has_pin = get_pin(tv, &text, t->pin_sha256);
                ok = t->has_pin && ok;
            } else if (k == "verify") {
                ok = get_bool(tv, &t->verify) && ok;
            } else {
                return false;
            }
            return true;
        });
        if (!t->verify && (t->has_pin || !t->ca_file.empty())) {
            error("tls.verify false cannot be combined with ca_file or pin_sha256 (remove one)");
            return false;
        }
        if (!t->verify)
            report(Severity::Warning,
                   "TLS certificate verification is off for this server: anyone on the path can "
                   "pose as it");
        return ok;
    }

    /// "source": {url, pin_sha256, ca_file, sni, refresh_s, format, name (top level only)}.
    void read_source(const cJSON* obj, const std::string& group) {
        if (!get_object(obj, "source must be an object {\"url\": \"https://...\", ...}")) return;
        SourceSpec spec;
        spec.group = group;
        spec.settings = defaults_;
        if (!defaults_mode_given_) spec.settings.mode = kImportedGroupMode;
        bool has_url = false, url_key = false;
        members(obj, [&](const std::string& k, const cJSON* v) {
            std::string text;
            uint8_t pin[32];
            if (k == "url") {
                url_key = true;
                if (!get_string(v, &text)) return true;
                const bool bad_char = std::any_of(text.begin(), text.end(), [](char c) {
                    return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
                });
                if (text.rfind("https://", 0) != 0 || text.size() <= 8 || text[8] == '/' || bad_char)
                    error("url must be an https:// URL without spaces (plain http is refused)");
                else
                    spec.url = text, has_url = true;
            } else if (k == "pin_sha256") {
                if (get_pin(v, &text, pin)) spec.pin_sha256 = text;
            } else if (k == "ca_file") {
                if (get_ca_file(v, &text)) spec.ca_file = text;
            } else if (k == "sni") {
                if (get_string(v, &text)) {
                    if (text.empty() || text.size() > STBF_TLS_NAME_MAX)
                        error("sni must be a name of 1..127 bytes");
                    else
                        spec.sni = text;
                }
            } else if (k == "refresh_s") {
                get_int(v, 60, 7 * 24 * 3600, &spec.refresh_s);
            } else if (k == "format") {
                if (get_string(v, &text)) {
                    if (text == "auto") spec.format = FileFormat::Auto;
                    else if (text == "json") spec.format = FileFormat::Json;
                    else if (text == "cccam") spec.format = FileFormat::Cccam;
                    else error("format must be auto, json or cccam");
                }
            } else if (k == "name" && group.empty()) {
                if (get_string(v, &text)) {
                    FixedString<STBF_NAME_MAX> fits;
                    if (text.empty() || !fits.assign(text.c_str()))
                        error("name must be 1..47 bytes");
                    else
                        spec.name = text;
                }
            } else {
                return false;
            }
            return true;
        });
        if (!url_key) error("source needs \"url\"");
        if (!has_url) return;
        spec.where = std::string(cfg_->files[0].c_str()) + ":" +
                     std::to_string(locate(*text_, path_).line);
        for (const SourceSpec& other : globals_->sources)
            if (other.url == spec.url) error("this url is already a source");
        globals_->sources.push_back(spec);
    }

    void read_server(const cJSON* obj, GroupConfig* g) {
        if (!get_object(obj, "server must be an object")) return;
        ServerConfig s;
        bool has_host = false, has_port = false, probe_given = false, ok = true;
        bool host_key = false, port_key = false;
        members(obj, [&](const std::string& k, const cJSON* v) {
            std::string text;
            host_key = host_key || k == "host";
            port_key = port_key || k == "port";
            if (k == "host") {
                if (!get_string(v, &text)) {
                    ok = false;
                    return true;
                }
                const char* h = nullptr;
                size_t hl = 0;
                if (const char* err = check_host(text.data(), text.size(), true, &h, &hl)) {
                    error(err);
                    ok = false;
                } else {
                    has_host = s.host.assign(h, hl);
                }
            } else if (k == "port") {
                has_port = get_int(v, 1, 65535, &s.port);
            } else if (k == "protocol") {
                if (get_string(v, &text) &&
                    !protocol_from_name(text.data(), text.size(), &s.protocol)) {
                    error("protocol must be tcp, cccam, newcamd, newcamd524, cs378x or camd35");
                    ok = false;
                }
            } else if (k == "label") {
                if (get_string(v, &text) && !s.label.assign(text.c_str())) {
                    error("label is longer than 47 bytes");
                    ok = false;
                }
            } else if (k == "user") {
                if (get_string(v, &text) && !s.user.assign(text.c_str())) {
                    error("user is longer than 63 bytes");
                    ok = false;
                }
            } else if (k == "max_sessions") {
                // Like HAProxy's maxconn: at most this many sessions on the server (0 = no
                // limit of its own); over it, new sessions go to the next candidate.
                ok = get_int(v, 0, 65535, &s.max_sessions) && ok;
            } else if (k == "weight") {
                ok = get_int(v, 1, 65535, &s.weight) && ok;
            } else if (k == "priority") {
                ok = get_int(v, 0, 255, &s.priority) && ok;
            } else if (k == "backup") {
                ok = get_bool(v, &s.backup) && ok;
            } else if (k == "enabled") {
                ok = get_bool(v, &s.enabled) && ok;
            } else if (k == "probe") {
                probe_given = true;
                bool known = false;
                if (get_string(v, &text)) {
                    for (const ProbeName& p : kProbes)
                        if (text == p.name) s.probe = p.probe, known = true;
                    if (!known) error("probe must be tcp, cccam, newcamd or expect");
                }
                ok = known && ok;
            } else if (k == "tls") {
                ok = read_tls(v, &s.tls) && ok;
            } else if (k == "expect") {
                if (!get_object(v, "expect must be an object")) return true;
                members(v, [&](const std::string& ek, const cJSON* ev) {
                    if (ek == "send") {
                        ok = read_hex(ev, s.expect_send, &s.expect_send_len) && ok;
                    } else if (ek == "prefix") {
                        ok = read_hex(ev, s.expect_prefix, &s.expect_prefix_len) && ok;
                    } else if (ek == "length") {
                        ok = get_int(ev, 0, STBF_RELAY_BUFFER, &s.expect_len) && ok;
                    } else {
                        return false;
                    }
                    return true;
                });
            } else {
                return false;
            }
            return true;
        });
        if (!host_key) error("server needs \"host\"");
        if (!port_key) error("server needs \"port\" (1..65535)");
        if (!has_host || !has_port || !ok) return;
        if (!probe_given) s.probe = default_probe(s.protocol);
        if (s.probe == ProbeKind::Expect && s.expect_prefix_len == 0 && s.expect_len == 0)
            error("probe expect needs expect.prefix or expect.length");
        if (s.label.empty()) set_default_label(&s);
        s.source = SourceRef{0, locate(*text_, path_).line};
        if (cfg_->server_count >= STBF_MAX_SERVERS) {
            error("too many servers: a config takes at most " STBF_STRINGIFY(STBF_MAX_SERVERS));
            return;
        }
        if (g->server_count >= STBF_MAX_SERVERS_PER_GROUP) {
            error("too many servers in one group; raise STBF_MAX_SERVERS_PER_GROUP");
            return;
        }
        g->servers[g->server_count++] = cfg_->server_count;
        cfg_->servers[cfg_->server_count++] = s;
    }

    void read_listen(const cJSON* v, GroupConfig* g) {
        if (cJSON_IsString(v)) {
            std::string addr;
            if (const char* err = parse_addr_port(v->valuestring, &addr, &g->listen_port)) {
                error(err);
                return;
            }
            g->listen_addr.assign(addr.c_str());
            g->listen_pinned = true;
        } else if (get_int(v, 1, 65535, &g->listen_port)) {
            g->listen_pinned = true;
        }
    }

    void read_group(const cJSON* obj) {
        if (!get_object(obj, "group must be an object")) return;
        if (cfg_->group_count >= STBF_MAX_GROUPS) {
            error("too many groups: a config takes at most " STBF_STRINGIFY(STBF_MAX_GROUPS));
            return;
        }
        GroupConfig g = defaults_;
        bool has_servers = false, has_name = false;
        const cJSON* source = nullptr;
        JsonPath source_path;
        members(obj, [&](const std::string& k, const cJSON* v) {
            if (k == "name") {
                std::string name;
                if (!get_string(v, &name)) return true;
                if (name.empty() || !g.name.assign(name.c_str())) {
                    error("name must be 1..47 bytes");
                } else if (name_used(name)) {
                    error("group name is used twice");
                } else {
                    has_name = true;
                }
            } else if (k == "listen") {
                read_listen(v, &g);
            } else if (k == "servers") {
                has_servers = true;
                if (!cJSON_IsArray(v)) {
                    error("servers must be an array");
                    return true;
                }
                int i = 0;
                for (const cJSON* e = v->child; e != nullptr; e = e->next, ++i) {
                    PathStep step(path_, JsonStep{"", i, 0});
                    read_server(e, &g);
                }
                if (i == 0 && cJSON_GetObjectItemCaseSensitive(obj, "source") == nullptr)
                    error("group has no servers");
            } else if (k == "source") {
                source = v;
                source_path = path_;
            } else {
                return group_setting(k, v, &g);
            }
            return true;
        });
        if (!has_name) error("group needs \"name\"");
        if (!has_servers && source == nullptr) error("group needs \"servers\" or \"source\"");
        if (!has_name) return;
        if (source != nullptr) {
            JsonPath here = path_;
            path_ = source_path;
            read_source(source, g.name.c_str());
            path_ = here;
        }
        g.identity = name_identity(g.name.c_str(), g.name.size());
        g.source = SourceRef{0, locate(*text_, path_).line};
        cfg_->groups[cfg_->group_count++] = g;
    }

    bool name_used(const std::string& name) const {
        for (uint16_t i = 0; i < cfg_->group_count; ++i)
            if (name == cfg_->groups[i].name.c_str()) return true;
        return false;
    }

    void read_import(const cJSON* obj, const std::string& json_path) {
        if (!get_object(obj, "import entry must be an object")) return;
        GroupConfig settings = defaults_;
        if (!defaults_mode_given_) settings.mode = kImportedGroupMode;  // fleet evidence: model.h
        std::string file;
        FileFormat format = FileFormat::Auto;
        bool optional = false;
        std::vector<ImportPin> pins;
        JsonPath file_path;
        std::string discover_root;  // "" = no discovery
        JsonPath discover_path;
        members(obj, [&](const std::string& k, const cJSON* v) {
            std::string text;
            if (k == "discover") {
                bool on = false;
                if (cJSON_IsString(v) && get_string(v, &text)) {
                    if (text.empty() || text[0] != '/') error("discover must be true or an absolute root folder");
                    else discover_root = text;
                } else if (get_bool(v, &on) && on) {
                    discover_root = "/";
                }
                discover_path = path_;
            } else if (k == "file") {
                if (get_string(v, &text)) {
                    if (text.empty()) error("file must not be empty");
                    file = text;
                    file_path = path_;
                }
            } else if (k == "optional") {
                get_bool(v, &optional);
            } else if (k == "format") {
                if (get_string(v, &text)) {
                    if (text == "auto") format = FileFormat::Auto;
                    else if (text == "cccam") format = FileFormat::Cccam;
                    else if (text == "oscam") format = FileFormat::Oscam;
                    else error("format must be auto, cccam or oscam");
                }
            } else if (k == "listen") {
                if (!get_object(v, "listen must be an object {\"group name\": port}")) return true;
                members(v, [&](const std::string& name, const cJSON* pv) {
                    ImportPin pin;
                    if (get_int(pv, 1, 65535, &pin.port)) {
                        pin.group_name = name;
                        pin.path = path_;
                        pins.push_back(pin);
                    }
                    return true;
                });
            } else {
                return group_setting(k, v, &settings);
            }
            return true;
        });
        JsonPath here = path_;
        if (!discover_root.empty()) {
            if (!file.empty()) error("an import entry has \"file\" or \"discover\", not both");
            path_ = discover_path;
            if (!allow_imports_) {
                error("imports are not read here");
            } else {
                const std::vector<SoftcamConfigFile> found = discover_softcam_configs(discover_root);
                if (found.empty())
                    report(Severity::Note, "no softcam config found on this box (see discovery.h)");
                for (const SoftcamConfigFile& f : found)
                    import_file(f.path, f.format, settings, pins, true, true);
            }
            path_ = here;
            return;
        }
        if (file.empty()) {
            if (file_path.empty()) error("import entry needs \"file\" or \"discover\"");
            return;
        }
        path_ = file_path;
        const std::string resolved = file[0] == '/' ? file : dir_of(json_path) + "/" + file;
        import_file(resolved, format, settings, pins, optional, false);
        path_ = here;
    }

    // One softcam file of an import entry. `discovered`: found by discovery, so a file that
    // stbfailover setup already rewrote is skipped with a note (importing it would be a loop;
    // setup wrote its servers into the JSON config).
    void import_file(const std::string& resolved, FileFormat format, const GroupConfig& settings,
                     const std::vector<ImportPin>& pins, bool optional, bool discovered) {
        std::string text, why;
        struct stat st {};
        if (!allow_imports_) {
            error("imports are not read here");
        } else if (optional && ::stat(resolved.c_str(), &st) != 0 && errno == ENOENT) {
            report(Severity::Note, "optional import file does not exist; skipped", resolved);
        } else if (!read_text_file(resolved, &text, &why)) {
            error("cannot read imported file", resolved + ": " + why);
        } else {
            if (format == FileFormat::Auto) format = detect_format(text);
            if (format == FileFormat::Json) {
                error("imported file looks like JSON; import takes a CCcam.cfg or oscam.server");
            } else if (discovered && is_rewritten_softcam_config(text)) {
                report(Severity::Note,
                       "softcam config was rewritten by stbfailover setup; not imported again",
                       resolved);
            } else if (cfg_->file_count >= STBF_MAX_FILES) {
                error("too many files; raise STBF_MAX_FILES");
            } else {
                uint8_t index = add_file(resolved);
                import_softcam(text, resolved, format, index, settings, pins);
            }
        }
    }

    // -- softcam files --

    void import_softcam(const std::string& text, const std::string& path, FileFormat format,
                        uint8_t file, const GroupConfig& settings,
                        const std::vector<ImportPin>& pins) {
        const size_t first_server = cfg_->server_count;
        const size_t first_group = cfg_->group_count;
        ImportSummary summary;
        summary.path = path;
        // The parsers index spans by server index (`all`); own[i] is server first_server + i.
        std::unique_ptr<SourceSpan[]> all(new SourceSpan[STBF_MAX_SERVERS]);
        std::unique_ptr<SourceSpan[]> spans(new SourceSpan[STBF_MAX_SERVERS]);
        SourceSpan* own = spans.get();
        if (format == FileFormat::Oscam)
            parse_oscam_server(text.data(), text.size(), file, cfg_, diags_, all.get(),
                               &summary.counts);
        else
            parse_cccam_cfg(text.data(), text.size(), file, cfg_, diags_, all.get(),
                            &summary.counts);
        for (size_t i = first_server; i < cfg_->server_count; ++i) own[i - first_server] = all[i];
        if (cfg_->server_count > first_server) {
            if (world_readable(path))
                diags_->add(Severity::Warning, SourceRef{file, 0}, 0,
                            "file holds passwords and every user of the box can read it "
                            "(chmod 600)");
        } else {
            diags_->add(Severity::Warning, SourceRef{file, 0}, 0,
                        "file has no server stbfailover can use");
        }
        const size_t parsed = cfg_->server_count;
        group_by_account(cfg_, first_server, settings, diags_, own);
        summary.counts.skipped += parsed - cfg_->server_count;  // did not fit a group
        summary.counts.imported = cfg_->server_count - first_server;
        globals_->imports.push_back(summary);
        for (const ImportPin& pin : pins) {
            bool found = false;
            for (size_t g = first_group; g < cfg_->group_count; ++g) {
                GroupConfig& gc = cfg_->groups[g];
                if (pin.group_name == gc.name.c_str()) {
                    gc.listen_port = pin.port;
                    gc.listen_pinned = true;
                    found = true;
                }
            }
            if (!found) {
                JsonPath here = path_;
                path_ = pin.path;
                error("no group of this import has this name (see stbfailover check)");
                path_ = here;
            }
        }
        if (sources_ != nullptr) {
            SoftcamSource src;
            src.path = path;
            src.text = text;
            src.format = format;
            src.first_server = static_cast<uint8_t>(first_server);
            src.spans.assign(spans.get(), spans.get() + (cfg_->server_count - first_server));
            sources_->push_back(std::move(src));
        }
    }

    // -- the JSON file --

    void load_json(const std::string& text, const std::string& path) {
        text_ = &text;
        const char* end = nullptr;
        std::unique_ptr<cJSON, void (*)(cJSON*)> root(
            cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, false), cJSON_Delete);
        if (!root) {
            size_t offset = end != nullptr && end >= text.data() ? end - text.data() : 0;
            const LineCol lc = line_col(text, offset);
            diags_->add(Severity::Error, SourceRef{0, lc.line}, lc.column,
                        "JSON syntax error (check commas, quotes and brackets near here)");
            return;
        }
        size_t trailing = end != nullptr ? end - text.data() : text.size();
        while (trailing < text.size() && std::strchr(" \t\r\n", text[trailing]) != nullptr &&
               text[trailing] != '\0')
            ++trailing;
        if (trailing < text.size()) {
            const LineCol lc = line_col(text, trailing);
            diags_->add(Severity::Error, SourceRef{0, lc.line}, lc.column,
                        "text after the end of the JSON object");
        }
        if (!get_object(root.get(), "config must be a JSON object { ... }")) return;
        // defaults first: groups and imports start from them wherever "defaults" is written
        for (const cJSON* c = root->child; c != nullptr; c = c->next) {
            if (c->string != nullptr && std::strcmp(c->string, "defaults") == 0) {
                PathStep step(path_, JsonStep{"defaults", -1, 0});
                if (get_object(c, "defaults must be an object"))
                    members(c, [&](const std::string& k, const cJSON* v) {
                        return group_setting(k, v, &defaults_);
                    });
                defaults_mode_given_ = cJSON_GetObjectItemCaseSensitive(c, "mode") != nullptr;
                break;
            }
        }
        const cJSON* imports = nullptr;
        const cJSON* top_source = nullptr;
        JsonPath top_source_path;
        members(root.get(), [&](const std::string& k, const cJSON* v) {
            std::string s;
            if (k == "defaults") {
                // read above
            } else if (k == "control_socket") {
                if (get_string(v, &s)) {
                    if (s.empty() || s[0] != '/' || s.size() > kUnixPathMax)
                        error("control_socket must be an absolute path of at most 107 bytes");
                    else
                        globals_->control_socket = s;
                }
            } else if (k == "metrics_listen") {
                std::string addr;
                uint16_t port = 0;
                if (get_string(v, &s)) {
                    if (s.empty()) {
                        globals_->metrics_listen.clear();
                    } else if (const char* err = parse_addr_port(s, &addr, &port)) {
                        error(err);
                    } else {
                        globals_->metrics_listen = s;
                    }
                }
            } else if (k == "web_listen") {
                // Opt-in web status page: "PORT" (loopback) or "ADDR:PORT".
                std::string addr;
                uint16_t port = 0;
                if (get_string(v, &s)) {
                    const bool port_only = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
                    const std::string full = port_only ? "127.0.0.1:" + s : s;
                    if (s.empty())
                        globals_->web_listen.clear();
                    else if (const char* err = parse_addr_port(full, &addr, &port))
                        error(err);
                    else
                        globals_->web_listen = full;
                }
            } else if (k == "web_password") {
                if (get_string(v, &s)) {
                    if (!s.empty() && !stbf::daemon::valid_password_hash(s))
                        error("web_password must be a hash made by `stbfailover passwd`, never the "
                              "password itself");
                    else
                        globals_->web_password = s;
                }
            } else if (k == "log_level") {
                if (get_string(v, &s)) {
                    if (std::find_if(std::begin(kLogLevels), std::end(kLogLevels),
                                     [&](const char* l) { return s == l; }) == std::end(kLogLevels))
                        error("log_level must be error, warn, info or debug");
                    else
                        globals_->log_level = s;
                }
            } else if (k == "listen_port_base") {
                get_int(v, 1, 65535, &cfg_->listen_port_base);
            } else if (k == "cache_dir") {
                if (get_string(v, &s)) {
                    if (s.empty() || s[0] != '/')
                        error("cache_dir must be an absolute path");
                    else
                        globals_->cache_dir = s;
                }
            } else if (k == "source") {
                top_source = v;
                top_source_path = path_;
            } else if (k == "seed") {
                get_int(v, 0, 9007199254740991LL, &cfg_->seed);
            } else if (k == "capacity") {
                read_capacity(v);
            } else if (k == "groups") {
                if (!cJSON_IsArray(v)) {
                    error("groups must be an array");
                    return true;
                }
                int i = 0;
                for (const cJSON* e = v->child; e != nullptr; e = e->next, ++i) {
                    PathStep step(path_, JsonStep{"", i, 0});
                    read_group(e);
                }
            } else if (k == "import") {
                if (!cJSON_IsArray(v))
                    error("import must be an array");
                else
                    imports = v;
            } else {
                return false;
            }
            return true;
        });
        if (!globals_->web_listen.empty() && globals_->web_password.empty() &&
            !loopback_listen(globals_->web_listen))
            diags_->add(Severity::Error, SourceRef{0, 1}, 0,
                        "web_listen on a non-loopback address needs web_password (make one with "
                        "`stbfailover passwd`)");
        if (top_source != nullptr) {  // after "defaults" and the groups, whatever the key order
            path_ = top_source_path;
            read_source(top_source, "");
            path_.clear();
        }
        // imports after the JSON groups, so an imported group never takes a JSON group's name
        if (imports != nullptr) {
            PathStep step(path_, JsonStep{"import", -1, 0});
            int i = 0;
            for (const cJSON* e = imports->child; e != nullptr; e = e->next, ++i) {
                PathStep item(path_, JsonStep{"", i, 0});
                read_import(e, path);
            }
        }
    }

    // A name that is not UTF-8 would break the status JSON, /metrics and the web page later.
    void check_name(const SourceRef& where, const char* what, const char* name, size_t len) {
        size_t at = 0;
        const char* why = stbf::daemon::name_problem(name, len, &at);
        if (why[0] == '\0') return;
        // The message must be a static string (diagnostics keep the pointer); the detail is
        // copied.
        const char* message = why[0] == 'c' ? "control character in a name"
                                            : "invalid UTF-8 in a name (save the file as UTF-8)";
        const std::string detail = std::string(what) + ", byte " + std::to_string(at);
        diags_->add(Severity::Error, where, 0, message, detail.data(), detail.size());
    }

    // "capacity": {"servers": N, "groups": N, "sessions": N}: the engine's tables, sized once
    // at start (a reload cannot grow them).
    void read_capacity(const cJSON* v) {
        if (!get_object(v, "capacity must be an object")) return;
        members(v, [&](const std::string& k, const cJSON* m) {
            if (k == "servers")
                get_setting(m, CapacitySetting::Servers, &cfg_->capacity.servers);
            else if (k == "groups")
                get_setting(m, CapacitySetting::Groups, &cfg_->capacity.groups);
            else if (k == "sessions")
                get_setting(m, CapacitySetting::Sessions, &cfg_->capacity.sessions);
            else
                return false;
            return true;
        });
    }

    // What the engine's tables cannot hold: JSON groups and servers above the capacity are an
    // error (imports already stopped at it, with a warning per skipped entry); a group's
    // max_sessions above the daemon-wide sessions can never be reached.
    void check_capacity() {
        const Capacity& c = cfg_->capacity;
        if (cfg_->server_count > c.servers)
            diags_->add(Severity::Error, cfg_->servers[c.servers].source, 0,
                        "more servers than capacity.servers; raise \"capacity\": {\"servers\": "
                        "N} (at most " STBF_STRINGIFY(STBF_MAX_SERVERS) ")");
        if (cfg_->group_count > c.groups)
            diags_->add(Severity::Error, cfg_->groups[c.groups].source, 0,
                        "more groups than capacity.groups; raise \"capacity\": {\"groups\": N} "
                        "(at most " STBF_STRINGIFY(STBF_MAX_GROUPS) ")");
        for (uint16_t g = 0; g < cfg_->group_count; ++g) {
            const GroupConfig& gc = cfg_->groups[g];
            if (gc.session.max_sessions > c.sessions) {
                const std::string detail = "group " + std::string(gc.name.c_str()) + ": " +
                                           std::to_string(gc.session.max_sessions) + " > " +
                                           std::to_string(c.sessions);
                diags_->add(Severity::Warning, gc.source, 0,
                            "max_sessions is above capacity.sessions, which all groups share: "
                            "the group gets at most capacity.sessions",
                            detail.data(), detail.size());
            }
        }
    }

    void finish(size_t errors_before) {
        check_capacity();
        for (uint16_t g = 0; g < cfg_->group_count; ++g) {
            const GroupConfig& gc = cfg_->groups[g];
            check_name(gc.source, "group name", gc.name.c_str(), gc.name.size());
        }
        for (uint16_t i = 0; i < cfg_->server_count; ++i) {
            const ServerConfig& s = cfg_->servers[i];
            check_name(s.source, "server label", s.label.c_str(), s.label.size());
            check_name(s.source, "user", s.user.c_str(), s.user.size());
        }
        assign_listen_ports(cfg_, diags_);
        // A server on this box at one of our own listen ports would relay to itself: that is
        // what a softcam file rewritten by `import --softcam-config` looks like when imported.
        for (uint16_t i = 0; i < cfg_->server_count; ++i) {
            const ServerConfig& s = cfg_->servers[i];
            const char* h = s.host.c_str();
            const bool loopback = std::strncmp(h, "127.", 4) == 0 || std::strcmp(h, "::1") == 0 ||
                                  equals_nocase(h, s.host.size(), "localhost");
            for (uint8_t g = 0; loopback && g < cfg_->group_count; ++g) {
                bool own = false;  // a listen port or any slot port of the group
                for (size_t k = 0; k < STBF_MAX_SLOTS; ++k)
                    own = own || (cfg_->groups[g].slot_ports[k] != 0 &&
                                  cfg_->groups[g].slot_ports[k] == s.port);
                if (cfg_->groups[g].listen_port == s.port || own) {
                    diags_->add(Severity::Error, s.source, 0,
                                "server is stbfailover's own listen port of group (a loop; was "
                                "this file rewritten by import --softcam-config?)",
                                cfg_->groups[g].name.c_str(), cfg_->groups[g].name.size());
                    break;
                }
            }
        }
        if (cfg_->group_count == 0 && diags_->errors() == errors_before)
            diags_->add(Severity::Warning, SourceRef{0, 0}, 0,
                        "config has no groups: stbfailover will relay nothing");
    }

    uint8_t add_file(const std::string& path) {
        const uint8_t index = cfg_->file_count++;
        assign_cut(&cfg_->files[index], path.data(), path.size());
        return index;
    }

    Config* cfg_;
    Globals* globals_;
    Diagnostics* diags_;
    std::vector<SoftcamSource>* sources_;
    bool allow_imports_;
    const std::string* text_ = nullptr;
    JsonPath path_;
    GroupConfig defaults_;
    bool defaults_mode_given_ = false;
};

}  // namespace

const char* format_name(FileFormat f) {
    switch (f) {
        case FileFormat::Auto: return "auto";
        case FileFormat::Json: return "json";
        case FileFormat::Cccam: return "cccam";
        case FileFormat::Oscam: return "oscam";
    }
    return "auto";
}

FileFormat detect_format(const std::string& text) {
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') return FileFormat::Json;
    LineReader lines(text.data(), text.size());
    TextLine line;
    while (lines.next(&line)) {
        size_t p = skip_blanks(line.text, line.len, 0);
        if (p < line.len && line.text[p] == '[') return FileFormat::Oscam;
    }
    return FileFormat::Cccam;
}

LoadResult load_config_text(const std::string& text, const char* path, FileFormat format,
                            Config* out, Globals* globals, Diagnostics* diags,
                            std::vector<SoftcamSource>* sources, bool allow_imports) {
    Loader loader(out, globals, diags, sources, allow_imports);
    return loader.load(text, path, format);
}

LoadResult load_config(const char* path, Config* out, Globals* globals, Diagnostics* diags,
                       std::vector<SoftcamSource>* sources) {
    std::string text, why;
    if (!read_text_file(path, &text, &why)) {
        *out = Config();
        *globals = Globals();
        out->file_count = 1;
        assign_cut(&out->files[0], path, std::strlen(path));
        diags->add(Severity::Error, SourceRef{0, 0}, 0, "cannot read config file", why.data(),
                   why.size());
        return LoadResult::Unreadable;
    }
    return load_config_text(text, path, FileFormat::Auto, out, globals, diags, sources, true);
}

}  // namespace stbf::fw
