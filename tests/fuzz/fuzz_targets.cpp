#include "fuzz_targets.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "config_json.h"
#include "stbf/cccam_cfg.h"
#include "stbf/grouping.h"
#include "stbf/oscam_server.h"

namespace stbf_fuzz {

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
        std::abort();
    }
}

using Reader = stbf::Status (*)(const char*, size_t, uint8_t, stbf::Config*, stbf::Diagnostics*,
                                stbf::SourceSpan*);

void check_diagnostics(const stbf::Diagnostics& d) {
    require(d.count() <= STBF_MAX_DIAGNOSTICS, "diagnostic count within capacity");
    for (size_t i = 0; i < d.count(); ++i) {
        require(d.at(i).message != nullptr && d.at(i).message[0] != '\0', "every diagnostic has a message");
        require(d.at(i).detail.size() <= STBF_DIAG_DETAIL_MAX, "detail fits");
    }
}

void check_groups(stbf::Config* cfg, stbf::Diagnostics* diags) {
    stbf::group_by_account(cfg, 0, stbf::GroupConfig{}, diags);
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
        }
    }
    require(grouped <= cfg->server_count, "no server in two groups");
}

void text_reader(Reader read, const uint8_t* data, size_t size) {
    // a copy of exactly `size` bytes so ASan catches any read past the end
    std::unique_ptr<char[]> text(new char[size == 0 ? 1 : size]);
    for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>(data[i]);
    auto cfg = std::make_unique<stbf::Config>();
    auto diags = std::make_unique<stbf::Diagnostics>();
    std::unique_ptr<stbf::SourceSpan[]> spans(new stbf::SourceSpan[STBF_MAX_SERVERS]);
    const stbf::Status st = read(text.get(), size, 0, cfg.get(), diags.get(), spans.get());
    require((st == stbf::Status::Ok) == (diags->errors() == 0), "Ok exactly when no error");
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
    check_groups(cfg.get(), diags.get());
}

}  // namespace

void cccam_cfg(const uint8_t* data, size_t size) { text_reader(&stbf::parse_cccam_cfg, data, size); }

void oscam_server(const uint8_t* data, size_t size) {
    text_reader(&stbf::parse_oscam_server, data, size);
}

void config_json(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto cfg = std::make_unique<stbf::Config>();
    auto diags = std::make_unique<stbf::Diagnostics>();
    stbf::fw::Globals globals;
    const stbf::fw::LoadResult r = stbf::fw::load_config_text(
        text, "fuzz.json", stbf::fw::FileFormat::Json, cfg.get(), &globals, diags.get(), nullptr, false);
    check_diagnostics(*diags);
    for (size_t i = 0; i < diags->count(); ++i) (void)stbf::fw::format_diagnostic(*cfg, diags->at(i));
    require((r == stbf::fw::LoadResult::Ok) == (diags->errors() == 0), "Ok exactly when no error");
    if (r != stbf::fw::LoadResult::Ok) return;
    for (uint16_t g = 0; g < cfg->group_count; ++g) cfg->groups[g].listen_pinned = true;
    const std::string printed = stbf::fw::config_to_json(*cfg, globals);
    auto again = std::make_unique<stbf::Config>();
    auto diags2 = std::make_unique<stbf::Diagnostics>();
    stbf::fw::Globals globals2;
    const stbf::fw::LoadResult r2 = stbf::fw::load_config_text(
        printed, "printed.json", stbf::fw::FileFormat::Json, again.get(), &globals2, diags2.get(),
        nullptr, false);
    require(r2 == stbf::fw::LoadResult::Ok, "printed config loads again");
    require(again->group_count == cfg->group_count, "same group count after a round trip");
    for (uint16_t g = 0; g < cfg->group_count; ++g) {
        require(again->groups[g].listen_port == cfg->groups[g].listen_port, "same listen port");
        require(again->groups[g].server_count == cfg->groups[g].server_count, "same servers");
    }
}

}  // namespace stbf_fuzz
