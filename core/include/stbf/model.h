// The configuration model: what a box owner configured, after parsing (CCcam.cfg, oscam.server
// or JSON) and grouping. Plain fixed-size structs, copyable, no heap. The engine and the runtime
// read it; the parsers and the JSON loader fill it.
//
// Defaults below are the ones a box owner gets without writing anything. They are chosen to be
// polite to providers (idle servers are probed once a minute, servers carrying a live session
// are not probed at all but watched passively) and to fail over faster than a softcam's own
// 2 s greeting timeout.
#ifndef STBF_MODEL_H
#define STBF_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/fixed_string.h"
#include "stbf/limits.h"

#ifndef STBF_MAX_FILES
/// Files a config may draw from (the main file plus imported CCcam.cfg / oscam.server files).
#define STBF_MAX_FILES 8
#endif
#ifndef STBF_PATH_MAX
/// Longest file path kept for messages.
#define STBF_PATH_MAX 255
#endif

#ifndef STBF_TLS_NAME_MAX
/// Longest TLS server name (SNI) kept per server; longer names are a config error.
#define STBF_TLS_NAME_MAX 127
#endif
#ifndef STBF_TLS_PATH_MAX
/// Longest CA file path kept per server; longer paths are a config error.
#define STBF_TLS_PATH_MAX 127
#endif

namespace stbf {

/// Wire protocol family of an upstream. Decides the default probe and how accounts group.
enum class Protocol : uint8_t {
    Tcp = 0,      ///< unknown / opaque TCP service
    Cccam,        ///< CCcam: server greets with 16 bytes (bytes 12..15 are a checksum)
    Newcamd,      ///< newcamd (525): server greets with 14 bytes
    Newcamd524,   ///< newcamd 524: greets like newcamd
    Cs378x,       ///< camd35 over TCP (cs378x): client speaks first, no greeting
    Camd35,       ///< camd35 over UDP upstream in OSCam; kept for import, probed as TCP
};

/// How a group chooses among its usable servers. Every mode falls back to the others.
enum class Mode : uint8_t {
    Ordered = 0,  ///< priority tiers, then config order; backups only when no primary is usable
    Random,       ///< weighted random (per-box seed), optionally sticky
    Scored,       ///< lowest (EWMA latency / weight), power-of-two-choices, periodic re-explore
};

/// Mode of a group imported from a softcam config (CCcam.cfg, oscam.server) when the owner
/// set none: weighted random spreads a fleet over the hosts and sends a recovered host only
/// its share of new sessions (bench/fleet, README "Fleet behaviour"); OSCam `fallback = 1`
/// readers stay a backup tier in every mode.
constexpr Mode kImportedGroupMode = Mode::Random;

/// What a health check does after the TCP connect succeeds.
enum class ProbeKind : uint8_t {
    Tcp = 0,  ///< connect only
    Cccam,    ///< wait for the 16-byte greeting and verify its checksum
    Newcamd,  ///< wait for the 14-byte greeting
    Expect,   ///< send `expect_send` (may be empty), then expect `expect_len` bytes or a prefix
};

/// Health-check settings of a group (HAProxy-style names). Times in milliseconds.
struct HealthSettings {
    uint32_t inter_ms = 60000;          ///< idle server that is up: check every 60 s (jittered)
    uint32_t fastinter_ms = 2000;       ///< suspect or rising server: check every 2 s
    uint32_t downinter_ms = 5000;       ///< down server: first retry after ~5 s ...
    uint32_t downinter_max_ms = 300000; ///< ... doubling (full jitter) up to 5 min
    uint32_t timeout_ms = 2000;         ///< a check that has not greeted by then failed
    uint32_t slowstart_ms = 30000;      ///< recovered server ramps weight over 30 s
    /// A live session the upstream ends (close or reset) within this long of relaying is a
    /// failure no greeting probe can clear (a server that greets and then drops a blocked
    /// login); a session that outlives it is a success. 5 s: a login through the relay takes
    /// milliseconds, a CCcam server drops a silent client after ~3 s. 0 = off (every session
    /// counts as a success when it starts, as a passing greeting does).
    uint32_t early_close_ms = 5000;
    uint8_t rise = 2;                   ///< consecutive successes to come back up
    uint8_t fall = 3;                   ///< consecutive failures (active or passive) to go down
    uint8_t jitter_pct = 10;            ///< +/- spread of check timers so a fleet does not align
    bool probe_live = false;            ///< also probe servers that carry live sessions
};

/// Session (relay) settings of a group. Times in milliseconds.
struct SessionSettings {
    uint32_t connect_timeout_ms = 1500;  ///< connect + greeting of one attempt; softcams wait 2 s
    uint32_t race_stagger_ms = 250;      ///< start the next candidate if the first is this slow
    bool race = true;                    ///< happy-eyeballs racing on/off
    uint8_t max_attempts = 4;            ///< servers tried for one client connection
    /// Bytes up unanswered this long -> the upstream hung: cut the session. 2.5 s so that a
    /// softcam reconnecting ~100 ms after the cut is served elsewhere within 3 s of its
    /// unanswered request; answers to real requests come back well inside that.
    uint32_t hang_timeout_ms = 2500;
    uint32_t idle_timeout_s = 6 * 3600;  ///< no bytes either way for 6 h -> close
    uint16_t max_sessions = 8;           ///< concurrent client connections on this group
};

/// Scored-mode tuning.
struct ScoreSettings {
    uint8_t ewma_shift = 3;          ///< EWMA weight 1/2^shift for each new sample (1/8)
    uint32_t reexplore_ms = 120000;  ///< a usable server not picked for 2 min is tried again
};

/// Where a config item came from, for error messages and `check`.
struct SourceRef {
    uint8_t file = 0;   ///< index into Config::files (0 = the main file)
    uint32_t line = 0;  ///< 1-based, 0 = unknown
};

/// TLS settings of one server (`"tls": true` or an object). Compact because the engine keeps a
/// copy of every server; the daemon turns it into its TLS transport. Verification is on unless
/// `verify` is false (an explicit, logged choice); a pin alone replaces the CA check.
struct ServerTls {
    bool enabled = false;  ///< connect through TLS
    bool verify = true;    ///< check the certificate (CA or pin, dates, name)
    bool has_pin = false;  ///< pin_sha256 holds the SHA-256 of the server's SubjectPublicKeyInfo
    uint8_t pin_sha256[32] = {};
    FixedString<STBF_TLS_NAME_MAX> sni;      ///< name sent and checked; empty = the host
    FixedString<STBF_TLS_PATH_MAX> ca_file;  ///< PEM of trusted CAs; empty = pin or system bundle
};

/// One upstream server: a host that serves one account (a `C:` / `N:` line, a `[reader]`, or a
/// JSON server object).
struct ServerConfig {
    FixedString<STBF_NAME_MAX> label;  ///< reader label or "host:port"
    FixedString<STBF_HOST_MAX> host;   ///< DNS name, IPv4 or IPv6 literal (no brackets)
    uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;
    ProbeKind probe = ProbeKind::Tcp;
    uint16_t weight = 100;  ///< OSCam lb_weight semantics: 100 is normal, higher gets more
    uint8_t priority = 0;   ///< ordered mode: lower number is tried first
    bool backup = false;    ///< used only when no non-backup server of the group is usable
    bool enabled = true;
    /// Concurrent sessions this server may carry (HAProxy `maxconn`); 0 = no per-server limit.
    /// A full server is skipped like an unusable one: new sessions go to the next candidate.
    uint16_t max_sessions = 0;

    // Account. Never printed; used for grouping and to write the softcam side on import.
    FixedString<STBF_CRED_MAX> user;
    FixedString<STBF_CRED_MAX> password;
    uint8_t des_key[14] = {};  ///< newcamd DES key (N: line / oscam `key`)
    bool has_key = false;

    // Extra fields kept verbatim so `import --softcam-config` can write them back.
    FixedString<STBF_NAME_MAX> extra;  ///< e.g. CCcam "yes"/"no" flag or hops/stealth

    // Expect probe.
    uint8_t expect_send[STBF_EXPECT_MAX] = {};
    uint8_t expect_send_len = 0;
    uint8_t expect_prefix[STBF_EXPECT_MAX] = {};
    uint8_t expect_prefix_len = 0;
    uint16_t expect_len = 0;  ///< bytes to wait for (0 = just the prefix)

    ServerTls tls;  ///< off unless configured

    SourceRef source;
};

/// One group: alternatives of one account, served on one local port.
struct GroupConfig {
    FixedString<STBF_NAME_MAX> name;
    uint16_t listen_port = 0;  ///< on 127.0.0.1 unless listen_addr says otherwise
    FixedString<47> listen_addr;  ///< numeric address, default "127.0.0.1"
    Mode mode = Mode::Ordered;
    bool sticky = false;  ///< random mode: keep using the last pick while it is usable
    HealthSettings health;
    SessionSettings session;
    ScoreSettings score;
    /// Servers of this group, as indexes into Config::servers, in config order.
    uint16_t servers[STBF_MAX_SERVERS_PER_GROUP] = {};
    uint8_t server_count = 0;
    SourceRef source;
    /// Identity hash of the group (grouping.h): derived from the account for imported groups,
    /// from the name for JSON groups. An unpinned group's listen port is derived from it, so the
    /// same group keeps its port across reloads.
    uint32_t identity = 0;
    bool listen_pinned = false;  ///< listen_port was given by the config, not derived
    /// Slots (warm standby): the group serves this many local ports, each a separate softcam
    /// connection kept on a different upstream server. 0 = automatic: 2 when the group has at
    /// least two enabled servers, else 1. At most STBF_MAX_SLOTS.
    uint8_t slots = 0;
    /// Allow two slots on one server (only for providers that permit parallel logins of one
    /// account). Off by default: line servers drop duplicate logins.
    bool slot_share = false;
    /// Local port of each slot; slot_ports[0] == listen_port. Filled by assign_listen_ports.
    uint16_t slot_ports[STBF_MAX_SLOTS] = {};
};

/// How many servers, groups and sessions the engine makes room for at start-up (JSON
/// `capacity`). Each is 1..its upper bound in limits.h. Memory: Engine::size_for(capacity).
/// A reload cannot grow the tables: a config above the running capacity is refused (and the
/// last good one kept) until the daemon restarts with a larger `capacity`.
struct Capacity {
    uint16_t servers = STBF_DEFAULT_SERVERS;
    uint16_t groups = STBF_DEFAULT_GROUPS;
    uint16_t sessions = STBF_DEFAULT_SESSIONS;
};

/// Everything the engine and runtime need. Fixed arrays at the upper bounds of limits.h (about
/// 0.9 KiB per server slot, 0.3 KiB per group: ~0.95 MiB at the upper bounds): keep it in static
/// or heap storage, never on a small stack.
struct Config {
    ServerConfig servers[STBF_MAX_SERVERS];
    uint16_t server_count = 0;
    GroupConfig groups[STBF_MAX_GROUPS];
    uint16_t group_count = 0;
    uint16_t listen_port_base = 20000;  ///< first port handed to groups without one
    uint64_t seed = 0;                   ///< 0 = take from the port's randomness
    Capacity capacity;                   ///< engine tables sized at start-up
    /// Files the config came from, for messages (SourceRef::file indexes this; 0 = main file).
    FixedString<STBF_PATH_MAX> files[STBF_MAX_FILES];
    uint8_t file_count = 0;
};

}  // namespace stbf

#endif  // STBF_MODEL_H
