#include "stbf/endpoints.h"

namespace stbf {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Dotted quad, exactly four decimal parts 0..255, nothing after.
bool parse_ipv4(const char* s, uint8_t* out) {
    uint8_t parts[4];
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (*s != '.') return false;
            ++s;
        }
        unsigned value = 0;
        int digits = 0;
        while (is_digit(*s) && digits < 4) {
            value = value * 10 + static_cast<unsigned>(*s - '0');
            ++s;
            ++digits;
        }
        if (digits == 0 || digits > 3 || value > 255) return false;
        parts[part] = static_cast<uint8_t>(value);
    }
    if (*s != '\0') return false;
    for (int i = 0; i < 4; ++i) out[i] = parts[i];
    return true;
}

// RFC 4291 text form: up to eight hex groups, one "::" gap, optional dotted-quad tail.
bool parse_ipv6(const char* s, uint8_t* out) {
    uint16_t groups[8] = {};
    int count = 0;
    int gap = -1;  // index in groups where "::" stands
    const char* p = s;
    if (p[0] == ':') {
        if (p[1] != ':') return false;
        gap = 0;
        p += 2;
    }
    while (*p != '\0') {
        if (count == 8) return false;
        const char* q = p;
        unsigned value = 0;
        int digits = 0;
        while (hex_value(*q) >= 0 && digits < 5) {
            value = value * 16 + static_cast<unsigned>(hex_value(*q));
            ++q;
            ++digits;
        }
        if (*q == '.') {  // embedded IPv4 takes the last two groups
            uint8_t v4[4];
            if (count > 6 || !parse_ipv4(p, v4)) return false;
            groups[count++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
            groups[count++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
            break;
        }
        if (digits == 0 || digits > 4) return false;
        groups[count++] = static_cast<uint16_t>(value);
        p = q;
        if (*p == '\0') break;
        if (*p != ':') return false;
        ++p;
        if (*p == ':') {
            if (gap >= 0) return false;
            gap = count;
            ++p;
        } else if (*p == '\0') {
            return false;  // a single trailing colon
        }
    }
    if (gap < 0 ? count != 8 : count > 7) return false;
    uint16_t full[8] = {};
    if (gap < 0) {
        for (int i = 0; i < 8; ++i) full[i] = groups[i];
    } else {
        const int tail = count - gap;
        for (int i = 0; i < gap; ++i) full[i] = groups[i];
        for (int i = 0; i < tail; ++i) full[8 - tail + i] = groups[gap + i];
    }
    for (int i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<uint8_t>(full[i] >> 8);
        out[2 * i + 1] = static_cast<uint8_t>(full[i] & 0xff);
    }
    return true;
}

}  // namespace

bool parse_numeric_host(const char* host, uint16_t port, stbf_addr* out) {
    stbf_addr a = {};
    a.port = port;
    if (parse_ipv4(host, a.addr)) {
        a.family = 4;
    } else if (parse_ipv6(host, a.addr)) {
        a.family = 6;
    } else {
        return false;
    }
    *out = a;
    return true;
}

bool same_endpoint(const stbf_addr& a, const stbf_addr& b) {
    if (a.family != b.family || a.port != b.port) return false;
    const int n = a.family == 4 ? 4 : 16;
    for (int i = 0; i < n; ++i)
        if (a.addr[i] != b.addr[i]) return false;
    return true;
}

void EndpointCache::start_resolve(Entry& e, TimeUs now) {
    if (e.request != 0 || e.numeric) return;
    uint32_t request = 0;
    if (port_->resolve_start(port_->ctx, e.host.c_str(), e.port, &request) == STBF_PORT_OK &&
        request != 0) {
        e.request = request;
        e.refresh_at = kNever;  // rescheduled when the answer comes
    } else {
        e.refresh_at = now + kRetryUs;
    }
}

EndpointCache::Lookup EndpointCache::lookup(ServerSlot slot, const ServerConfig& server,
                                            TimeUs now, stbf_addr* out, uint8_t* endpoint) {
    if (slot >= STBF_MAX_SERVERS) return Lookup::Failed;
    Entry& e = entries_[slot];
    if (!e.in_use || e.host != server.host || e.port != server.port) {
        forget(slot);
        e.in_use = true;
        e.host = server.host;
        e.port = server.port;
        if (parse_numeric_host(server.host.c_str(), server.port, &e.addrs[0])) {
            e.numeric = true;
            e.count = 1;
        }
    }
    if (e.count == 0) {
        start_resolve(e, now);
        return e.request != 0 ? Lookup::Pending : Lookup::Failed;
    }
    if (!e.numeric && e.refresh_at <= now) start_resolve(e, now);
    *out = e.addrs[e.current];
    *endpoint = e.current;
    return Lookup::Ready;
}

ServerSlot EndpointCache::on_resolved(uint32_t request, TimeUs now, bool* usable) {
    *usable = false;
    if (request == 0) return kNoServer;
    for (unsigned slot = 0; slot < STBF_MAX_SERVERS; ++slot) {
        Entry& e = entries_[slot];
        if (!e.in_use || e.request != request) continue;
        e.request = 0;
        stbf_addr fresh[STBF_MAX_ENDPOINTS_PER_SERVER];
        size_t n = 0;
        const stbf_port_status st = port_->resolve_take(port_->ctx, request, fresh,
                                                        STBF_MAX_ENDPOINTS_PER_SERVER, &n);
        if (st == STBF_PORT_OK && n > 0) {
            if (n > STBF_MAX_ENDPOINTS_PER_SERVER) n = STBF_MAX_ENDPOINTS_PER_SERVER;
            // Keep pointing at the endpoint in use if it is still listed: a refresh must not
            // move sessions' next connects away from an address that works.
            uint8_t current = 0;
            for (size_t i = 0; i < n; ++i) {
                fresh[i].port = e.port;
                if (e.count > 0 && same_endpoint(fresh[i], e.addrs[e.current]))
                    current = static_cast<uint8_t>(i);
            }
            for (size_t i = 0; i < n; ++i) e.addrs[i] = fresh[i];
            e.count = static_cast<uint8_t>(n);
            e.current = current;
            e.refresh_at = now + kRefreshUs;
        } else {
            e.refresh_at = now + kRetryUs;  // keep the old addresses, if any
        }
        *usable = e.count > 0;
        return static_cast<ServerSlot>(slot);
    }
    return kNoServer;
}

void EndpointCache::report_failure(ServerSlot slot, uint8_t endpoint, TimeUs now) {
    if (slot >= STBF_MAX_SERVERS) return;
    Entry& e = entries_[slot];
    if (!e.in_use || e.count == 0) return;
    if (endpoint == e.current) e.current = static_cast<uint8_t>((e.current + 1) % e.count);
    if (!e.numeric && e.request == 0) {
        const TimeUs soon = now + kRetryUs;
        if (soon < e.refresh_at) e.refresh_at = soon;
    }
}

TimeUs EndpointCache::next_deadline() const {
    TimeUs next = kNever;
    for (const Entry& e : entries_)
        if (e.in_use && !e.numeric && e.request == 0 && e.refresh_at < next) next = e.refresh_at;
    return next;
}

void EndpointCache::on_timeout(TimeUs now) {
    for (Entry& e : entries_)
        if (e.in_use && !e.numeric && e.request == 0 && e.refresh_at <= now) start_resolve(e, now);
}

void EndpointCache::forget(ServerSlot slot) {
    if (slot >= STBF_MAX_SERVERS) return;
    Entry& e = entries_[slot];
    if (e.request != 0 && port_ != nullptr) port_->resolve_cancel(port_->ctx, e.request);
    e = Entry();
}

void EndpointCache::clear() {
    for (unsigned slot = 0; slot < STBF_MAX_SERVERS; ++slot) forget(static_cast<ServerSlot>(slot));
}

uint8_t EndpointCache::endpoint_count(ServerSlot slot) const {
    return slot < STBF_MAX_SERVERS && entries_[slot].in_use ? entries_[slot].count : 0;
}

bool EndpointCache::resolving(ServerSlot slot) const {
    return slot < STBF_MAX_SERVERS && entries_[slot].request != 0;
}

}  // namespace stbf
