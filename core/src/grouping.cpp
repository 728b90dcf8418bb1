#include "stbf/grouping.h"

#include "stbf/config_text.h"

namespace stbf {

namespace {
struct ProtocolName {
    const char* name;
    Protocol protocol;
};
constexpr ProtocolName kProtocolNames[] = {
    {"tcp", Protocol::Tcp},         {"cccam", Protocol::Cccam},
    {"newcamd", Protocol::Newcamd}, {"newcamd525", Protocol::Newcamd},
    {"newcamd524", Protocol::Newcamd524}, {"cs378x", Protocol::Cs378x},
    {"camd35", Protocol::Camd35},
};

constexpr uint32_t kFnvOffset = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;

uint32_t fnv1a(uint32_t h, const void* data, size_t len) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < len; ++i) {
        h ^= p[i];
        h *= kFnvPrime;
    }
    return h;
}

bool name_taken(const Config& cfg, const char* name, size_t len) {
    for (uint16_t g = 0; g < cfg.group_count; ++g)
        if (cfg.groups[g].name.equals(name, len)) return true;
    return false;
}

bool same_host_nocase(const ServerConfig& a, const ServerConfig& b) {
    return a.port == b.port && equals_nocase(a.host.c_str(), a.host.size(), b.host.c_str());
}

// "<family>-<user>", made unique among the config's group names with "-2", "-3", ...
void name_group(Config* cfg, GroupConfig* g, const ServerConfig& first) {
    char base[STBF_NAME_MAX + 1];
    size_t n = 0;
    for (const char* p = protocol_name(protocol_family(first.protocol)); *p != '\0'; ++p)
        base[n++] = *p;
    base[n++] = '-';
    const size_t keep_for_suffix = 4;  // "-999"
    for (size_t i = 0; i < first.user.size() && n < STBF_NAME_MAX - keep_for_suffix; ++i)
        base[n++] = first.user.c_str()[i];
    if (first.user.empty()) {
        const char* anon = "anonymous";
        for (size_t i = 0; anon[i] != '\0'; ++i) base[n++] = anon[i];
    }
    size_t stem = n;
    for (uint32_t suffix = 2; name_taken(*cfg, base, n) && suffix < 1000; ++suffix) {
        n = stem;
        char digits[4];
        size_t d = 0;
        for (uint32_t v = suffix; v != 0; v /= 10) digits[d++] = static_cast<char>('0' + v % 10);
        base[n++] = '-';
        while (d > 0) base[n++] = digits[--d];
    }
    g->name.assign(base, n);
}
}  // namespace

const char* protocol_name(Protocol p) {
    for (const ProtocolName& pn : kProtocolNames)
        if (pn.protocol == p) return pn.name;
    return "tcp";
}

bool protocol_from_name(const char* s, size_t len, Protocol* out) {
    for (const ProtocolName& pn : kProtocolNames) {
        if (equals_nocase(s, len, pn.name)) {
            *out = pn.protocol;
            return true;
        }
    }
    return false;
}

ProbeKind default_probe(Protocol p) {
    switch (p) {
        case Protocol::Cccam: return ProbeKind::Cccam;
        case Protocol::Newcamd:
        case Protocol::Newcamd524: return ProbeKind::Newcamd;
        default: return ProbeKind::Tcp;
    }
}

Protocol protocol_family(Protocol p) {
    return p == Protocol::Newcamd524 ? Protocol::Newcamd : p;
}

bool same_account(const ServerConfig& a, const ServerConfig& b) {
    if (protocol_family(a.protocol) != protocol_family(b.protocol)) return false;
    if (a.user != b.user || a.password != b.password) return false;
    if (protocol_family(a.protocol) == Protocol::Newcamd) {
        if (a.has_key != b.has_key) return false;
        for (size_t i = 0; i < sizeof a.des_key; ++i)
            if (a.des_key[i] != b.des_key[i]) return false;
    }
    return true;
}

uint32_t account_identity(const ServerConfig& s) {
    uint8_t family = static_cast<uint8_t>(protocol_family(s.protocol));
    uint32_t h = fnv1a(kFnvOffset, &family, 1);
    // lengths first so ("ab","c") and ("a","bc") differ
    uint8_t lens[2] = {static_cast<uint8_t>(s.user.size()), static_cast<uint8_t>(s.password.size())};
    h = fnv1a(h, lens, sizeof lens);
    h = fnv1a(h, s.user.c_str(), s.user.size());
    h = fnv1a(h, s.password.c_str(), s.password.size());
    if (protocol_family(s.protocol) == Protocol::Newcamd && s.has_key)
        h = fnv1a(h, s.des_key, sizeof s.des_key);
    return h;
}

uint32_t name_identity(const char* name, size_t len) { return fnv1a(kFnvOffset, name, len); }

Status group_by_account(Config* cfg, uint8_t first_server, const GroupConfig& settings,
                        Diagnostics* diags) {
    Status result = Status::Ok;
    const uint16_t first_group = cfg->group_count;
    for (uint16_t si = first_server; si < cfg->server_count; ++si) {
        const ServerConfig& s = cfg->servers[si];
        GroupConfig* home = nullptr;
        for (uint16_t g = first_group; g < cfg->group_count && home == nullptr; ++g) {
            GroupConfig& cand = cfg->groups[g];
            if (cand.server_count > 0 && same_account(cfg->servers[cand.servers[0]], s))
                home = &cand;
        }
        if (home == nullptr) {
            if (cfg->group_count >= STBF_MAX_GROUPS) {
                diags->add(Severity::Error, s.source, 0,
                           "too many groups (accounts); raise STBF_MAX_GROUPS");
                result = Status::CapacityExceeded;
                continue;
            }
            home = &cfg->groups[cfg->group_count++];
            *home = settings;
            home->server_count = 0;
            home->listen_port = 0;
            home->listen_pinned = false;
            home->identity = account_identity(s);
            home->source = s.source;
            home->name.clear();
            name_group(cfg, home, s);
        }
        if (home->server_count >= STBF_MAX_SERVERS_PER_GROUP) {
            diags->add(Severity::Error, s.source, 0,
                       "too many servers for one account; raise STBF_MAX_SERVERS_PER_GROUP");
            result = Status::CapacityExceeded;
            continue;
        }
        for (uint16_t k = 0; k < home->server_count; ++k) {
            if (same_host_nocase(cfg->servers[home->servers[k]], s)) {
                diags->add(Severity::Warning, s.source, 0,
                           "same host, port and account as an earlier line; listed twice");
                break;
            }
        }
        home->servers[home->server_count++] = si;
    }
    return result;
}

Status assign_listen_ports(Config* cfg, Diagnostics* diags) {
    const uint32_t base = cfg->listen_port_base;
    if (base == 0) {
        diags->add(Severity::Error, SourceRef{}, 0, "listen_port_base must be 1..65535");
        return Status::InvalidArgument;
    }
    const uint32_t span = (65536 - base) < kListenPortSpan ? (65536 - base) : kListenPortSpan;
    Status result = Status::Ok;
    for (uint16_t g = 0; g < cfg->group_count; ++g) {
        const GroupConfig& gc = cfg->groups[g];
        if (!gc.listen_pinned) continue;
        for (uint8_t h = 0; h < g; ++h) {
            if (cfg->groups[h].listen_pinned && cfg->groups[h].listen_port == gc.listen_port &&
                cfg->groups[h].listen_addr == gc.listen_addr) {
                diags->add(Severity::Error, gc.source, 0,
                           "listen port is already used by group", cfg->groups[h].name.c_str(),
                           cfg->groups[h].name.size());
                result = Status::InvalidArgument;
            }
        }
    }
    // Place unpinned groups in (identity, index) order so the outcome ignores file order.
    bool placed[STBF_MAX_GROUPS] = {};
    for (;;) {
        int next = -1;
        for (uint16_t g = 0; g < cfg->group_count; ++g) {
            const GroupConfig& gc = cfg->groups[g];
            if (gc.listen_pinned || placed[g]) continue;
            if (next < 0 || gc.identity < cfg->groups[next].identity) next = g;
        }
        if (next < 0) break;
        placed[next] = true;
        GroupConfig& gc = cfg->groups[next];
        uint32_t slot = gc.identity % span;
        bool found = false;
        for (uint32_t tries = 0; tries < span && !found; ++tries) {
            const uint32_t port = base + (slot + tries) % span;
            bool used = false;
            for (uint16_t h = 0; h < cfg->group_count && !used; ++h) {
                if (h == next) continue;
                const GroupConfig& other = cfg->groups[h];
                used = (other.listen_pinned || placed[h]) && other.listen_port == port;
            }
            if (!used) {
                gc.listen_port = static_cast<uint16_t>(port);
                found = true;
            }
        }
        if (!found) {
            diags->add(Severity::Error, gc.source, 0,
                       "no free listen port above listen_port_base for group", gc.name.c_str(),
                       gc.name.size());
            result = Status::CapacityExceeded;
        }
    }
    return result;
}

}  // namespace stbf
