#include "fuzz_targets.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "admin_store.h"
#include "config_json.h"
#include "config_diagnostics.h"
#include "config_writer.h"
#include "control.h"
#include "json_number.h"
#include "web.h"
#include "softcam_writer.h"
#include "stbf/cccam_cfg.h"
#include "stbf/grouping.h"
#include "stbf/oscam_server.h"

namespace stbf_fuzz {

namespace {

// A value-initialised T in a per-process slot (`Slot` tells apart the ones alive at once).
// A Config is about 0.5 MB at the build's upper bounds; allocating fresh ones for every input
// made replays slow, and under qemu-arm the churn of large mappings ran ASan out of the
// address range its shadow covers.
template <typename T, int Slot>
T* fresh() {
    static T* const storage = new T();
    storage->~T();
    return new (storage) T();
}

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
        std::abort();
    }
}

using Reader = stbf::Status (*)(const char*, size_t, uint8_t, stbf::Config*, stbf::Diagnostics*,
                                stbf::SourceSpan*, stbf::ImportCounts*);

void check_diagnostics(const stbf::Diagnostics& d) {
    require(d.count() <= STBF_MAX_DIAGNOSTICS, "diagnostic count within capacity");
    for (size_t i = 0; i < d.count(); ++i) {
        require(d.at(i).message != nullptr && d.at(i).message[0] != '\0', "every diagnostic has a message");
        require(d.at(i).detail.size() <= STBF_DIAG_DETAIL_MAX, "detail fits");
    }
}

void check_groups(stbf::Config* cfg, stbf::Diagnostics* diags, stbf::SourceSpan* spans) {
    const size_t before = cfg->server_count;
    stbf::group_by_account(cfg, 0, stbf::GroupConfig{}, diags, spans);
    require(cfg->server_count <= before, "grouping only drops servers");
    const stbf::Status ports = stbf::assign_listen_ports(cfg, diags);
    size_t grouped = 0;
    for (uint16_t g = 0; g < cfg->group_count; ++g) {
        const stbf::GroupConfig& gc = cfg->groups[g];
        require(gc.server_count > 0, "no empty imported group");
        grouped += gc.server_count;
        for (uint16_t k = 0; k < gc.server_count; ++k) {
            require(gc.servers[k] < cfg->server_count, "group member index in range");
            require(stbf::same_account(cfg->servers[gc.servers[0]], cfg->servers[gc.servers[k]]),
                    "a group holds one account");
        }
        if (ports == stbf::Status::Ok) {
            require(gc.listen_port >= cfg->listen_port_base &&
                        gc.listen_port < cfg->listen_port_base + stbf::kListenPortSpan,
                    "derived port in range");
            for (uint8_t h = 0; h < g; ++h)
                require(cfg->groups[h].listen_port != gc.listen_port, "listen ports distinct");
            const uint8_t slots = stbf::group_slot_count(*cfg, gc);
            require(slots >= 1 && slots <= STBF_MAX_SLOTS, "slot count 1..STBF_MAX_SLOTS");
            require(gc.slot_ports[0] == gc.listen_port, "slot 1 is the listen port");
            for (uint8_t k = 0; k < STBF_MAX_SLOTS; ++k) {
                require((gc.slot_ports[k] != 0) == (k < slots), "a port per used slot only");
                for (uint8_t h = 0; h <= g; ++h)
                    for (uint8_t j = 0; j < STBF_MAX_SLOTS; ++j)
                        require(gc.slot_ports[k] == 0 || (h == g && j == k) ||
                                    cfg->groups[h].slot_ports[j] != gc.slot_ports[k],
                                "slot ports distinct across groups and slots");
            }
        }
    }
    require(grouped == cfg->server_count, "every kept server in exactly one group");
}

// The softcam side: the rewritten file reads back without an error, and every group's slot 1
// port is what some server of the rewritten file points at.
void check_rewrite(Reader read, const std::string& text, bool oscam, const stbf::Config& cfg,
                   const stbf::SourceSpan* spans) {
    stbf::fw::SoftcamSource source;
    source.text = text;
    source.format = oscam ? stbf::fw::FileFormat::Oscam : stbf::fw::FileFormat::Cccam;
    source.first_server = 0;
    source.spans.assign(spans, spans + cfg.server_count);
    const std::string out = stbf::fw::rewrite_softcam_config(source, cfg);
    require(stbf::fw::is_rewritten_softcam_config(out), "rewritten file carries the header");
    stbf::Config* again = fresh<stbf::Config, 1>();
    stbf::Diagnostics* diags = fresh<stbf::Diagnostics, 1>();
    read(out.data(), out.size(), 0, again, diags, nullptr, nullptr);
    require(diags->errors() == 0, "rewritten file reads back without an error");
    if (again->server_count >= STBF_MAX_SERVERS) return;  // slot copies filled the table
    for (uint16_t g = 0; g < cfg.group_count; ++g) {
        bool pointed = false;
        for (uint16_t i = 0; i < again->server_count && !pointed; ++i)
            pointed = again->servers[i].port == cfg.groups[g].slot_ports[0] &&
                      std::string(again->servers[i].host.c_str()) == "127.0.0.1";
        require(pointed || cfg.groups[g].slot_ports[0] == 0, "each group's slot 1 is pointed at");
    }
}

struct SpanTable {
    stbf::SourceSpan spans[STBF_MAX_SERVERS];
};

void text_reader(Reader read, const uint8_t* data, size_t size) {
    // a copy of exactly `size` bytes so ASan catches any read past the end
    std::unique_ptr<char[]> text(new char[size == 0 ? 1 : size]);
    for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>(data[i]);
    stbf::Config* cfg = fresh<stbf::Config, 0>();
    stbf::Diagnostics* diags = fresh<stbf::Diagnostics, 0>();
    stbf::SourceSpan* spans = fresh<SpanTable, 0>()->spans;
    stbf::ImportCounts counts;
    const stbf::Status st = read(text.get(), size, 0, cfg, diags, spans, &counts);
    // softcam files are read as tolerantly as the softcam reads them: never an error
    require(diags->errors() == 0, "a softcam file is never an error");
    require(st == stbf::Status::Ok || st == stbf::Status::CapacityExceeded, "Ok or full");
    require(counts.imported == cfg->server_count, "imported count matches");
    require(cfg->server_count <= STBF_MAX_SERVERS, "server count within capacity");
    check_diagnostics(*diags);
    for (uint16_t i = 0; i < cfg->server_count; ++i) {
        const stbf::ServerConfig& s = cfg->servers[i];
        const stbf::SourceSpan& sp = spans[i];
        require(s.port != 0, "server port 1..65535");
        require(!s.host.empty(), "server host not empty");
        require(s.source.line > 0, "server has a source line");
        require(sp.block_begin <= sp.addr_begin && sp.addr_begin < sp.addr_end &&
                    sp.addr_end <= sp.block_end && sp.block_end <= size,
                "span inside the text");
    }
    check_groups(cfg, diags, spans);
    for (uint16_t i = 0; i < cfg->server_count; ++i) {
        const stbf::SourceSpan& sp = spans[i];
        require(sp.addr_end <= size && sp.block_end <= size, "compacted span inside the text");
    }
    check_rewrite(read, std::string(text.get(), size), read == &stbf::parse_oscam_server, *cfg,
                  spans);
}

}  // namespace

void cccam_cfg(const uint8_t* data, size_t size) { text_reader(&stbf::parse_cccam_cfg, data, size); }

void oscam_server(const uint8_t* data, size_t size) {
    text_reader(&stbf::parse_oscam_server, data, size);
}

void config_json(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    stbf::Config* cfg = fresh<stbf::Config, 0>();
    stbf::Diagnostics* diags = fresh<stbf::Diagnostics, 0>();
    stbf::fw::Globals globals;
    const stbf::fw::LoadResult r = stbf::fw::load_config_text(
        text, "fuzz.json", stbf::fw::FileFormat::Json, cfg, &globals, diags, nullptr, false);
    check_diagnostics(*diags);
    for (size_t i = 0; i < diags->count(); ++i) (void)stbf::fw::format_diagnostic(*cfg, diags->at(i));
    require((r == stbf::fw::LoadResult::Ok) == (diags->errors() == 0), "Ok exactly when no error");
    if (r != stbf::fw::LoadResult::Ok) return;
    for (uint16_t g = 0; g < cfg->group_count; ++g) cfg->groups[g].listen_pinned = true;
    const std::string printed = stbf::fw::config_to_json(*cfg, globals);
    stbf::Config* again = fresh<stbf::Config, 1>();
    stbf::Diagnostics* diags2 = fresh<stbf::Diagnostics, 1>();
    stbf::fw::Globals globals2;
    const stbf::fw::LoadResult r2 = stbf::fw::load_config_text(
        printed, "printed.json", stbf::fw::FileFormat::Json, again, &globals2, diags2, nullptr,
        false);
    require(r2 == stbf::fw::LoadResult::Ok, "printed config loads again");
    require(again->group_count == cfg->group_count, "same group count after a round trip");
    for (uint16_t g = 0; g < cfg->group_count; ++g) {
        require(again->groups[g].listen_port == cfg->groups[g].listen_port, "same listen port");
        require(again->groups[g].server_count == cfg->groups[g].server_count, "same servers");
    }
}

namespace {
// A fixed hash of "fuzz-password" (made once; the fuzzer must not pay for PBKDF2 rounds).
const char* const kFuzzHash =
    "pbkdf2-sha256$1$00112233445566778899aabbccddeeff$"
    "0000000000000000000000000000000000000000000000000000000000000000";
}  // namespace

void web_request(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    int admin_calls = 0;
    stbf::daemon::WebHandlers handlers{[] { return std::string("{}"); },
                                       [&](const stbf::daemon::AdminRequest&, const std::string&) {
                                           ++admin_calls;
                                           return std::string("ok\n");
                                       }};
    for (const char* hash : {"", kFuzzHash}) {
        stbf::daemon::WebAccess access{hash, "0123456789abcdef0123456789abcdef"};
        for (bool complete : {true, false}) {
            const std::string r =
                stbf::daemon::web_http_answer(text, complete, "127.0.0.1", access, handlers);
            require(r.compare(0, 9, "HTTP/1.1 ") == 0, "every answer is an HTTP response");
            require(r.find("0000000000000000000000000000000000000000000000000000000000000000") ==
                        std::string::npos,
                    "the password hash is never sent");
            if (text.find("0123456789abcdef0123456789abcdef") == std::string::npos)
                require(admin_calls == 0, "no admin change without the CSRF token");
        }
    }
}

void control_line(const uint8_t* data, size_t size) {
    const std::string line(reinterpret_cast<const char*>(data), size);
    stbf::daemon::AdminRequest r;
    std::string error;
    if (stbf::daemon::parse_admin_request(line, &r, &error)) {
        stbf::daemon::AdminRequest again;
        require(stbf::daemon::parse_admin_request(stbf::daemon::admin_request_line(r), &again, &error),
                "a printed request parses");
        require(again.group == r.group && again.server == r.server && again.all == r.all &&
                    again.state == r.state && again.grace_ms == r.grace_ms,
                "a request round-trips");
    }
    stbf::daemon::ControlHandlers handlers{[](bool) { return std::string("s"); },
                                           [] { return std::string("ok"); },
                                           [] { return std::string("e"); },
                                           [](const stbf::daemon::AdminRequest&, const std::string&) {
                                               return std::string("ok\n");
                                           }};
    require(!stbf::daemon::control_answer(line, handlers, "uid 0").empty(), "every line is answered");
}

void admin_state(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<stbf::daemon::AdminRecord> records, again;
    if (!stbf::daemon::AdminStore::from_json(text, &records)) return;
    require(stbf::daemon::AdminStore::from_json(stbf::daemon::AdminStore::to_json(records), &again),
            "a printed state file parses");
    require(again.size() == records.size(), "every record survives printing");
    for (size_t i = 0; i < records.size(); ++i)
        require(again[i].group == records[i].group && again[i].server == records[i].server &&
                    again[i].state == records[i].state && again[i].since == records[i].since,
                "records round-trip");
}

void json_number(const uint8_t* data, size_t size) {
    static const char kAlphabet[] = "0123456789+-.eE";
    std::string text(size, '0');
    for (size_t i = 0; i < size; ++i) text[i] = kAlphabet[data[i] % (sizeof kAlphabet - 1)];
    char* want_end = nullptr;
    char* got_end = nullptr;
    const double want = std::strtod(text.c_str(), &want_end);
    const double got = stbf::fw::parse_decimal_double(text.c_str(), &got_end);
    require(got_end == want_end, "ends where strtod ends");
    if (std::isinf(want) || want == 0 || std::isinf(got) || got == 0) {
        // Next to the ends of the range a few ulps may cross into infinity or zero.
        require(std::signbit(got) == std::signbit(want), "same sign");
        require(std::isinf(want) ? (std::isinf(got) || std::fabs(got) > 1e308)
                : want == 0      ? (got == 0 || std::fabs(got) < 1e-307)
                                 : (std::fabs(want) > 1e308 || std::fabs(want) < 1e-307),
                "infinity and zero only at the ends of the range");
        return;
    }
    int64_t a, b;
    std::memcpy(&a, &got, sizeof a);
    std::memcpy(&b, &want, sizeof b);
    require((a > b ? a - b : b - a) <= 8, "within 8 ulps of strtod");
}

}  // namespace stbf_fuzz
