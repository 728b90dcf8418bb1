#include "event_log.h"

#include "log_limiter.h"

namespace stbf::daemon {

const Event& EventLog::add(const std::string& kind, const std::string& group,
                           const std::string& server, const std::string& text, TimeUs when,
                           int64_t wall) {
    if (!events_.empty()) {
        Event& last = events_.back();
        if (last.kind == kind && last.group == group && last.server == server &&
            when < last.when + kFoldUs &&
            LogLimiter::shape(last.text) == LogLimiter::shape(text)) {
            last.when = when;
            last.wall = wall;
            last.text = text;
            ++last.count;
            return last;
        }
    }
    if (events_.size() >= kCapacity) {
        events_.pop_front();
        ++dropped_;
    }
    Event e;
    e.seq = next_seq_++;
    e.when = when;
    e.wall = wall;
    e.kind = kind;
    e.group = group;
    e.server = server;
    e.text = text;
    events_.push_back(std::move(e));
    return events_.back();
}

namespace {

std::string label_of(const Engine& engine, ServerSlot slot) {
    const ServerConfig* cfg = slot == kNoServer ? nullptr : engine.server_config(slot);
    return cfg != nullptr ? cfg->label.c_str() : "";
}

std::string group_of(const Engine& engine, uint8_t g) {
    return g < engine.group_count() ? engine.group_status(g).config->name.c_str() : "";
}

}  // namespace

NoticeText describe_notice(const Engine& engine, const Notice& n) {
    NoticeText t;
    t.group = group_of(engine, n.group);
    // A retired server's notice names no group index; the engine keeps its former group's name.
    if (t.group.empty() && n.group == kNoGroup && engine.server_in_use(n.server))
        t.group = engine.server_status(n.server).group_name;
    const std::string in_group = t.group.empty() ? "" : " of group " + t.group;
    switch (n.kind) {
        case NoticeKind::ServerState:
            t.kind = "state";
            t.server = label_of(engine, n.server);
            t.text = "server " + t.server + in_group + ": " + server_state_name(n.from_state) +
                     " -> " + server_state_name(n.to_state);
            if (n.reason != Reason::None) t.text += std::string(" (") + reason_name(n.reason) + ")";
            break;
        case NoticeKind::Failover: {
            t.kind = "failover";
            t.server = label_of(engine, n.to);
            const std::string from = n.from == kNoServer ? "none" : label_of(engine, n.from);
            const std::string to = n.to == kNoServer ? "none" : t.server;
            t.text = "group " + t.group + " slot " + std::to_string(n.slot + 1) +
                     ": new sessions " + from + " -> " + to;
            // An operator's drain or disable is the reason, not the server's health: say so
            // instead of the health reason (it was shown as "failover ... refused").
            const AdminState admin =
                n.from == kNoServer ? AdminState::Enabled : engine.admin_state(n.from);
            if (admin != AdminState::Enabled)
                t.text += std::string(" (") + from + " set to " + admin_state_name(admin) + ")";
            else if (n.reason != Reason::None)
                t.text += std::string(" (") + reason_name(n.reason) + ")";
            break;
        }
        case NoticeKind::Panic:
            t.kind = "panic";
            t.text = "group " + t.group +
                     (n.on ? ": panic, no usable server (trying every server)"
                           : ": panic over, a server is usable again");
            break;
        case NoticeKind::Admin:
            t.kind = "admin";
            t.server = label_of(engine, n.server);
            t.text = "server " + t.server + in_group + ": " + admin_state_name(n.admin);
            break;
        case NoticeKind::SlotIdle:
            t.kind = "slot";
            t.text = "group " + t.group + " slot " + std::to_string(n.slot + 1) +
                     " idle: not enough usable servers for another slot";
            break;
    }
    return t;
}

}  // namespace stbf::daemon
