// Building a runtime Config in tests, shared by the rigs of every port (sim_rig.h for the
// simulator, lwip_scenarios_test.cpp for lwIP): groups by name, servers appended to a group.
#ifndef STBF_TESTS_RUNTIME_CONFIG_BUILDER_H
#define STBF_TESTS_RUNTIME_CONFIG_BUILDER_H

#include <stdint.h>

#include <string>

#include "stbf/model.h"

namespace stbf::test {

/// The group `name` of `config`, created on first use listening on 127.0.0.1:listen_port.
inline GroupConfig& group_named(Config& config, const char* name, uint16_t listen_port = 0) {
    for (uint16_t i = 0; i < config.group_count; ++i)
        if (std::string(config.groups[i].name.c_str()) == name) return config.groups[i];
    GroupConfig& g = config.groups[config.group_count++];
    g = GroupConfig();
    g.name.assign(name);
    g.listen_port = listen_port;
    return g;
}

/// Adds server `label` at host:port to group `group` (see group_named), probed by its
/// protocol's greeting. Returns the server's index in the config.
inline uint8_t add_server(Config& config, const char* group, uint16_t listen_port,
                          const char* label, const char* host, uint16_t port,
                          Protocol protocol = Protocol::Cccam) {
    GroupConfig& g = group_named(config, group, listen_port);
    const uint8_t index = config.server_count++;
    ServerConfig& s = config.servers[index];
    s = ServerConfig();
    s.label.assign(label);
    s.host.assign(host);
    s.port = port;
    s.protocol = protocol;
    s.probe = protocol == Protocol::Cccam     ? ProbeKind::Cccam
              : protocol == Protocol::Newcamd ? ProbeKind::Newcamd
                                              : ProbeKind::Tcp;
    g.servers[g.server_count++] = index;
    return index;
}

}  // namespace stbf::test

#endif  // STBF_TESTS_RUNTIME_CONFIG_BUILDER_H
