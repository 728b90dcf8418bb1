// Provider server lists named by a config ("source", see config_json.h): where each is cached,
// how `check` shows it, and how a fetched list joins the config (firmware/tls/server_list.h
// fetches and parses them).
#ifndef STBF_FIRMWARE_CONFIG_SOURCES_H
#define STBF_FIRMWARE_CONFIG_SOURCES_H

#include <string>

#include "config_json.h"
#include "stbf/model.h"

namespace stbf::fw {

/// One line for `check`: "https://... -> group sky (json, every 21600 s, pin 1a2b3c4d..,
/// cache /var/lib/stbfailover/source-0123abcd.list)". The pin is shortened.
std::string source_text(const Globals& globals, const SourceSpec& source);
/// Cache file of a source: <cache_dir>/source-<8 hex of the URL's hash>.list
std::string source_cache_path(const Globals& globals, const SourceSpec& source);

/// Adds the servers of a fetched list (parsed by parse_server_list) to `config`: into the
/// source's group, or, for a top-level source, as groups of their own (names must not clash
/// with the config's). Unpinned listen ports are then assigned as the loader does. False with
/// *error when the result would not fit or a name clashes; *config is then unchanged.
bool merge_source_list(Config* config, const SourceSpec& source, const Config& list,
                       std::string* error);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_CONFIG_SOURCES_H
