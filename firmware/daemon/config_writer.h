// Writing a config back as stbfailover.json: `import` prints it, `setup` and
// `import --softcam-config` write it next to the softcam file they rewrite.
#ifndef STBF_FIRMWARE_CONFIG_WRITER_H
#define STBF_FIRMWARE_CONFIG_WRITER_H

#include <string>

#include "config_json.h"
#include "stbf/model.h"

namespace stbf::fw {

/// The JSON config equivalent to `config` (groups with pinned listen ports, mode, servers with
/// host, port, protocol, label, weight, priority, backup, enabled, user). Never contains a
/// password or key. Ends with "\n". load_config_text reads it back to the same groups.
std::string config_to_json(const Config& config, const Globals& globals);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_CONFIG_WRITER_H
