// Provider server list: parse with the config loader, cache atomically, refresh with jitter
// (see server_list.h).
#include "tls/server_list.h"

#include <cjson/cJSON.h>

#include <algorithm>
#include <utility>

#include "atomic_file.h"
#include "config_json.h"
#include "config_diagnostics.h"
#include "text_file.h"
#include "stbf/diagnostics.h"

namespace stbf::tls {

namespace {

// First line of the cache file; the URL follows it so a cache never serves another source.
const char kCacheMagic[] = "stbfailover-server-list 1 ";
// Errors quoted in one message; the rest are counted.
constexpr size_t kErrorsShown = 3;

std::string json_string(const std::string& s) {
    cJSON* node = cJSON_CreateString(s.c_str());
    char* printed = node ? cJSON_PrintUnformatted(node) : nullptr;
    std::string out = printed ? printed : "\"\"";
    if (printed) cJSON_free(printed);
    cJSON_Delete(node);
    return out;
}

// Where the wrapper text went into a list, so messages can point into the list itself.
struct Insertion {
    uint32_t line = 1;     // 1-based line of the list holding the insertion
    uint32_t column = 1;   // 1-based column where it starts
    size_t shift = 0;      // bytes it adds to the rest of that line
};

// A JSON list becomes a one-group config text. The wrapper goes in just before the list's
// first byte (on its line), so lines stay those of the list and only that line's columns shift
// (*at says by how much).
bool wrap_json_list(const std::string& body, size_t first, const std::string& group_name,
                    std::string* wrapped, Insertion* at, std::string* error) {
    const std::string name = "{\"groups\":[{\"name\":" + json_string(group_name);
    const std::string lead = body.substr(0, first);  // blank lines and indentation kept
    at->line = 1 + static_cast<uint32_t>(std::count(lead.begin(), lead.end(), '\n'));
    const size_t line_start = lead.rfind('\n') == std::string::npos ? 0 : lead.rfind('\n') + 1;
    at->column = static_cast<uint32_t>(first - line_start + 1);
    if (body[first] == '[') {
        const std::string prefix = name + ",\"servers\":";
        at->shift = prefix.size();
        *wrapped = lead + prefix + body.substr(first) + "}]}";
        return true;
    }
    // An object: {"servers": [...], <group settings>}. The box owner's config decides the
    // group's name and local port, never the provider.
    if (cJSON* root = cJSON_Parse(body.c_str())) {
        const bool has_servers = cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "servers"));
        const bool sets_name = cJSON_GetObjectItemCaseSensitive(root, "name") != nullptr;
        const bool sets_listen = cJSON_GetObjectItemCaseSensitive(root, "listen") != nullptr;
        cJSON_Delete(root);
        if (!has_servers) {
            *error = "list object needs a \"servers\" array";
            return false;
        }
        if (sets_name || sets_listen) {
            *error = "a server list may not set \"name\" or \"listen\"; the box's config does";
            return false;
        }
    }
    // Invalid JSON is wrapped too: the loader then reports where it breaks. The list's '{' is
    // replaced by the wrapper's, so the wrapper adds name.size() + 1 - 1 bytes.
    at->shift = name.size();
    *wrapped = lead + name + "," + body.substr(first + 1) + "]}";
    return true;
}

}  // namespace

bool parse_server_list(const std::string& body, const std::string& origin,
                       const std::string& group_name, Config* out, std::string* error) {
    const size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        *error = origin + ": list is empty";
        return false;
    }
    std::string text = body;
    fw::FileFormat format = fw::FileFormat::Cccam;
    Insertion wrapper;
    if (body[first] == '[' || body[first] == '{') {
        std::string why;
        if (!wrap_json_list(body, first, group_name, &text, &wrapper, &why)) {
            *error = origin + ": " + why;
            return false;
        }
        format = fw::FileFormat::Json;
    }
    fw::Globals globals;
    std::unique_ptr<Diagnostics> diags(new Diagnostics);
    fw::LoadResult result =
        fw::load_config_text(text, origin.c_str(), format, out, &globals, diags.get(), nullptr, false);
    // A box owner's CCcam.cfg is read tolerantly (a skipped line is a warning); a provider's
    // list is strict: a line that does not read as it should means a broken or cut list, and
    // the last good one stays.
    const bool strict = format == fw::FileFormat::Cccam && diags->warnings() > 0;
    if (result == fw::LoadResult::Ok && !strict && out->server_count > 0) return true;
    error->clear();
    size_t shown = 0;
    for (size_t i = 0; i < diags->count(); ++i) {
        const Diagnostic& d = diags->at(i);
        const bool line_warning = strict && d.severity == Severity::Warning && d.where.line > 0;
        if (d.severity != Severity::Error && !line_warning) continue;
        if (shown < kErrorsShown) {
            Diagnostic in_list = d;
            if (in_list.where.line == wrapper.line && in_list.column >= wrapper.column + wrapper.shift)
                in_list.column = static_cast<uint16_t>(in_list.column - wrapper.shift);
            std::string line = fw::format_diagnostic(*out, in_list);
            // The list is one group of the wrapped text: name its servers as the list does.
            for (size_t at; format == fw::FileFormat::Json && (at = line.find("groups[0].")) != std::string::npos;)
                line.erase(at, 10);
            error->append(shown ? "; " : "").append(line);
        }
        ++shown;
    }
    if (shown > kErrorsShown) error->append("; and " + std::to_string(shown - kErrorsShown) + " more");
    if (error->empty())
        *error = origin + (result == fw::LoadResult::Ok && out->server_count == 0
                               ? ": list holds no servers"
                               : ": list refused");
    return false;
}

stbf_time_us jittered_delay_us(uint32_t refresh_s, uint32_t random) {
    const stbf_time_us base = static_cast<stbf_time_us>(refresh_s) * 1000000u;
    const double fraction = static_cast<double>(random) / 4294967296.0;  // [0, 1)
    const stbf_time_us spread = base / 5;                                // 20 %: -10 % .. +10 %
    return base - base / 10 + static_cast<stbf_time_us>(static_cast<double>(spread) * fraction);
}

ServerListSource::ServerListSource(const stbf_port& port, const SourceOptions& options)
    : port_(port), options_(options), fetch_(port) {
    next_refresh_ = port_.now(port_.ctx);
}

ServerListSource::~ServerListSource() = default;

void ServerListSource::schedule(uint32_t delay_s) {
    uint32_t random = 0;
    port_.random(port_.ctx, reinterpret_cast<uint8_t*>(&random), sizeof random);
    next_refresh_ = port_.now(port_.ctx) + jittered_delay_us(delay_s, random);
}

void ServerListSource::note_failure(FetchFailure failure, const std::string& message) {
    last_failure_ = failure;
    last_error_ = std::string(fetch_failure_name(failure)) + ": " + message;
    std::string line = "server list " + options_.fetch.url + ": " + last_error_ +
                       (has_list() ? " (keeping the last good list)" : " (no list yet)");
    if (port_.log) port_.log(port_.ctx, STBF_LOG_WARNING, line.data(), line.size());
}

bool ServerListSource::adopt(const std::string& body, bool write_cache) {
    std::unique_ptr<Config> parsed(new Config);
    std::string error;
    const size_t first = body.find_first_not_of(" \t\r\n");
    const bool looks_json = first != std::string::npos && (body[first] == '[' || body[first] == '{');
    if (options_.format == fw::FileFormat::Json && !looks_json) {
        note_failure(FetchFailure::BadBody, options_.fetch.url + ": list is not JSON (format json)");
        return false;
    }
    if (options_.format == fw::FileFormat::Cccam && looks_json) {
        note_failure(FetchFailure::BadBody,
                     options_.fetch.url + ": list is JSON, not CCcam.cfg lines (format cccam)");
        return false;
    }
    if (!parse_server_list(body, options_.fetch.url, options_.group_name, parsed.get(), &error)) {
        note_failure(FetchFailure::BadBody, error);
        return false;
    }
    if (write_cache && !options_.cache_path.empty()) {
        std::string backup, why;
        if (!fw::write_file_atomic(options_.cache_path, kCacheMagic + options_.fetch.url + "\n" + body,
                                   &backup, &why)) {
            std::string line = "server list cache " + options_.cache_path + ": " + why;
            if (port_.log) port_.log(port_.ctx, STBF_LOG_WARNING, line.data(), line.size());
        }
    }
    list_ = std::move(parsed);
    list_text_ = body;
    return true;
}

bool ServerListSource::load_cache() {
    next_refresh_ = port_.now(port_.ctx);
    std::string content, unreadable;  // a missing or unreadable cache is simply not used
    if (options_.cache_path.empty() ||
        !fw::read_text_file(options_.cache_path, &content, &unreadable))
        return false;
    const std::string header = kCacheMagic + options_.fetch.url + "\n";
    if (content.compare(0, header.size(), header) != 0) {
        last_failure_ = FetchFailure::None;
        last_error_ = "cache " + options_.cache_path + " is for another source; ignored";
        return false;
    }
    if (!adopt(content.substr(header.size()), false)) {
        last_error_ = "cache " + options_.cache_path + ": " + last_error_;
        return false;
    }
    last_error_.clear();
    return true;
}

bool ServerListSource::apply(const FetchResult& result) {
    fetching_ = false;
    if (result.failure != FetchFailure::None) {
        note_failure(result.failure, result.message);
        schedule(options_.refresh_s < kRetryAfterFailureS ? options_.refresh_s : kRetryAfterFailureS);
        return false;
    }
    if (has_list() && result.body == list_text_) {  // unchanged: nothing to apply or write
        last_success_ = port_.now(port_.ctx);
        last_failure_ = FetchFailure::None;
        last_error_.clear();
        schedule(options_.refresh_s);
        return false;
    }
    if (!adopt(result.body, true)) {
        schedule(options_.refresh_s < kRetryAfterFailureS ? options_.refresh_s : kRetryAfterFailureS);
        return false;
    }
    last_success_ = port_.now(port_.ctx);
    last_failure_ = FetchFailure::None;
    last_error_.clear();
    schedule(options_.refresh_s);
    return true;
}

bool ServerListSource::poll() {
    if (!fetching_) {
        if (port_.now(port_.ctx) < next_refresh_) return false;
        fetch_.start(options_.fetch);
        fetching_ = true;
    }
    if (fetch_.advance()) return false;
    return apply(fetch_.result());
}

void ServerListSource::refresh_now() { next_refresh_ = port_.now(port_.ctx); }

bool ServerListSource::refresh_blocking() {
    fetch_.cancel();
    fetching_ = true;
    return apply(fetch_blocking(port_, options_.fetch));
}

std::string ServerListSource::status_line() const {
    std::string line = "source " + options_.fetch.url + ": ";
    line += has_list() ? std::to_string(list_->server_count) + " servers" : std::string("no list");
    if (!last_error_.empty()) line += "; last refresh failed: " + last_error_;
    return line;
}

}  // namespace stbf::tls
