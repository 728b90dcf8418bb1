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

// The protocol table of grouping.h, in one place.
struct SoftcamProtocolEntry {
    const char* name;
    bool relayed;
    Protocol protocol;
    const char* why;
};
constexpr const char* kUdp = "camd35 (cs357x) runs over UDP in OSCam; stbfailover relays TCP only";
constexpr const char* kNotRelayed = "network protocol stbfailover does not relay";
constexpr const char* kCardReader = "local card reader; nothing to relay";
constexpr SoftcamProtocolEntry kSoftcamProtocols[] = {
    {"cccam", true, Protocol::Cccam, ""},
    {"cccam_ext", true, Protocol::Cccam, ""},
    {"cccam_mcs", true, Protocol::Cccam, ""},
    {"newcamd", true, Protocol::Newcamd, ""},
    {"newcamd525", true, Protocol::Newcamd, ""},
    {"newcamd524", true, Protocol::Newcamd524, ""},
    {"cs378x", true, Protocol::Cs378x, ""},
    {"camd35", false, Protocol::Camd35, kUdp},
    {"cs357x", false, Protocol::Camd35, kUdp},
    {"radegast", false, Protocol::Tcp, kNotRelayed},
    {"gbox", false, Protocol::Tcp, kNotRelayed},
    {"scam", false, Protocol::Tcp, kNotRelayed},
    {"ghttp", false, Protocol::Tcp, kNotRelayed},
    {"camd33", false, Protocol::Tcp, kNotRelayed},
    {"serial", false, Protocol::Tcp, kNotRelayed},
    {"internal", false, Protocol::Tcp, kCardReader},
    {"mouse", false, Protocol::Tcp, kCardReader},
    {"smartreader", false, Protocol::Tcp, kCardReader},
    {"smargo", false, Protocol::Tcp, kCardReader},
    {"sc8in1", false, Protocol::Tcp, kCardReader},
    {"mp35", false, Protocol::Tcp, kCardReader},
    {"pcsc", false, Protocol::Tcp, kCardReader},
    {"coolapi", false, Protocol::Tcp, kCardReader},
    {"stapi", false, Protocol::Tcp, kCardReader},
    {"stinger", false, Protocol::Tcp, kCardReader},
    {"drecas", false, Protocol::Tcp, kCardReader},
    {"db2com", false, Protocol::Tcp, kCardReader},
    {"constcw", false, Protocol::Tcp, kCardReader},
    {"emu", false, Protocol::Tcp, kCardReader},
    {"dvbapi", false, Protocol::Tcp, kCardReader},
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

// Index types of the model may widen (more servers); store without naming the type.
template <typename T>
void set_index(T* to, size_t value) {
    *to = static_cast<T>(value);
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

SoftcamProtocol softcam_protocol(const char* s, size_t len) {
    SoftcamProtocol r;
    for (const SoftcamProtocolEntry& e : kSoftcamProtocols) {
        size_t n = 0;
        while (e.name[n] != '\0') ++n;
        if (n != len) continue;
        bool same = true;
        for (size_t i = 0; i < n && same; ++i) same = s[i] == e.name[i];
        if (!same) continue;
        r.known = true;
        r.relayed = e.relayed;
        r.protocol = e.protocol;
        r.why = e.why;
        return r;
    }
    return r;
}

bool needs_des_key(Protocol p) { return p == Protocol::Newcamd || p == Protocol::Newcamd524; }

ProbeKind default_probe(Protocol p) {
    switch (p) {
        case Protocol::Cccam: return ProbeKind::Cccam;
        case Protocol::Newcamd:
        case Protocol::Newcamd524: return ProbeKind::Newcamd;
        default: return ProbeKind::Tcp;
    }
}

Protocol protocol_family(Protocol p) { return p; }

bool same_account(const ServerConfig& a, const ServerConfig& b) {
    if (protocol_family(a.protocol) != protocol_family(b.protocol)) return false;
    if (a.user != b.user || a.password != b.password) return false;
    if (needs_des_key(a.protocol)) {
        if (a.has_key != b.has_key) return false;
        for (size_t i = 0; i < sizeof a.des_key; ++i)
            if (a.des_key[i] != b.des_key[i]) return false;
    }
    return true;
}

bool same_account_other_protocol(const ServerConfig& a, const ServerConfig& b) {
    return protocol_family(a.protocol) != protocol_family(b.protocol) && !a.user.empty() &&
           a.user == b.user && a.password == b.password;
}

long linked_group(const Config& cfg, size_t g) {
    if (g >= cfg.group_count || cfg.groups[g].server_count == 0) return -1;
    const ServerConfig& mine = cfg.servers[cfg.groups[g].servers[0]];
    for (size_t h = 0; h < cfg.group_count; ++h) {
        if (h == g || cfg.groups[h].server_count == 0) continue;
        if (same_account_other_protocol(mine, cfg.servers[cfg.groups[h].servers[0]]))
            return static_cast<long>(h);
    }
    return -1;
}

uint32_t account_identity(const ServerConfig& s) {
    uint8_t family = static_cast<uint8_t>(protocol_family(s.protocol));
    uint32_t h = fnv1a(kFnvOffset, &family, 1);
    // lengths first so ("ab","c") and ("a","bc") differ
    uint8_t lens[2] = {static_cast<uint8_t>(s.user.size()), static_cast<uint8_t>(s.password.size())};
    h = fnv1a(h, lens, sizeof lens);
    h = fnv1a(h, s.user.c_str(), s.user.size());
    h = fnv1a(h, s.password.c_str(), s.password.size());
    if (needs_des_key(s.protocol) && s.has_key)
        h = fnv1a(h, s.des_key, sizeof s.des_key);
    return h;
}

uint32_t name_identity(const char* name, size_t len) { return fnv1a(kFnvOffset, name, len); }

Status group_by_account(Config* cfg, size_t first_server, const GroupConfig& settings,
                        Diagnostics* diags, SourceSpan* spans) {
    Status result = Status::Ok;
    const size_t first_group = cfg->group_count;
    size_t kept = first_server;  // servers that found a group move down to here
    const size_t count = cfg->server_count;
    for (size_t si = first_server; si < count; ++si) {
        const ServerConfig s = cfg->servers[si];
        GroupConfig* home = nullptr;
        for (size_t g = first_group; g < cfg->group_count && home == nullptr; ++g) {
            GroupConfig& cand = cfg->groups[g];
            if (cand.server_count > 0 && same_account(cfg->servers[cand.servers[0]], s))
                home = &cand;
        }
        if (home == nullptr && cfg->group_count >= cfg->capacity.groups) {
            diags->add(Severity::Warning, s.source, 0,
                       "more accounts than the config's capacity.groups; the first ones in file "
                       "order are imported, this one is skipped (raise \"capacity\": {\"groups\": "
                       "N} in stbfailover.json, at most " STBF_STRINGIFY(STBF_MAX_GROUPS) ")");
            result = Status::CapacityExceeded;
            continue;
        }
        if (home != nullptr && home->server_count >= STBF_MAX_SERVERS_PER_GROUP) {
            diags->add(Severity::Warning, s.source, 0,
                       "more servers for one account than this build serves "
                       "(" STBF_LIMIT_TEXT(STBF_MAX_SERVERS_PER_GROUP) "); this one is skipped");
            result = Status::CapacityExceeded;
            continue;
        }
        if (home == nullptr) {
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
        for (size_t k = 0; k < home->server_count; ++k) {
            if (same_host_nocase(cfg->servers[home->servers[k]], s)) {
                diags->add(Severity::Warning, s.source, 0,
                           "same host, port and account as an earlier line; listed twice");
                break;
            }
        }
        cfg->servers[kept] = s;
        if (spans != nullptr) spans[kept - first_server] = spans[si - first_server];
        set_index(&home->servers[home->server_count++], kept);
        ++kept;
    }
    set_index(&cfg->server_count, kept);
    return result;
}

uint8_t group_slot_count(const Config& cfg, const GroupConfig& g) {
    if (g.slots > 0) return g.slots < STBF_MAX_SLOTS ? g.slots : STBF_MAX_SLOTS;
    size_t enabled = 0;
    for (size_t k = 0; k < g.server_count; ++k)
        if (cfg.servers[g.servers[k]].enabled) ++enabled;
    const uint8_t want = enabled >= 2 ? 2 : 1;
    return want < STBF_MAX_SLOTS ? want : STBF_MAX_SLOTS;
}

namespace {
// Is `port` taken by a listen port (of a group already placed) or a slot port placed before?
bool port_taken(const Config& cfg, const bool* listen_placed, const bool slot_placed[][STBF_MAX_SLOTS],
                size_t self, uint32_t port) {
    for (size_t h = 0; h < cfg.group_count; ++h) {
        const GroupConfig& other = cfg.groups[h];
        if (h != self && (other.listen_pinned || listen_placed[h]) && other.listen_port == port)
            return true;
        for (size_t k = 1; k < STBF_MAX_SLOTS; ++k)
            if (slot_placed[h][k] && other.slot_ports[k] == port) return true;
    }
    return false;
}

// First port from base + start on (wrapping in the span) that no listen port of a placed group
// (with `every_listen`: of any group) and no placed slot uses; 0 if there is none.
uint16_t free_port(const Config& cfg, const bool* listen_placed,
                   const bool slot_placed[][STBF_MAX_SLOTS], size_t self, uint32_t start,
                   bool every_listen) {
    const uint32_t base = cfg.listen_port_base;
    const uint32_t span = (65536 - base) < kListenPortSpan ? (65536 - base) : kListenPortSpan;
    for (uint32_t tries = 0; tries < span; ++tries) {
        const uint32_t port = base + (start + tries) % span;
        bool taken = port_taken(cfg, listen_placed, slot_placed, self, port);
        for (size_t h = 0; every_listen && h < cfg.group_count && !taken; ++h)
            taken = cfg.groups[h].listen_port == port;
        if (!taken) return static_cast<uint16_t>(port);
    }
    return 0;
}

// Stable per-slot hash: the group's listen port mixed with the slot number. From the port, not
// the identity, so a group keeps its slot ports when an imported file becomes a JSON config with
// that port pinned (JSON groups take their identity from the name).
uint32_t slot_identity(uint16_t listen_port, size_t slot) {
    const uint8_t bytes[3] = {static_cast<uint8_t>(listen_port >> 8),
                              static_cast<uint8_t>(listen_port & 0xff), static_cast<uint8_t>(slot)};
    return fnv1a(kFnvOffset, bytes, sizeof bytes);
}
}  // namespace

Status assign_listen_ports(Config* cfg, Diagnostics* diags) {
    const uint32_t base = cfg->listen_port_base;
    if (base == 0) {
        diags->add(Severity::Error, SourceRef{}, 0, "listen_port_base must be 1..65535");
        return Status::InvalidArgument;
    }
    const uint32_t span = (65536 - base) < kListenPortSpan ? (65536 - base) : kListenPortSpan;
    Status result = Status::Ok;
    for (size_t g = 0; g < cfg->group_count; ++g) {
        const GroupConfig& gc = cfg->groups[g];
        if (!gc.listen_pinned) continue;
        for (size_t h = 0; h < g; ++h) {
            if (cfg->groups[h].listen_pinned && cfg->groups[h].listen_port == gc.listen_port &&
                cfg->groups[h].listen_addr == gc.listen_addr) {
                diags->add(Severity::Error, gc.source, 0,
                           "listen port is already used by group", cfg->groups[h].name.c_str(),
                           cfg->groups[h].name.size());
                result = Status::InvalidArgument;
            }
        }
    }
    static_assert(STBF_MAX_SLOTS >= 1, "a group serves at least one slot");
    bool placed[STBF_MAX_GROUPS] = {};
    bool slot_placed[STBF_MAX_GROUPS][STBF_MAX_SLOTS] = {};
    for (size_t g = 0; g < cfg->group_count; ++g)
        for (size_t k = 0; k < STBF_MAX_SLOTS; ++k) cfg->groups[g].slot_ports[k] = 0;
    // Place unpinned groups in (identity, index) order so the outcome ignores file order.
    for (;;) {
        long next = -1;
        for (size_t g = 0; g < cfg->group_count; ++g) {
            const GroupConfig& gc = cfg->groups[g];
            if (gc.listen_pinned || placed[g]) continue;
            if (next < 0 || gc.identity < cfg->groups[next].identity) next = static_cast<long>(g);
        }
        if (next < 0) break;
        const size_t n = static_cast<size_t>(next);
        placed[n] = true;
        GroupConfig& gc = cfg->groups[n];
        gc.listen_port = free_port(*cfg, placed, slot_placed, n, gc.identity % span, false);
        if (gc.listen_port == 0) {
            diags->add(Severity::Error, gc.source, 0,
                       "no free listen port above listen_port_base for group", gc.name.c_str(),
                       gc.name.size());
            result = Status::CapacityExceeded;
        }
    }
    for (size_t g = 0; g < cfg->group_count; ++g) cfg->groups[g].slot_ports[0] = cfg->groups[g].listen_port;
    // Slot ports after every listen port, in (identity, slot, index) order.
    for (size_t k = 1; k < STBF_MAX_SLOTS; ++k) {
        bool done[STBF_MAX_GROUPS] = {};
        for (;;) {
            long next = -1;
            for (size_t g = 0; g < cfg->group_count; ++g) {
                const GroupConfig& gc = cfg->groups[g];
                if (done[g] || k >= group_slot_count(*cfg, gc)) continue;
                if (next < 0 || gc.identity < cfg->groups[next].identity) next = static_cast<long>(g);
            }
            if (next < 0) break;
            const size_t n = static_cast<size_t>(next);
            done[n] = true;
            GroupConfig& gc = cfg->groups[n];
            gc.slot_ports[k] =
                free_port(*cfg, placed, slot_placed, n, slot_identity(gc.listen_port, k) % span, true);
            slot_placed[n][k] = gc.slot_ports[k] != 0;
            if (gc.slot_ports[k] == 0) {
                diags->add(Severity::Error, gc.source, 0,
                           "no free slot port above listen_port_base for group", gc.name.c_str(),
                           gc.name.size());
                result = Status::CapacityExceeded;
            }
        }
    }
    return result;
}

}  // namespace stbf
