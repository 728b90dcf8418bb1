// C API over stbf::Engine (see stbf/stbf.h). Objects are built in caller memory with placement
// new; nothing is allocated.
#include "stbf/stbf.h"

#include <new>

#include "stbf/engine.h"
#include "stbf/grouping.h"
#include "stbf/settings.h"

struct stbf_config {
    stbf::Config config;
};
struct stbf_engine {
    stbf::Engine engine;
};

namespace {

using stbf::Status;

static_assert(static_cast<int>(Status::AddrInUse) == STBF_ADDR_IN_USE, "status values mirror");
static_assert(static_cast<int>(stbf::Reason::ClientClosed) == STBF_REASON_CLIENT_CLOSED &&
                  static_cast<int>(stbf::Reason::NoServer) == STBF_REASON_NO_SERVER &&
                  static_cast<int>(stbf::Reason::Drained) == STBF_REASON_DRAINED &&
                  static_cast<int>(stbf::Reason::Capacity) == STBF_REASON_CAPACITY &&
                  static_cast<int>(stbf::Reason::LocalError) == STBF_REASON_LOCAL_ERROR,
              "reason values mirror");
static_assert(static_cast<int>(stbf::ActionKind::CancelProbe) == STBF_ACTION_CANCEL_PROBE,
              "action values mirror");
static_assert(static_cast<int>(stbf::Protocol::Camd35) == STBF_PROTOCOL_CAMD35,
              "protocol values mirror");

stbf_status to_c(Status s) { return static_cast<stbf_status>(s); }

/// Changes a copy of `group`'s settings with `fill` and keeps it only if every setting is in
/// its range (settings.h): a refused change leaves the group as it was.
template <typename Fill>
stbf_status update_group(stbf_config* config, int group, Fill fill) {
    if (config == nullptr) return STBF_INVALID_ARGUMENT;
    stbf::Config& c = config->config;
    if (group < 0 || group >= c.group_count) return STBF_NOT_FOUND;
    stbf::GroupConfig g = c.groups[group];
    fill(g);
    if (stbf::check_group_settings(g, nullptr) != Status::Ok) return STBF_INVALID_ARGUMENT;
    c.groups[group] = g;
    return STBF_OK;
}

bool fits(const void* mem, size_t size, size_t need) {
    return mem != nullptr && size >= need && (reinterpret_cast<uintptr_t>(mem) % 8) == 0;
}

}  // namespace

extern "C" {

size_t stbf_config_size(void) { return sizeof(stbf_config); }

stbf_config* stbf_config_init(void* mem, size_t size) {
    static_assert(alignof(stbf_config) <= 8, "8-byte alignment is enough");
    if (!fits(mem, size, sizeof(stbf_config))) return nullptr;
    return new (mem) stbf_config{};
}

int stbf_config_add_group(stbf_config* config, const char* name, stbf_mode mode,
                          uint16_t listen_port) {
    if (config == nullptr || name == nullptr || mode > STBF_MODE_SCORED)
        return -STBF_INVALID_ARGUMENT;
    stbf::Config& c = config->config;
    if (c.group_count >= STBF_MAX_GROUPS) return -STBF_CAPACITY_EXCEEDED;
    stbf::GroupConfig& g = c.groups[c.group_count];
    g = stbf::GroupConfig{};
    if (!g.name.assign(name) || g.name.empty()) return -STBF_INVALID_ARGUMENT;
    g.mode = static_cast<stbf::Mode>(mode);
    g.listen_port = listen_port;
    g.listen_addr.assign("127.0.0.1");
    return c.group_count++;
}

int stbf_config_add_server(stbf_config* config, int group, const stbf_server_desc* server) {
    if (config == nullptr || server == nullptr || server->host == nullptr)
        return -STBF_INVALID_ARGUMENT;
    stbf::Config& c = config->config;
    if (group < 0 || group >= c.group_count) return -STBF_NOT_FOUND;
    stbf::GroupConfig& g = c.groups[group];
    if (c.server_count >= STBF_MAX_SERVERS || g.server_count >= STBF_MAX_SERVERS_PER_GROUP)
        return -STBF_CAPACITY_EXCEEDED;
    if (server->port == 0 || server->protocol > STBF_PROTOCOL_CAMD35)
        return -STBF_INVALID_ARGUMENT;
    stbf::ServerConfig& s = c.servers[c.server_count];
    s = stbf::ServerConfig{};
    if (!s.host.assign(server->host) || s.host.empty()) return -STBF_INVALID_ARGUMENT;
    s.label.assign(server->host);
    s.port = server->port;
    s.protocol = static_cast<stbf::Protocol>(server->protocol);
    s.probe = stbf::default_probe(s.protocol);
    s.weight = server->weight == 0 ? 100 : server->weight;
    s.priority = server->priority;
    s.backup = server->backup != 0;
    g.servers[g.server_count++] = c.server_count;
    return c.server_count++;
}

void stbf_health_defaults(stbf_health* out) {
    const stbf::HealthSettings h;
    *out = stbf_health{h.inter_ms,     h.fastinter_ms,   h.downinter_ms, h.downinter_max_ms,
                       h.timeout_ms,   h.slowstart_ms,   h.early_close_ms, h.rise,
                       h.fall,         h.jitter_pct,     h.probe_live ? uint8_t{1} : uint8_t{0}};
}

void stbf_sessions_defaults(stbf_sessions* out) {
    const stbf::SessionSettings s;
    const stbf::GroupConfig g;
    *out = stbf_sessions{s.connect_timeout_ms, s.race_stagger_ms, s.hang_timeout_ms,
                         s.idle_timeout_s,     s.max_sessions,    s.race ? uint8_t{1} : uint8_t{0},
                         s.max_attempts,       g.slots,           g.slot_share ? uint8_t{1} : uint8_t{0}};
}

stbf_status stbf_config_set_health(stbf_config* config, int group, const stbf_health* health) {
    if (health == nullptr) return STBF_INVALID_ARGUMENT;
    return update_group(config, group, [&](stbf::GroupConfig& g) {
        stbf::HealthSettings& h = g.health;
        h.inter_ms = health->inter_ms;
        h.fastinter_ms = health->fastinter_ms;
        h.downinter_ms = health->downinter_ms;
        h.downinter_max_ms = health->downinter_max_ms;
        h.timeout_ms = health->timeout_ms;
        h.slowstart_ms = health->slowstart_ms;
        h.early_close_ms = health->early_close_ms;
        h.rise = health->rise;
        h.fall = health->fall;
        h.jitter_pct = health->jitter_pct;
        h.probe_live = health->probe_live != 0;
    });
}

stbf_status stbf_config_set_sessions(stbf_config* config, int group, const stbf_sessions* s) {
    if (s == nullptr) return STBF_INVALID_ARGUMENT;
    return update_group(config, group, [&](stbf::GroupConfig& g) {
        stbf::SessionSettings& ss = g.session;
        ss.connect_timeout_ms = s->connect_timeout_ms;
        ss.race_stagger_ms = s->race_stagger_ms;
        ss.hang_timeout_ms = s->hang_timeout_ms;
        ss.idle_timeout_s = s->idle_timeout_s;
        ss.max_sessions = s->max_sessions;
        ss.race = s->race != 0;
        ss.max_attempts = s->max_attempts;
        g.slots = s->slots;
        g.slot_share = s->slot_share != 0;
    });
}

stbf_status stbf_config_set_capacity(stbf_config* config, uint16_t servers, uint16_t groups,
                                     uint16_t sessions) {
    if (config == nullptr) return STBF_INVALID_ARGUMENT;
    const stbf::Capacity c{servers, groups, sessions};
    if (stbf::check_capacity(c, nullptr) != Status::Ok) return STBF_INVALID_ARGUMENT;
    config->config.capacity = c;
    return STBF_OK;
}

namespace {
// The engine object, then its tables, in one caller block.
constexpr size_t kEngineHead = stbf::align_up(sizeof(stbf_engine), stbf::kTableAlign);
size_t engine_bytes(const stbf::Capacity& c) {
    const size_t tables = stbf::Engine::size_for(c);
    return tables == 0 ? 0 : kEngineHead + tables;
}
}  // namespace

size_t stbf_engine_size(void) { return engine_bytes(stbf::Capacity{}); }

size_t stbf_engine_size_for(const stbf_config* config) {
    return config == nullptr ? 0 : engine_bytes(config->config.capacity);
}

stbf_engine* stbf_engine_init(void* mem, size_t size, const stbf_config* config, uint64_t seed,
                              stbf_time_us now, stbf_status* err) {
    const size_t need = config == nullptr ? 0 : engine_bytes(config->config.capacity);
    if (need == 0 || !fits(mem, size, need)) {
        if (err) *err = STBF_INVALID_ARGUMENT;
        return nullptr;
    }
    stbf_engine* e = new (mem) stbf_engine{};
    Status s = e->engine.attach(config->config.capacity, static_cast<unsigned char*>(mem) + kEngineHead,
                                size - kEngineHead);
    if (s == Status::Ok) s = e->engine.init(config->config, seed, now);
    if (err) *err = to_c(s);
    return s == Status::Ok ? e : nullptr;
}

stbf_status stbf_engine_replace_config(stbf_engine* e, const stbf_config* config,
                                       stbf_time_us now) {
    if (e == nullptr || config == nullptr) return STBF_INVALID_ARGUMENT;
    return to_c(e->engine.replace_config(config->config, now));
}

stbf_status stbf_session_open(stbf_engine* e, uint16_t group, stbf_time_us now,
                              uint32_t* session) {
    return to_c(e->engine.session_open(group, now, session));
}
stbf_status stbf_session_closed(stbf_engine* e, uint32_t session, stbf_reason reason,
                                stbf_time_us now) {
    return to_c(e->engine.session_closed(session, static_cast<stbf::Reason>(reason), now));
}
stbf_status stbf_attempt_connected(stbf_engine* e, uint32_t session, uint32_t attempt,
                                   stbf_time_us now) {
    return to_c(e->engine.attempt_connected(session, attempt, now));
}
stbf_status stbf_attempt_ready(stbf_engine* e, uint32_t session, uint32_t attempt,
                               stbf_time_us now) {
    return to_c(e->engine.attempt_ready(session, attempt, now));
}
stbf_status stbf_attempt_failed(stbf_engine* e, uint32_t session, uint32_t attempt,
                                stbf_reason reason, stbf_time_us now) {
    return to_c(e->engine.attempt_failed(session, attempt, static_cast<stbf::Reason>(reason), now));
}
stbf_status stbf_bytes_up(stbf_engine* e, uint32_t session, stbf_time_us now) {
    return to_c(e->engine.bytes_up(session, now));
}
stbf_status stbf_bytes_down(stbf_engine* e, uint32_t session, stbf_time_us now) {
    return to_c(e->engine.bytes_down(session, now));
}
stbf_status stbf_probe_connected(stbf_engine* e, uint16_t server, uint32_t probe,
                                 stbf_time_us now) {
    return to_c(e->engine.probe_connected(server, probe, now));
}
stbf_status stbf_probe_result(stbf_engine* e, uint16_t server, uint32_t probe, int ok,
                              stbf_reason reason, stbf_time_us now) {
    return to_c(
        e->engine.probe_result(server, probe, ok != 0, static_cast<stbf::Reason>(reason), now));
}

void stbf_engine_on_timeout(stbf_engine* e, stbf_time_us now) { e->engine.on_timeout(now); }

stbf_time_us stbf_engine_next_deadline(const stbf_engine* e) { return e->engine.next_deadline(); }

int stbf_engine_pop_action(stbf_engine* e, stbf_action* out) {
    stbf::Action a;
    if (!e->engine.pop_action(&a)) return 0;
    out->kind = static_cast<uint8_t>(a.kind);
    out->reason = static_cast<uint8_t>(a.reason);
    out->server = a.server;
    out->group = a.group;
    out->session = a.session;
    out->attempt = a.attempt;
    out->probe = a.probe;
    return 1;
}

stbf_status stbf_server_status(const stbf_engine* e, uint16_t slot, stbf_server_info* out) {
    if (!e->engine.server_in_use(slot)) return STBF_NOT_FOUND;
    stbf::ServerStatus st = e->engine.server_status(slot);
    out->host = st.config->host.c_str();
    out->port = st.config->port;
    out->group = st.group;
    out->state = static_cast<uint8_t>(st.state);
    out->fail_streak = st.fail_streak;
    out->last_failure = static_cast<stbf_reason>(st.last_failure);
    out->ewma_connect_us = st.ewma_connect_us;
    out->ewma_response_us = st.ewma_response_us;
    out->live_sessions = st.live_sessions;
    return STBF_OK;
}

const char* stbf_reason_name(stbf_reason reason) {
    return stbf::reason_name(static_cast<stbf::Reason>(reason));
}

}  // extern "C"
