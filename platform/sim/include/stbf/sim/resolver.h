// Name resolution of the simulation port: a table host name -> addresses, answered after a
// configurable virtual delay. Implements resolve_start / resolve_take / resolve_cancel of the
// port contract; completions are handed to World::poll as STBF_EVENT_RESOLVED.
//
// Rules: a numeric IPv4/IPv6 literal resolves to itself; a name in the table resolves to its
// addresses in table order (the requested port filled in); a name with a failure set fails with
// that status (NOT_FOUND, TIMEOUT, ERROR); any other name fails NOT_FOUND. Names are compared
// case-insensitively, as DNS does. Every answer comes `delay` after resolve_start (the name's
// own delay if set, else the default), literals included, so the caller always sees the
// asynchronous path.
#ifndef STBF_SIM_RESOLVER_H
#define STBF_SIM_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "stbf/port.h"
#include "stbf/sim/clock.h"

namespace stbf::sim {

class Resolver {
  public:
    explicit Resolver(Clock& clock) : clock_(clock) {}

    /// `name` resolves to `addresses` (numeric literals; their ports are ignored).
    void add_name(const std::string& name, std::vector<stbf_addr> addresses);
    /// `name` fails with `status` (NOT_FOUND, TIMEOUT or ERROR).
    void fail_name(const std::string& name, stbf_port_status status);
    /// Delay of every answer (default 0) / of one name's answers.
    void set_delay_us(uint64_t delay_us) { default_delay_us_ = delay_us; }
    void set_name_delay_us(const std::string& name, uint64_t delay_us);
    /// At most this many requests may be unfinished or untaken at once (default 64);
    /// resolve_start beyond it returns NO_RESOURCES.
    void set_max_pending(size_t n) { max_pending_ = n; }

    // Port contract (see port.h).
    stbf_port_status start(const char* host, uint16_t port, uint32_t tag, uint32_t* request);
    stbf_port_status take(uint32_t request, stbf_addr* out, size_t cap, size_t* count);
    void cancel(uint32_t request);

    /// Hand out finished requests not yet reported, oldest first, at most `cap`.
    size_t collect_finished(stbf_event* events, size_t cap);
    /// Requests started and not yet taken or cancelled.
    size_t pending() const { return requests_.size(); }

  private:
    struct Entry {
        std::vector<stbf_addr> addresses;
        stbf_port_status failure = STBF_PORT_OK;
        bool has_delay = false;
        uint64_t delay_us = 0;
    };
    struct Request {
        bool finished = false;
        uint32_t tag = 0;
        stbf_port_status status = STBF_PORT_OK;
        std::vector<stbf_addr> addresses;
        Clock::EventId event = 0;
    };
    static std::string key(const std::string& name);

    Clock& clock_;
    std::map<std::string, Entry> names_;
    std::map<uint32_t, Request> requests_;
    std::deque<uint32_t> finished_unreported_;
    uint64_t default_delay_us_ = 0;
    size_t max_pending_ = 64;
    uint32_t next_request_ = 1;
};

}  // namespace stbf::sim

#endif  // STBF_SIM_RESOLVER_H
