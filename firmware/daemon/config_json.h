// Config loader: reads stbfailover.json (or a CCcam.cfg / oscam.server given directly) into the
// core's Config plus the daemon's globals, and reports every problem with its place. Its
// neighbours: json_locate.h (where a key sits), config_diagnostics.h (messages as text),
// config_writer.h (a Config back as JSON), config_tls.h (pins), config_sources.h (provider
// lists), text_file.h (reading a file).
//
// stbfailover.json (every key optional unless marked; see conf/stbfailover.json, annotated):
//   {
//     "control_socket": "/var/run/stbfailover.sock",
//     "metrics_listen": "",                  // "ADDR:PORT" (numeric, IPv6 in brackets); "" = off
//     "log_level": "info",                   // error | warn | info | debug
//     "listen_port_base": 20000,             // first port derived for groups without "listen"
//     "seed": 0,                             // 0 = random per box (tests pin it)
//     "defaults": { <group settings> },      // applied to every group and import below
//     "groups": [ { "name": "sky" (required), "listen": 20001 | "127.0.0.1:20001",
//                   <group settings>, "servers": [ <server>, ... ] (required, not empty) } ],
//     "import": [ { "file": "/etc/CCcam.cfg" (required; relative = next to this file),
//                   "format": "auto" | "cccam" | "oscam", "optional": false (true: a
//                   missing file is only a note), <group settings>,
//                   "listen": { "<group name>": 20005, ... } } ]
//   }
//   <group settings>: "mode": "ordered" | "random" | "scored", "sticky": bool,
//     "check": { "interval_s" | "inter", "fastinter", "downinter", "downinter_max", "timeout",
//                "slowstart", "rise", "fall", "jitter_pct", "probe_live" },
//     "session": { "connect_timeout_ms", "race", "race_stagger_ms", "hang_timeout_ms",
//                  "idle_timeout_s", "max_sessions", "max_attempts" },
//     "score": { "ewma_shift", "reexplore_ms" }
//   Durations (inter, fastinter, downinter, downinter_max, timeout, slowstart) are milliseconds
//   as a number, or a string with a unit: "500ms", "2s", "1m", "1h".
//   <server>: "host" (required), "port" (required), "protocol" (tcp | cccam | newcamd |
//     newcamd524 | cs378x | camd35; default tcp), "label", "weight" (1..65535, default 100),
//     "priority" (0..255), "backup", "enabled", "user" (shown by check only), "probe" (tcp |
//     cccam | newcamd | expect; default from the protocol), "expect": { "send": hex,
//     "prefix": hex, "length": n }, "tls": true | { "sni": name, "ca_file": "/abs/path.pem",
//     "pin_sha256": 64 hex | 44 base64, "verify": true (false is explicit, warned about, and
//     excludes ca_file and pin_sha256) }.
//   Provider server lists (fetched by the daemon over HTTPS, see firmware/tls/server_list.h):
//     top level or in a group, "source": { "url": "https://..." (required), "pin_sha256",
//     "ca_file", "sni", "refresh_s" (60..604800, default 21600), "format": "auto" | "json" |
//     "cccam", "name" (top level only: the group a JSON list forms, default "source") }.
//     A group with a source needs no "servers": the fetched ones join it. A top-level source
//     forms its own groups (a JSON list one group, CCcam.cfg lines one per account).
//     "cache_dir" (top level, default /var/lib/stbfailover) keeps the last good copy of each.
//   Keys starting with "//" are comments. Any other key is an error naming its path
//   (e.g. groups[1].servers[0].prot). Passwords and keys do not belong in the JSON: the softcam
//   logs in through the relay; an imported file supplies them for grouping only.
//   Defaults not given are the core's (model.h).
//
// Groups of an import are formed by account (grouping.h) and named "<protocol>-<user>".
// Listen ports not pinned are derived from the group identity (stable across reloads).
#ifndef STBF_FIRMWARE_CONFIG_JSON_H
#define STBF_FIRMWARE_CONFIG_JSON_H

#include <cstdint>
#include <string>
#include <vector>

#include "stbf/config_text.h"
#include "stbf/diagnostics.h"
#include "stbf/model.h"

namespace stbf::fw {

enum class FileFormat { Auto, Json, Cccam, Oscam };

/// Where provider lists are cached by default: persistent flash on Enigma2 images (unlike
/// /var/volatile and /tmp), and not inside /etc, which images back up and restore.
constexpr const char* kDefaultCacheDir = "/var/lib/stbfailover";

/// One provider server list named by the config ("source").
struct SourceSpec {
    std::string url;         ///< https:// URL
    std::string pin_sha256;  ///< as written (hex or base64); "" = none
    std::string ca_file;     ///< "" = pin alone, or the system bundle
    std::string sni;         ///< "" = the URL's host
    uint32_t refresh_s = 21600;
    FileFormat format = FileFormat::Auto;  ///< Auto, Json or Cccam
    std::string group;           ///< group the fetched servers join; "" = a top-level source
    std::string name = "source";  ///< top level: name of the group a JSON list forms
    GroupConfig settings;        ///< top level: group settings ("defaults") for CCcam groups
    std::string where;           ///< "FILE:LINE" of the entry, for messages
};

/// What the loader took from one CCcam.cfg / oscam.server (for `check`).
struct ImportSummary {
    std::string path;
    ImportCounts counts;  ///< imported, skipped with a warning, left alone by design
};

/// The daemon's settings that are not part of the core Config.
struct Globals {
    std::string control_socket = "/var/run/stbfailover.sock";
    std::string metrics_listen;  ///< "" = no metrics listener
    std::string web_listen;      ///< "ADDR:PORT" of the web status page; "" = off
    std::string web_password;    ///< password hash (password_hash.h); "" = none (loopback only)
    std::string log_level = "info";
    std::string cache_dir = kDefaultCacheDir;  ///< provider list cache files
    std::vector<SourceSpec> sources;           ///< in config order
    std::vector<ImportSummary> imports;        ///< softcam files read, in config order
};

/// "auto", "json", "cccam", "oscam".
const char* format_name(FileFormat f);
/// JSON if the first non-blank byte is '{'; oscam.server if some line starts with '['
/// (after blanks); CCcam.cfg otherwise.
FileFormat detect_format(const std::string& text);

enum class LoadResult {
    Ok,          ///< config loaded; diagnostics may hold warnings and notes
    Invalid,     ///< at least one error diagnostic; *out is not usable
    Unreadable,  ///< the main file could not be read (an error diagnostic says why)
};

/// A CCcam.cfg / oscam.server as read, kept so `import --softcam-config` can rewrite it.
struct SoftcamSource {
    std::string path;
    std::string text;
    FileFormat format = FileFormat::Auto;
    uint8_t first_server = 0;        ///< its servers are [first_server, first_server + spans.size())
    std::vector<SourceSpan> spans;   ///< where each of its servers sits in `text`
};

/// Load the config at `path`: a JSON config (with its imports), or a CCcam.cfg / oscam.server
/// taken as a whole config with default settings (format as for load_config_text). Fills *out (files, servers, groups with
/// listen ports) and *globals; *out and *globals are reset first. Every problem goes to *diags
/// with file index and line:column; a file holding passwords that every user can read gets a
/// warning. If `sources` is not null the softcam files read are appended to it.
LoadResult load_config(const char* path, Config* out, Globals* globals, Diagnostics* diags,
                       std::vector<SoftcamSource>* sources = nullptr);

/// As load_config, for text already in memory (tests, fuzzing). `path` names the text in
/// messages and is the base for relative import paths. `format` Auto takes a name ending in
/// ".json" as JSON and detects the others (detect_format). Imports are read from disk only when `allow_imports` is true (else each is an error).
LoadResult load_config_text(const std::string& text, const char* path, FileFormat format,
                            Config* out, Globals* globals, Diagnostics* diags,
                            std::vector<SoftcamSource>* sources, bool allow_imports);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_CONFIG_JSON_H
