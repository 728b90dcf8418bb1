// Event history: what happened to servers and groups, for `status --events`, the status JSON
// and the web page, so a box owner can tell why and when a server went down.
//
// Every engine notice (server state change, failover, panic, admin change, idle slot) and every
// reload becomes one entry here and one log line. The history is bounded (the last kCapacity
// entries); an entry that repeats the one before it (same kind, group, server and text up to
// its numbers) within kFoldUs only bumps that entry's count, so a flapping server does not push
// everything else out.
#ifndef STBF_FIRMWARE_EVENT_LOG_H
#define STBF_FIRMWARE_EVENT_LOG_H

#include <stdint.h>

#include <deque>
#include <string>

#include "stbf/engine.h"

namespace stbf::daemon {

struct Event {
    uint64_t seq = 0;   ///< 1, 2, ... in order of arrival
    TimeUs when = 0;    ///< port clock (monotonic) of the latest occurrence
    int64_t wall = 0;   ///< Unix seconds of the latest occurrence
    std::string kind;   ///< "state", "failover", "panic", "admin", "slot", "reload"
    std::string group;  ///< "" when not about one group
    std::string server; ///< "" when not about one server
    std::string text;   ///< one line, no secret
    uint32_t count = 1; ///< occurrences folded into this entry
};

class EventLog {
  public:
    static constexpr size_t kCapacity = 200;
    static constexpr TimeUs kFoldUs = 10 * 1000000ull;

    /// Adds an event (or folds it into the last one). Returns the entry.
    const Event& add(const std::string& kind, const std::string& group, const std::string& server,
                     const std::string& text, TimeUs when, int64_t wall);
    /// Oldest first.
    const std::deque<Event>& events() const { return events_; }
    /// Entries pushed out by the bound, since start.
    uint64_t dropped() const { return dropped_; }

  private:
    std::deque<Event> events_;
    uint64_t next_seq_ = 1;
    uint64_t dropped_ = 0;
};

/// A notice as an event: its kind, group name, server label and one line of text, e.g.
/// "server s1 of group sky: up -> down (refused)", "group sky: new sessions s1 -> s2
/// (refused)", "group sky: panic, no usable server", "server s1 of group sky: drain".
/// A retired server is named under the group it drains from (ServerStatus::group_name).
struct NoticeText {
    std::string kind, group, server, text;
};
NoticeText describe_notice(const Engine& engine, const Notice& notice);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_EVENT_LOG_H
