// Admin store: the operator states set with `stbfailover server drain|disable|enable` (or the
// web page), kept across reloads and restarts until the server is enabled again.
//
// A box owner drains a server for maintenance, and a reload, a crash or a reboot in between must
// not put it back into rotation behind their back. Records are keyed by group name and server
// label (how the owner named them), not by engine slots (which change with reloads). The file
// is a small JSON document in the cache folder, replaced atomically (atomic_file.h), so a power
// cut leaves the old or the new state, never a torn one. Nothing secret is in it.
#ifndef STBF_FIRMWARE_ADMIN_STORE_H
#define STBF_FIRMWARE_ADMIN_STORE_H

#include <stdint.h>

#include <string>
#include <vector>

#include "stbf/engine.h"

namespace stbf::daemon {

struct AdminRecord {
    std::string group, server;  ///< group name, server label
    AdminState state = AdminState::Enabled;
    std::string set_by;  ///< "cli uid 0", "web 192.168.1.20"
    int64_t since = 0;   ///< when it was set (Unix seconds, wall clock)
    uint32_t grace_ms = 0;
};

class AdminStore {
  public:
    /// The state file in `cache_dir`.
    static std::string path_in(const std::string& cache_dir);

    /// Reads `path`. A missing file is an empty store (true). False with *error for a file
    /// that exists but is not a state file; the store is then empty.
    bool load(const std::string& path, std::string* error);
    /// Writes the store to the path given to load() (creating the folder if needed).
    bool save(std::string* error) const;

    /// The record of a server, null if it is enabled (has none).
    const AdminRecord* find(const std::string& group, const std::string& server) const;
    /// Sets a record; an Enabled one removes it.
    void set(const AdminRecord& record);
    const std::vector<AdminRecord>& records() const { return records_; }

    /// The state file text for `records` (JSON, one line per record).
    static std::string to_json(const std::vector<AdminRecord>& records);
    /// Parses a state file; false when it is not one.
    static bool from_json(const std::string& text, std::vector<AdminRecord>* out);

  private:
    std::string path_;
    std::vector<AdminRecord> records_;
};

/// "enabled", "drain", "disabled" -> the state; false for anything else.
bool parse_admin_state(const std::string& text, AdminState* out);

/// "2026-12-01T21:05:00Z" for Unix seconds.
std::string utc_time_text(int64_t unix_seconds);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_ADMIN_STORE_H
