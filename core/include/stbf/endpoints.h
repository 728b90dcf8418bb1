// Endpoint cache: the addresses the runtime connects to for each server.
//
// Every A/AAAA answer for a server's host is one endpoint. The runtime connects to the current
// endpoint and, after a failure there, rotates to the next one, so a server with a dead address
// and a live one is still reachable. Names are resolved through the port (asynchronously),
// re-resolved on a schedule (DynDNS hosts move) and soon after a failure; a refresh that fails
// keeps the old addresses. Numeric IPv4/IPv6 hosts are parsed (address.h) and never touch the
// resolver.
//
// Freestanding: a table indexed by the engine's server slot, in memory its owner gives it
// (attach), no heap.
#ifndef STBF_ENDPOINTS_H
#define STBF_ENDPOINTS_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/address.h"
#include "stbf/engine.h"
#include "stbf/limits.h"
#include "stbf/model.h"
#include "stbf/port.h"

namespace stbf {

class EndpointCache {
public:
    /// Resolved names are refreshed this often.
    static constexpr TimeUs kRefreshUs = 10ull * 60 * 1000000;
    /// After a failure (connect to an endpoint, or the resolution itself) the name is refreshed
    /// no sooner than this, so a server failing in a loop does not flood the resolver.
    static constexpr TimeUs kRetryUs = 5ull * 1000000;

    enum class Lookup : uint8_t {
        Ready = 0,  ///< `*out` holds the endpoint to use
        Pending,    ///< a resolution is running; wait for its poll event and call on_resolved
        Failed,     ///< the name does not resolve (or the resolver refused the request)
    };

    /// One server slot's addresses; the owner provides `count` of them (one per server slot
    /// of its engine), default-constructed, for the cache's life.
    struct Entry {
        bool in_use = false;
        bool numeric = false;
        FixedString<STBF_HOST_MAX> host;
        uint16_t port = 0;
        stbf_addr addrs[STBF_MAX_ENDPOINTS_PER_SERVER] = {};
        uint8_t count = 0;
        uint8_t current = 0;
        uint32_t request = 0;  // 0 = none running
        TimeUs refresh_at = kNever;
    };

    /// The port whose resolver is used and the table (`count` entries, one per server slot;
    /// slots from `count` on are never ready). Must be set before any other call. The
    /// resolution of server slot `s` is started with tag `tag_base + s`, so its completion
    /// event names the slot (on_resolved) without a search.
    void attach(const stbf_port* port, uint32_t tag_base, Entry* entries, uint32_t count) {
        port_ = port;
        tag_base_ = tag_base;
        entries_ = entries;
        count_ = entries != nullptr ? count : 0;
        deadline_dirty_ = true;
    }

    /// Endpoint for the server in `slot`. A slot whose host or port changed (reload reused it)
    /// starts over. Starts a resolution when the name has no addresses yet (Pending) or when
    /// the addresses are due for refresh (Ready with the old address; the refresh runs in the
    /// background). `*endpoint` receives the endpoint's index for report_failure.
    Lookup lookup(ServerSlot slot, const ServerConfig& server, TimeUs now, stbf_addr* out,
                  uint8_t* endpoint);

    /// A STBF_EVENT_RESOLVED event arrived with `tag` and `request`. Takes the result from the
    /// port. Returns the slot it belonged to (kNoServer if the request is not ours, e.g.
    /// cancelled or replaced) and in `*usable` whether the slot now has at least one address (a
    /// failed refresh keeps the old ones, so waiters can still go ahead). O(1).
    ServerSlot on_resolved(uint32_t tag, uint32_t request, TimeUs now, bool* usable);

    /// Connecting to endpoint `endpoint` of `slot` failed: rotate to the next endpoint (if it
    /// is still the current one) and re-resolve the name soon.
    void report_failure(ServerSlot slot, uint8_t endpoint, TimeUs now);

    /// Time of the next scheduled refresh; kNever if none. O(1) between changes (cached).
    TimeUs next_deadline() const;
    /// Start every refresh due at `now` (at most one request per name at a time).
    void on_timeout(TimeUs now);

    /// Drop `slot` (its server left the config) and cancel its resolution.
    void forget(ServerSlot slot);
    /// Drop everything.
    void clear();

    /// Number of known endpoints of `slot` (0 if not resolved yet).
    uint8_t endpoint_count(ServerSlot slot) const;
    /// True while a resolution for `slot` runs.
    bool resolving(ServerSlot slot) const;

private:
    void start_resolve(Entry& e, TimeUs now);

    const stbf_port* port_ = nullptr;
    uint32_t tag_base_ = 0;
    Entry* entries_ = nullptr;
    uint32_t count_ = 0;
    // The runtime asks for the deadline on every loop iteration; it only moves when an entry
    // changes, so it is recomputed then (lazily), not per iteration.
    mutable bool deadline_dirty_ = true;
    mutable TimeUs deadline_ = kNever;
};

}  // namespace stbf

#endif  // STBF_ENDPOINTS_H
