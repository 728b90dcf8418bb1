// Provider lists of a config (see config_sources.h).
#include "config_sources.h"

#include <cstdio>
#include <memory>

#include "config_tls.h"
#include "stbf/config_text.h"
#include "stbf/grouping.h"
#include "stbf/settings.h"

namespace stbf::fw {

std::string source_text(const Globals& globals, const SourceSpec& source) {
    std::string line = source.url + " -> " +
                       (source.group.empty() ? "own groups (JSON: " + source.name + ")"
                                             : "group " + source.group) +
                       " (" + format_name(source.format) + ", every " +
                       std::to_string(source.refresh_s) + " s";
    uint8_t pin[32];
    if (parse_pin_sha256(source.pin_sha256, pin))
        line += ", pin " + pin_hex(pin).substr(0, 8) + "..";
    if (!source.ca_file.empty()) line += ", ca " + source.ca_file;
    if (!source.sni.empty()) line += ", sni " + source.sni;
    return line + ", cache " + source_cache_path(globals, source) + ")";
}

std::string source_cache_path(const Globals& globals, const SourceSpec& source) {
    char name[32];
    std::snprintf(name, sizeof name, "source-%08x.list",
                  static_cast<unsigned>(name_identity(source.url.data(), source.url.size())));
    return globals.cache_dir + "/" + name;
}

bool merge_source_list(Config* config, const SourceSpec& source, const Config& list,
                       std::string* error) {
    std::unique_ptr<Config> merged(new Config(*config));
    Config& m = *merged;
    uint8_t file = 0;
    if (m.file_count < STBF_MAX_FILES) {
        file = m.file_count++;
        assign_cut(&m.files[file], source.url.data(), source.url.size());
    }
    auto add_server = [&](GroupConfig* g, const ServerConfig& server) {
        if (m.server_count >= m.capacity.servers || g->server_count >= STBF_MAX_SERVERS_PER_GROUP) {
            *error = source.url + ": too many servers (capacity.servers is " +
                     std::to_string(m.capacity.servers) + "; at most " +
                     std::to_string(capacity_range(CapacitySetting::Servers).max) + ")";
            return false;
        }
        ServerConfig s = server;
        s.source.file = file;
        g->servers[g->server_count++] = m.server_count;
        m.servers[m.server_count++] = s;
        return true;
    };
    for (uint16_t lg = 0; lg < list.group_count; ++lg) {
        const GroupConfig& from = list.groups[lg];
        GroupConfig* into = nullptr;
        if (!source.group.empty()) {
            for (uint16_t g = 0; g < m.group_count && into == nullptr; ++g)
                if (source.group == m.groups[g].name.c_str()) into = &m.groups[g];
            if (into == nullptr) {
                *error = source.url + ": group " + source.group + " is not in the config";
                return false;
            }
        } else {
            for (uint16_t g = 0; g < m.group_count; ++g) {
                if (from.name == m.groups[g].name) {
                    *error = source.url + ": list group " + from.name.c_str() +
                             " has the name of a group of the config";
                    return false;
                }
            }
            if (m.group_count >= m.capacity.groups) {
                *error = source.url + ": too many groups (capacity.groups is " +
                         std::to_string(m.capacity.groups) + "; at most " +
                         std::to_string(capacity_range(CapacitySetting::Groups).max) + ")";
                return false;
            }
            GroupConfig g = from;
            if (from.name.c_str() != source.name) {
                // A group of CCcam lines (a JSON list forms the one group named source.name):
                // the lines carry no settings, so the config's defaults apply, as to an import.
                g = source.settings;
                g.name = from.name;
                g.identity = from.identity;
            }
            g.server_count = 0;
            g.listen_port = 0;
            g.listen_pinned = false;
            g.source = SourceRef{file, 0};
            m.groups[m.group_count] = g;
            into = &m.groups[m.group_count++];
        }
        for (uint16_t k = 0; k < from.server_count; ++k)
            if (!add_server(into, list.servers[from.servers[k]])) return false;
    }
    std::unique_ptr<Diagnostics> diags(new Diagnostics);
    if (assign_listen_ports(&m, diags.get()) != Status::Ok) {
        *error = source.url + ": no listen port left for its groups";
        return false;
    }
    *config = m;
    return true;
}

}  // namespace stbf::fw
