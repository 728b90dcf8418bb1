// A provider's server list fetched over HTTPS: parse, validate, cache, refresh.
//
// The config names a source, e.g.
//   "source": {"url": "https://lists.example/box.json", "pin_sha256": "...", "refresh_s": 21600}
// and the list at that URL is either
//   - JSON: an array of server objects, or an object {"servers": [...], <group settings>}, with
//     exactly the server objects and group settings of the JSON config (config_json.h); or
//   - CCcam.cfg text (`C:` / `N:` lines), grouped by account as an import is.
// It is validated by the same loader as the config itself, so every problem is reported with
// its line and column and a list with any error is refused as a whole.
//
// Robustness: whatever goes wrong (DNS, TCP, TLS, HTTP status, bad body, oversize body, timeout),
// the last good list stays current and the reason is kept for `status`. The last good copy is
// written atomically to `cache_path` (with the URL it came from) and loaded at start, so a box
// that boots without network still has its servers. Refreshes are jittered (refresh_s +/- 10 %)
// so a fleet of boxes does not hit the provider at the same moment; after a failure the next try
// comes sooner (min(refresh_s, kRetryAfterFailureS), jittered the same way).
#ifndef STBF_TLS_SERVER_LIST_H
#define STBF_TLS_SERVER_LIST_H

#include <stdint.h>

#include <memory>
#include <string>

#include "config_json.h"
#include "stbf/model.h"
#include "stbf/port.h"
#include "tls/https_fetch.h"

namespace stbf::tls {

/// Seconds before retrying after a failed refresh (when refresh_s is longer).
constexpr uint32_t kRetryAfterFailureS = 600;

struct SourceOptions {
    FetchOptions fetch;                 ///< url, pin / CA / sni, size limit, timeout
    std::string group_name = "source";  ///< group a JSON list's servers form
    uint32_t refresh_s = 21600;         ///< every 6 h (+/- 10 %)
    std::string cache_path;             ///< last good copy; "" = no cache
    /// Json or Cccam: a list in the other format is refused (bad body); Auto: detected.
    fw::FileFormat format = fw::FileFormat::Auto;
};

/// Parses and fully validates a fetched list (format detected from its first non-blank byte:
/// '[' or '{' is JSON, anything else CCcam.cfg). `origin` names the list in messages (the URL).
/// On success fills *out (servers and groups, as the config loader makes them) and returns
/// true; otherwise returns false with *error holding the first problems, each as
/// "origin:LINE:COL: error: message". A list without any server is an error too.
bool parse_server_list(const std::string& body, const std::string& origin,
                       const std::string& group_name, Config* out, std::string* error);

/// refresh_s +/- 10 % in microseconds, spread by `random` (any 32-bit value, uniform).
stbf_time_us jittered_delay_us(uint32_t refresh_s, uint32_t random);

class ServerListSource {
public:
    /// `port` must outlive the source. Nothing happens until load_cache() / poll().
    ServerListSource(const stbf_port& port, const SourceOptions& options);
    ~ServerListSource();
    ServerListSource(const ServerListSource&) = delete;
    ServerListSource& operator=(const ServerListSource&) = delete;

    /// Loads the cached copy, if there is one for this URL and it is still valid. Returns true
    /// when a list is now current. A missing cache is not an error; an unusable one is noted in
    /// last_error(). Schedules the first refresh right away either way.
    bool load_cache();

    /// Non-blocking: starts a refresh when one is due, moves a running one on, and applies it
    /// when it finishes. Call on every loop iteration (and on events for fetch().socket()).
    /// Returns true when a new list became current during this call (apply it like a reload).
    bool poll();

    /// Makes the next poll() start a refresh (e.g. on a manual reload).
    void refresh_now();

    /// Fetches now and waits (bounded by the fetch timeout); for tools and tests. The port must
    /// not be serving anything else meanwhile. Returns true when a new list became current.
    bool refresh_blocking();

    bool has_list() const { return list_ != nullptr; }
    /// The current list; valid only when has_list().
    const Config& list() const { return *list_; }
    /// Raw text of the current list ("" when none).
    const std::string& list_text() const { return list_text_; }

    /// Reason the latest refresh (or cache load) failed, "" when it succeeded.
    const std::string& last_error() const { return last_error_; }
    FetchFailure last_failure() const { return last_failure_; }
    /// One line for `status`: URL, servers in use, and the last failure if any.
    std::string status_line() const;
    /// When the latest fetch succeeded (port clock); 0 = not since start (a cached list only).
    stbf_time_us last_success_at() const { return last_success_; }
    /// Servers of the current list (0 when none).
    uint32_t server_count() const { return list_ ? list_->server_count : 0; }
    /// When the next refresh starts (port clock).
    stbf_time_us next_refresh_at() const { return next_refresh_; }
    /// The fetch in progress, for watching its socket (socket(), interest(), deadline()).
    const HttpsFetch& fetch() const { return fetch_; }

private:
    bool apply(const FetchResult& result);
    bool adopt(const std::string& body, bool write_cache);
    void schedule(uint32_t delay_s);
    void note_failure(FetchFailure failure, const std::string& message);

    const stbf_port& port_;
    SourceOptions options_;
    HttpsFetch fetch_;
    bool fetching_ = false;
    stbf_time_us next_refresh_ = 0;
    stbf_time_us last_success_ = 0;
    std::unique_ptr<Config> list_;
    std::string list_text_;
    std::string last_error_;
    FetchFailure last_failure_ = FetchFailure::None;
};

}  // namespace stbf::tls

#endif  // STBF_TLS_SERVER_LIST_H
