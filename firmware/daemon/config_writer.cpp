// Writing a config as JSON (see config_writer.h).
#include "config_writer.h"

#include <cjson/cJSON.h>

#include <memory>

#include "stbf/address.h"
#include "stbf/engine.h"    // mode_name
#include "stbf/grouping.h"  // protocol_name

namespace stbf::fw {

std::string config_to_json(const Config& config, const Globals& globals) {
    std::unique_ptr<cJSON, void (*)(cJSON*)> root(cJSON_CreateObject(), cJSON_Delete);
    cJSON* r = root.get();
    cJSON_AddStringToObject(r, "control_socket", globals.control_socket.c_str());
    cJSON_AddStringToObject(r, "metrics_listen", globals.metrics_listen.c_str());
    cJSON_AddStringToObject(r, "log_level", globals.log_level.c_str());
    cJSON_AddNumberToObject(r, "listen_port_base", config.listen_port_base);
    cJSON* groups = cJSON_AddArrayToObject(r, "groups");
    for (uint16_t gi = 0; gi < config.group_count; ++gi) {
        const GroupConfig& g = config.groups[gi];
        cJSON* go = cJSON_CreateObject();
        cJSON_AddStringToObject(go, "name", g.name.c_str());
        if (g.listen_addr.empty()) {
            cJSON_AddNumberToObject(go, "listen", g.listen_port);
        } else {
            // "[::1]:30002" for IPv6, as the reader takes it back.
            char listen[STBF_HOST_MAX + 16];
            format_host_port(g.listen_addr.c_str(), g.listen_port, listen, sizeof(listen));
            cJSON_AddStringToObject(go, "listen", listen);
        }
        cJSON_AddStringToObject(go, "mode", mode_name(g.mode));
        if (g.slots != 0) cJSON_AddNumberToObject(go, "slots", g.slots);
        if (g.slot_share) cJSON_AddBoolToObject(go, "slot_share", true);
        cJSON* servers = cJSON_AddArrayToObject(go, "servers");
        for (uint16_t k = 0; k < g.server_count; ++k) {
            const ServerConfig& s = config.servers[g.servers[k]];
            cJSON* so = cJSON_CreateObject();
            if (s.source.line > 0 && s.source.file < config.file_count)
                cJSON_AddStringToObject(so, "//from",
                                        (std::string(config.files[s.source.file].c_str()) + ":" +
                                         std::to_string(s.source.line))
                                            .c_str());
            cJSON_AddStringToObject(so, "label", s.label.c_str());
            cJSON_AddStringToObject(so, "host", s.host.c_str());
            cJSON_AddNumberToObject(so, "port", s.port);
            cJSON_AddStringToObject(so, "protocol", protocol_name(s.protocol));
            if (!s.user.empty()) cJSON_AddStringToObject(so, "user", s.user.c_str());
            cJSON_AddNumberToObject(so, "weight", s.weight);
            if (s.max_sessions != 0) cJSON_AddNumberToObject(so, "max_sessions", s.max_sessions);
            cJSON_AddNumberToObject(so, "priority", s.priority);
            cJSON_AddBoolToObject(so, "backup", s.backup);
            cJSON_AddBoolToObject(so, "enabled", s.enabled);
            cJSON_AddItemToArray(servers, so);
        }
        cJSON_AddItemToArray(groups, go);
    }
    char* printed = cJSON_Print(r);
    std::string out = printed != nullptr ? printed : "{}";
    cJSON_free(printed);
    return out + "\n";
}

}  // namespace stbf::fw
