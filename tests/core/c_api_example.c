/* Example (and test) of embedding the engine from C: a line with two hosts, the first refuses,
 * the same client connection lands on the second. Exits 0 when the engine behaved so. */
#include <stdint.h>
#include <stdio.h>

#include "stbf/stbf.h"

/* A box would use static buffers; sizes are checked at run time against *_size(). The engine's
 * tables are sized for the capacity the config asks for (here a few KiB). */
static uint64_t config_mem[(1100 * 1024) / 8];
static uint64_t engine_mem[(64 * 1024) / 8];

#define CHECK(cond)                                                   \
    do {                                                              \
        if (!(cond)) {                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                 \
        }                                                             \
    } while (0)

int main(void) {
    stbf_time_us now = 1000000;
    CHECK(stbf_config_size() <= sizeof config_mem);
    stbf_config* cfg = stbf_config_init(config_mem, sizeof config_mem);
    CHECK(cfg != NULL);
    CHECK(stbf_engine_size_for(cfg) == stbf_engine_size());  /* the default capacity */
    CHECK(stbf_config_set_capacity(cfg, 0, 1, 8) == STBF_INVALID_ARGUMENT);
    CHECK(stbf_config_set_capacity(cfg, 4, 1, 8) == STBF_OK);
    CHECK(stbf_engine_size_for(cfg) < stbf_engine_size());
    CHECK(stbf_engine_size_for(cfg) <= sizeof engine_mem);
    int g = stbf_config_add_group(cfg, "line1", STBF_MODE_ORDERED, 20000);
    CHECK(g == 0);
    stbf_server_desc a = {"primary.example.net", 12000, STBF_PROTOCOL_CCCAM, 100, 0, 0};
    stbf_server_desc b = {"second.example.net", 12000, STBF_PROTOCOL_CCCAM, 100, 1, 0};
    CHECK(stbf_config_add_server(cfg, g, &a) == 0);
    CHECK(stbf_config_add_server(cfg, g, &b) == 1);
    CHECK(stbf_config_add_server(cfg, 5, &b) == -STBF_NOT_FOUND);

    stbf_status err = STBF_OK;
    stbf_engine* e = stbf_engine_init(engine_mem, sizeof engine_mem, cfg, 1234, now, &err);
    CHECK(e != NULL && err == STBF_OK);
    CHECK(stbf_engine_init(engine_mem, 16, cfg, 1, now, &err) == NULL);
    CHECK(err == STBF_INVALID_ARGUMENT);
    e = stbf_engine_init(engine_mem, sizeof engine_mem, cfg, 1234, now, &err);

    uint32_t session = 0;
    CHECK(stbf_session_open(e, 0, now, &session) == STBF_OK);
    stbf_action act;
    CHECK(stbf_engine_pop_action(e, &act) == 1);
    CHECK(act.kind == STBF_ACTION_CONNECT && act.server == 0);
    CHECK(stbf_attempt_failed(e, session, act.attempt, STBF_REASON_REFUSED, now) == STBF_OK);
    CHECK(stbf_engine_pop_action(e, &act) == 1);
    CHECK(act.kind == STBF_ACTION_CONNECT && act.server == 1 && act.session == session);
    now += 20000;
    CHECK(stbf_attempt_ready(e, session, act.attempt, now) == STBF_OK);
    CHECK(stbf_engine_pop_action(e, &act) == 1);
    CHECK(act.kind == STBF_ACTION_RELAY);
    CHECK(stbf_engine_pop_action(e, &act) == 0);

    stbf_server_info info;
    CHECK(stbf_server_status(e, 0, &info) == STBF_OK);
    CHECK(info.state == 1 /* suspect */ && info.last_failure == STBF_REASON_REFUSED);
    CHECK(stbf_server_status(e, 1, &info) == STBF_OK);
    CHECK(info.live_sessions == 1 && info.ewma_connect_us == 20000);
    CHECK(stbf_engine_next_deadline(e) == now - 20000); /* immediate re-check of server 0 */
    printf("c api: failed over from %s to %s (%s)\n", "primary.example.net", info.host,
           stbf_reason_name(STBF_REASON_REFUSED));
    CHECK(stbf_bytes_up(e, session + 256 * 77, now) == STBF_STALE);
    CHECK(stbf_probe_connected(e, 0, 12345, now) == STBF_STALE); /* no such check in flight */
    /* Box-local errors are not held against the server: it stays up. */
    uint32_t s2 = 0;
    CHECK(stbf_session_open(e, 0, now, &s2) == STBF_OK);
    CHECK(stbf_engine_pop_action(e, &act) == 1 && act.kind == STBF_ACTION_CONNECT);
    CHECK(stbf_attempt_failed(e, s2, act.attempt, STBF_REASON_LOCAL_ERROR, now) == STBF_OK);
    CHECK(stbf_server_status(e, act.server, &info) == STBF_OK);
    CHECK(info.last_failure != STBF_REASON_LOCAL_ERROR);
    return 0;
}
