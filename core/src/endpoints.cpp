#include "stbf/endpoints.h"

namespace stbf {

void EndpointCache::start_resolve(Entry& e, TimeUs now) {
    if (e.request != 0 || e.numeric) return;
    uint32_t request = 0;
    deadline_dirty_ = true;
    const uint32_t tag = tag_base_ + static_cast<uint32_t>(&e - entries_);
    if (port_->resolve_start(port_->ctx, e.host.c_str(), e.port, tag, &request) == STBF_PORT_OK &&
        request != 0) {
        e.request = request;
        e.refresh_at = kNever;  // rescheduled when the answer comes
    } else {
        e.refresh_at = now + kRetryUs;
    }
}

EndpointCache::Lookup EndpointCache::lookup(ServerSlot slot, const ServerConfig& server,
                                            TimeUs now, stbf_addr* out, uint8_t* endpoint) {
    if (slot >= count_) return Lookup::Failed;
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

ServerSlot EndpointCache::on_resolved(uint32_t tag, uint32_t request, TimeUs now, bool* usable) {
    *usable = false;
    const uint32_t slot = tag - tag_base_;  // wraps to a huge value for a smaller tag
    if (request == 0 || tag < tag_base_ || slot >= count_) return kNoServer;
    Entry& e = entries_[slot];
    if (!e.in_use || e.request != request) return kNoServer;
    e.request = 0;
    deadline_dirty_ = true;
    stbf_addr fresh[STBF_MAX_ENDPOINTS_PER_SERVER];
    size_t n = 0;
    const stbf_port_status st =
        port_->resolve_take(port_->ctx, request, fresh, STBF_MAX_ENDPOINTS_PER_SERVER, &n);
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

void EndpointCache::report_failure(ServerSlot slot, uint8_t endpoint, TimeUs now) {
    if (slot >= count_) return;
    Entry& e = entries_[slot];
    if (!e.in_use || e.count == 0) return;
    if (endpoint == e.current) e.current = static_cast<uint8_t>((e.current + 1) % e.count);
    if (!e.numeric && e.request == 0) {
        const TimeUs soon = now + kRetryUs;
        if (soon < e.refresh_at) e.refresh_at = soon;
        deadline_dirty_ = true;
    }
}

TimeUs EndpointCache::next_deadline() const {
    if (!deadline_dirty_) return deadline_;
    TimeUs next = kNever;
    for (uint32_t i = 0; i < count_; ++i) {
        const Entry& e = entries_[i];
        if (e.in_use && !e.numeric && e.request == 0 && e.refresh_at < next) next = e.refresh_at;
    }
    deadline_ = next;
    deadline_dirty_ = false;
    return next;
}

void EndpointCache::on_timeout(TimeUs now) {
    for (uint32_t i = 0; i < count_; ++i) {
        Entry& e = entries_[i];
        if (e.in_use && !e.numeric && e.request == 0 && e.refresh_at <= now) start_resolve(e, now);
    }
}

void EndpointCache::forget(ServerSlot slot) {
    if (slot >= count_) return;
    Entry& e = entries_[slot];
    if (e.request != 0 && port_ != nullptr) port_->resolve_cancel(port_->ctx, e.request);
    e = Entry();
    deadline_dirty_ = true;
}

void EndpointCache::clear() {
    for (uint32_t slot = 0; slot < count_; ++slot) forget(static_cast<ServerSlot>(slot));
}

uint8_t EndpointCache::endpoint_count(ServerSlot slot) const {
    return slot < count_ && entries_[slot].in_use ? entries_[slot].count : 0;
}

bool EndpointCache::resolving(ServerSlot slot) const {
    return slot < count_ && entries_[slot].request != 0;
}

}  // namespace stbf
