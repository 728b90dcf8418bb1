#include "stbf/sim/resolver.h"

#include <string.h>

#include <algorithm>

#include "stbf/address.h"
#include "stbf/sim/network.h"

namespace stbf::sim {

std::string Resolver::key(const std::string& name) {
    std::string k = name;
    for (char& ch : k) ch = ascii::to_lower(ch);
    return k;
}

void Resolver::add_name(const std::string& name, std::vector<stbf_addr> addresses) {
    Entry& e = names_[key(name)];
    e.addresses = std::move(addresses);
    e.failure = STBF_PORT_OK;
}

void Resolver::fail_name(const std::string& name, stbf_port_status status) {
    Entry& e = names_[key(name)];
    e.addresses.clear();
    e.failure = status;
}

void Resolver::set_name_delay_us(const std::string& name, uint64_t delay_us) {
    Entry& e = names_[key(name)];
    e.has_delay = true;
    e.delay_us = delay_us;
}

stbf_port_status Resolver::start(const char* host, uint16_t port, uint32_t tag, uint32_t* request) {
    if (host == nullptr || request == nullptr || host[0] == '\0' || strlen(host) > 253) {
        return STBF_PORT_INVALID;
    }
    if (requests_.size() >= max_pending_) return STBF_PORT_NO_RESOURCES;
    Request r;
    r.tag = tag;
    uint64_t delay = default_delay_us_;
    stbf_addr literal{};
    if (parse_numeric_host(host, port, &literal)) {
        r.addresses.push_back(literal);
    } else {
        auto it = names_.find(key(host));
        if (it == names_.end()) {
            r.status = STBF_PORT_NOT_FOUND;
        } else {
            if (it->second.has_delay) delay = it->second.delay_us;
            r.status = it->second.failure;
            for (stbf_addr a : it->second.addresses) {
                a.port = port;
                r.addresses.push_back(a);
            }
            if (r.status == STBF_PORT_OK && r.addresses.empty()) r.status = STBF_PORT_NOT_FOUND;
        }
    }
    uint32_t id = next_request_++;
    if (id == 0) id = next_request_++;  // 0 is never a request
    r.event = clock_.after(delay, [this, id] {
        auto it = requests_.find(id);
        if (it == requests_.end()) return;
        it->second.finished = true;
        it->second.event = 0;
        finished_unreported_.push_back(id);
    });
    requests_.emplace(id, std::move(r));
    *request = id;
    return STBF_PORT_OK;
}

stbf_port_status Resolver::take(uint32_t request, stbf_addr* out, size_t cap, size_t* count) {
    auto it = requests_.find(request);
    if (it == requests_.end() || count == nullptr || (out == nullptr && cap > 0)) {
        return STBF_PORT_INVALID;
    }
    *count = 0;
    Request& r = it->second;
    if (!r.finished) return STBF_PORT_WOULD_BLOCK;
    const stbf_port_status status = r.status;
    const size_t n = std::min(cap, r.addresses.size());
    std::copy(r.addresses.begin(), r.addresses.begin() + static_cast<ptrdiff_t>(n), out);
    *count = status == STBF_PORT_OK ? n : 0;
    cancel(request);
    return status;
}

void Resolver::cancel(uint32_t request) {
    auto it = requests_.find(request);
    if (it == requests_.end()) return;
    clock_.cancel(it->second.event);
    requests_.erase(it);
    finished_unreported_.erase(
        std::remove(finished_unreported_.begin(), finished_unreported_.end(), request),
        finished_unreported_.end());
}

size_t Resolver::collect_finished(stbf_event* events, size_t cap) {
    size_t n = 0;
    while (n < cap && !finished_unreported_.empty()) {
        stbf_event& ev = events[n++];
        ev = stbf_event{};
        ev.kind = STBF_EVENT_RESOLVED;
        ev.sock = STBF_SOCK_INVALID;
        ev.request = finished_unreported_.front();
        finished_unreported_.pop_front();
        auto it = requests_.find(ev.request);
        if (it != requests_.end()) ev.tag = it->second.tag;
    }
    return n;
}

}  // namespace stbf::sim
