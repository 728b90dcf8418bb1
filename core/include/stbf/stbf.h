/*
 * stbfailover C API — embed the failover engine in a softcam or receiver firmware written in C.
 *
 * Same contract as the C++ stbf::Engine (core/include/stbf/engine.h): feed events stamped with
 * `now` (monotonic microseconds), drain actions after every call, call stbf_engine_on_timeout()
 * once now >= stbf_engine_next_deadline(). Nothing here allocates: the caller provides the
 * memory for the config and the engine (static buffers on a box), sized with the *_size()
 * functions and aligned to 8 bytes.
 *
 * One error convention: every function that can fail returns an stbf_status (STBF_OK = 0); the
 * two config builders that return an index return it >= 0 or a negated stbf_status; the two
 * init functions return NULL and put the stbf_status in `*err`. Handles (session, attempt,
 * probe) that refer to something already finished give STBF_STALE and change nothing.
 */
#ifndef STBF_C_API_H
#define STBF_C_API_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Mirrors stbf::Status. */
typedef enum stbf_status {
    STBF_OK = 0,
    STBF_INVALID_ARGUMENT = 1,
    STBF_CAPACITY_EXCEEDED = 2,
    STBF_NOT_FOUND = 3,
    STBF_STALE = 4,
    STBF_NO_SERVER = 5,
    STBF_PARSE_ERROR = 6,
    STBF_PORT_VERSION_MISMATCH = 7,
    STBF_PORT_FAILURE = 8,
    STBF_ADDR_IN_USE = 9
} stbf_status;

typedef enum stbf_mode { STBF_MODE_ORDERED = 0, STBF_MODE_RANDOM = 1, STBF_MODE_SCORED = 2 } stbf_mode;

/** Mirrors stbf::Protocol; decides the default greeting check. */
typedef enum stbf_protocol {
    STBF_PROTOCOL_TCP = 0,
    STBF_PROTOCOL_CCCAM = 1,
    STBF_PROTOCOL_NEWCAMD = 2,
    STBF_PROTOCOL_NEWCAMD524 = 3,
    STBF_PROTOCOL_CS378X = 4,
    STBF_PROTOCOL_CAMD35 = 5
} stbf_protocol;

/** Mirrors stbf::ActionKind. */
typedef enum stbf_action_kind {
    STBF_ACTION_CONNECT = 0,
    STBF_ACTION_ABORT_ATTEMPT = 1,
    STBF_ACTION_RELAY = 2,
    STBF_ACTION_CLOSE_SESSION = 3,
    STBF_ACTION_PROBE = 4,
    STBF_ACTION_CANCEL_PROBE = 5
} stbf_action_kind;

/** Mirrors stbf::Reason (values are the same); stbf_reason_name() gives text. */
typedef uint8_t stbf_reason;
#define STBF_REASON_NONE 0
#define STBF_REASON_REFUSED 1
#define STBF_REASON_UNREACHABLE 2
#define STBF_REASON_CONNECT_TIMEOUT 3
#define STBF_REASON_GREETING_BAD 4
#define STBF_REASON_GREETING_TIMEOUT 5
#define STBF_REASON_RESOLVE_FAILED 6
#define STBF_REASON_RESET 7
#define STBF_REASON_UPSTREAM_CLOSED 8
#define STBF_REASON_HUNG 9
#define STBF_REASON_IDLE 10
#define STBF_REASON_CLIENT_CLOSED 11
#define STBF_REASON_NO_SERVER 12   /**< every candidate failed or none is configured */
#define STBF_REASON_DRAINED 13     /**< removed by a reload, an operator, or shut down */
#define STBF_REASON_CAPACITY 14    /**< a table of the box was full: not the server's fault */
#define STBF_REASON_LOCAL_ERROR 15 /**< a local resource failed (EMFILE, bind): not the server's */

typedef struct stbf_action {
    uint8_t kind;   /**< stbf_action_kind */
    uint8_t reason; /**< stbf_reason */
    uint16_t server; /**< server slot (0xffff: none) */
    uint16_t group;  /**< group index (0xffff: none) */
    uint32_t session;
    uint32_t attempt;
    uint32_t probe;
} stbf_action;

typedef struct stbf_server_desc {
    const char* host; /**< DNS name or numeric address, NUL-terminated */
    uint16_t port;
    stbf_protocol protocol;
    uint16_t weight;  /**< 0 means the default, 100 */
    uint8_t priority; /**< ordered mode: lower first */
    uint8_t backup;   /**< non-zero: only when no primary is usable */
} stbf_server_desc;

typedef struct stbf_server_info {
    const char* host;
    uint16_t port;
    uint16_t group; /**< 0xffff if retired */
    uint8_t state; /**< 0 up, 1 suspect, 2 down, 3 rising, 4 disabled, 5 retired */
    uint8_t fail_streak;
    stbf_reason last_failure;
    uint32_t ewma_connect_us;
    uint32_t ewma_response_us;
    uint16_t live_sessions;
} stbf_server_info;

/** Health-check settings of a group (stbf::HealthSettings; times in milliseconds). */
typedef struct stbf_health {
    uint32_t inter_ms;         /**< idle server that is up: check this often (default 60000) */
    uint32_t fastinter_ms;     /**< suspect / rising server (2000) */
    uint32_t downinter_ms;     /**< down server: first retry (5000) ... */
    uint32_t downinter_max_ms; /**< ... doubling up to this (300000) */
    uint32_t timeout_ms;       /**< a check that has not greeted by then failed (2000) */
    uint32_t slowstart_ms;     /**< a recovered server ramps up over this (30000) */
    uint32_t early_close_ms;   /**< upstream ends a session this soon: a failure (5000; 0 off) */
    uint8_t rise;              /**< successes to come back up (2) */
    uint8_t fall;              /**< failures to go down (3) */
    uint8_t jitter_pct;        /**< +/- spread of check timers (10) */
    uint8_t probe_live;        /**< non-zero: also check servers that carry live sessions (0) */
} stbf_health;

/** Session settings of a group (stbf::SessionSettings and the slots). */
typedef struct stbf_sessions {
    uint32_t connect_timeout_ms; /**< connect + greeting of one attempt (1500) */
    uint32_t race_stagger_ms;    /**< start the next candidate after this (250) */
    uint32_t hang_timeout_ms;    /**< request unanswered this long: cut (2500; 0 off) */
    uint32_t idle_timeout_s;     /**< no bytes either way this long: close (21600; 0 off) */
    uint16_t max_sessions;       /**< client connections of the group (8) */
    uint8_t race;                /**< non-zero: happy-eyeballs racing (1) */
    uint8_t max_attempts;        /**< servers tried for one client connection (4) */
    uint8_t slots;               /**< local ports kept on distinct servers (0 = automatic) */
    uint8_t slot_share;          /**< non-zero: two slots may share a server (0) */
} stbf_sessions;

typedef struct stbf_config stbf_config;
typedef struct stbf_engine stbf_engine;

/** Bytes needed for a config. */
size_t stbf_config_size(void);
/** Make an empty config (default settings) in `mem`. NULL if `size` is too small or `mem` is
 *  not 8-byte aligned. */
stbf_config* stbf_config_init(void* mem, size_t size);
/** Add a group listening on 127.0.0.1:`listen_port`. Returns its index (>= 0) or a negated
 *  stbf_status: -STBF_INVALID_ARGUMENT (name empty/too long), -STBF_CAPACITY_EXCEEDED. */
int stbf_config_add_group(stbf_config* config, const char* name, stbf_mode mode,
                          uint16_t listen_port);
/** Add a server to `group`. Returns its config index (>= 0) or a negated stbf_status:
 *  -STBF_NOT_FOUND (group), -STBF_INVALID_ARGUMENT (host, port 0), -STBF_CAPACITY_EXCEEDED. */
int stbf_config_add_server(stbf_config* config, int group, const stbf_server_desc* server);
/** The defaults a group gets without settings. */
void stbf_health_defaults(stbf_health* out);
void stbf_sessions_defaults(stbf_sessions* out);
/** Set the settings of `group`. STBF_NOT_FOUND (group), STBF_INVALID_ARGUMENT (a value out of
 *  its range, see stbf::check_group_settings; nothing changes then). */
stbf_status stbf_config_set_health(stbf_config* config, int group, const stbf_health* health);
stbf_status stbf_config_set_sessions(stbf_config* config, int group, const stbf_sessions* s);

/** Size the engine's tables (servers, groups, sessions it makes room for; defaults and upper
 *  bounds in limits.h). Each must be in its range, 1..its bound (stbf::check_capacity, the
 *  table the engine and the JSON loader use too): STBF_INVALID_ARGUMENT otherwise (nothing
 *  changes then). */
stbf_status stbf_config_set_capacity(stbf_config* config, uint16_t servers, uint16_t groups,
                                     uint16_t sessions);

/** Bytes needed for an engine at the default capacity. */
size_t stbf_engine_size(void);
/** Bytes needed for an engine of `config`'s capacity (stbf_config_set_capacity); 0 for NULL. */
size_t stbf_engine_size_for(const stbf_config* config);
/** Build an engine in `mem` (stbf_engine_size_for(config) bytes, 8-byte aligned; the tables
 *  live there too) from `config`. NULL on failure with the reason in `*err` (may be NULL):
 *  STBF_INVALID_ARGUMENT (memory too small or misaligned, bad config),
 *  STBF_CAPACITY_EXCEEDED. The engine keeps the capacity it was built with: a replace_config
 *  above it is STBF_CAPACITY_EXCEEDED. */
stbf_engine* stbf_engine_init(void* mem, size_t size, const stbf_config* config, uint64_t seed,
                              stbf_time_us now, stbf_status* err);
/** Hot reload; on error nothing changes. */
stbf_status stbf_engine_replace_config(stbf_engine* e, const stbf_config* config,
                                       stbf_time_us now);

stbf_status stbf_session_open(stbf_engine* e, uint16_t group, stbf_time_us now,
                              uint32_t* session);
stbf_status stbf_session_closed(stbf_engine* e, uint32_t session, stbf_reason reason,
                                stbf_time_us now);
stbf_status stbf_attempt_connected(stbf_engine* e, uint32_t session, uint32_t attempt,
                                   stbf_time_us now);
stbf_status stbf_attempt_ready(stbf_engine* e, uint32_t session, uint32_t attempt,
                               stbf_time_us now);
stbf_status stbf_attempt_failed(stbf_engine* e, uint32_t session, uint32_t attempt,
                                stbf_reason reason, stbf_time_us now);
stbf_status stbf_bytes_up(stbf_engine* e, uint32_t session, stbf_time_us now);
stbf_status stbf_bytes_down(stbf_engine* e, uint32_t session, stbf_time_us now);
/** The check's TCP connect finished (optional: a better timeout reason and latency sample). */
stbf_status stbf_probe_connected(stbf_engine* e, uint16_t server, uint32_t probe,
                                 stbf_time_us now);
stbf_status stbf_probe_result(stbf_engine* e, uint16_t server, uint32_t probe, int ok,
                              stbf_reason reason, stbf_time_us now);

void stbf_engine_on_timeout(stbf_engine* e, stbf_time_us now);
/** UINT64_MAX when nothing is pending. */
stbf_time_us stbf_engine_next_deadline(const stbf_engine* e);
/** 1 and the oldest action in `*out`, or 0 when none is queued. */
int stbf_engine_pop_action(stbf_engine* e, stbf_action* out);

/** Status of server `slot`; STBF_NOT_FOUND if the slot is not in use. */
stbf_status stbf_server_status(const stbf_engine* e, uint16_t slot, stbf_server_info* out);
const char* stbf_reason_name(stbf_reason reason);

#ifdef __cplusplus
}
#endif

#endif /* STBF_C_API_H */
