// Capacities of the freestanding core. The engine's and the runtime's tables are sized at
// start-up from the config's `capacity` (model.h Capacity: servers, groups, sessions), in memory
// the caller provides once (Engine::size_for + attach, Runtime::size_for + attach); the values
// here are the upper bounds a build accepts and the defaults. Everything else is sized from
// these at compile time: nothing is allocated after init. Going past one is reported as Status::CapacityExceeded, never a
// crash. An image maintainer can override any of them with -D on the compiler line
// (CMake: -DSTBF_CORE_DEFINES="STBF_MAX_SERVERS=32").
#ifndef STBF_LIMITS_H
#define STBF_LIMITS_H

// Memory of the engine (Engine::kBytesPer*, checked by tests/core/engine_test.cpp): about
// 1.1 KiB per server slot (mostly its copy of the server's config, so a retired server can
// drain), 0.55 KiB per group and 0.4 KiB per session, each with its share of the action queue:
// ~745 KiB at the default capacity below, ~6 KiB for a box with 1 group of 2 servers.
// The runtime's tables come on top, sized at start-up for the same capacity (runtime.h,
// Runtime::kBytesPer*, checked by tests/runtime/runtime_test.cpp): 2 * STBF_RELAY_BUFFER plus
// ~0.5 KiB per session (the relay buffers: reserved, resident only as far as traffic touches
// them), ~0.55 KiB per server and ~0.9 KiB per group (listeners of every slot, twice: a reload
// builds the new set beside the old).
#ifndef STBF_MAX_SERVERS
/// Most upstream servers a config may set as `capacity.servers` (each `C:`/`N:` line or
/// `[reader]` is one; retired servers draining after a reload take one too).
#define STBF_MAX_SERVERS 1024
#endif
#ifndef STBF_DEFAULT_SERVERS
/// `capacity.servers` when the config does not say (never above the bound).
#define STBF_DEFAULT_SERVERS (STBF_MAX_SERVERS < 512 ? STBF_MAX_SERVERS : 512)
#endif
#ifndef STBF_MAX_GROUPS
/// Most groups (one local listen port per slot each) a config may set as `capacity.groups`.
#define STBF_MAX_GROUPS 256
#endif
#ifndef STBF_DEFAULT_GROUPS
/// `capacity.groups` when the config does not say (never above the bound).
#define STBF_DEFAULT_GROUPS (STBF_MAX_GROUPS < 128 ? STBF_MAX_GROUPS : 128)
#endif
#ifndef STBF_MAX_SERVERS_PER_GROUP
/// Servers in one group; at most 64 because a session remembers tried servers in a 64-bit mask.
#define STBF_MAX_SERVERS_PER_GROUP 64
#endif
#ifndef STBF_MAX_SESSIONS
/// Client sessions (softcam connections) across all groups: the most `capacity.sessions` may
/// be, and the size of the runtime's relay tables.
#define STBF_MAX_SESSIONS 256
#endif
#ifndef STBF_DEFAULT_SESSIONS
/// `capacity.sessions` when the config does not say.
#define STBF_DEFAULT_SESSIONS STBF_MAX_SESSIONS
#endif
#ifndef STBF_MAX_ATTEMPTS_IN_FLIGHT
/// Upstream attempts that may be in flight at once for one session (happy-eyeballs racing).
#define STBF_MAX_ATTEMPTS_IN_FLIGHT 2
#endif
/// Most actions one engine call can queue, per session and per server (see engine.cpp's
/// proof): a session at most aborts and restarts each of its attempts twice in one on_timeout
/// (its own timers, then an operator's cut), a server at most cancels one check and starts one.
#define STBF_ACTIONS_PER_SESSION (4 * STBF_MAX_ATTEMPTS_IN_FLIGHT)
#define STBF_ACTIONS_PER_SERVER 2
/// The action queue of an engine holds STBF_ACTIONS_PER_SESSION * sessions +
/// STBF_ACTIONS_PER_SERVER * servers actions: the most one call can queue, so a caller that
/// drains after every call never loses one.
#ifndef STBF_MAX_SLOTS
/// Local ports (slots) one group may serve; each slot is a separate softcam reader kept on a
/// different upstream server (warm standby).
#define STBF_MAX_SLOTS 4
#endif
#ifndef STBF_MAX_NOTICES
/// Notices (state changes, failovers, ...) the engine can queue between two drains by the
/// caller; more are counted in notices_dropped().
#define STBF_MAX_NOTICES 64
#endif
#ifndef STBF_HOST_MAX
/// Longest host name kept (DNS allows 253).
#define STBF_HOST_MAX 253
#endif
#ifndef STBF_NAME_MAX
/// Longest group name / server label.
#define STBF_NAME_MAX 47
#endif
#ifndef STBF_CRED_MAX
/// Longest user name or password taken from a softcam config.
#define STBF_CRED_MAX 63
#endif
#ifndef STBF_EXPECT_MAX
/// Bytes an `expect` probe may send or expect.
#define STBF_EXPECT_MAX 32
#endif
#ifndef STBF_MAX_ENDPOINTS_PER_SERVER
/// Resolved addresses kept per server (every A/AAAA answer is an endpoint).
#define STBF_MAX_ENDPOINTS_PER_SERVER 4
#endif
#ifndef STBF_RELAY_BUFFER
/// Bytes buffered per direction per session (bounded buffers give back-pressure). 16 KiB, as
/// HAProxy and nginx use: a bulk read moves 16 KiB per call. Reserved per session, resident
/// only as far as traffic touches it (an emptied buffer restarts at its first page).
#define STBF_RELAY_BUFFER 16384
#endif

#if STBF_MAX_SERVERS_PER_GROUP > 64
#error "STBF_MAX_SERVERS_PER_GROUP must be <= 64 (tried-servers bitmask)"
#endif
#if STBF_DEFAULT_SERVERS > STBF_MAX_SERVERS || STBF_DEFAULT_GROUPS > STBF_MAX_GROUPS || \
    STBF_DEFAULT_SESSIONS > STBF_MAX_SESSIONS
#error "a default capacity is above its upper bound"
#endif
#if STBF_MAX_SERVERS >= 0xffff || STBF_MAX_GROUPS >= 0xffff || STBF_MAX_SESSIONS > 0xffff
#error "server, group and session indices are 16 bits (0xffff means none)"
#endif

#endif  // STBF_LIMITS_H
