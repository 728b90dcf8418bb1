// Where a box keeps its softcam config: the one list used by the default config (an import
// entry with "discover"), by `stbfailover setup` and by the Enigma2 plugin (through
// `stbfailover discover`). Layouts of OpenPLi, OpenATV, OpenViX and OE-Alliance images:
//
//   1. the running OSCam's / NCam's own folder: `ConfigDir:` in /tmp/.oscam/oscam.version
//      (oscam.server) and /tmp/.ncam/ncam.version (ncam.server)
//   2. /etc/tuxbox/config/oscam.server            (OpenATV, OpenViX)
//   3. /etc/tuxbox/config/oscam*/oscam.server     (OpenPLi's oscam/, oscam-<variant>/), sorted
//   4. /etc/tuxbox/config/ncam.server, /etc/tuxbox/config/ncam*/ncam.server (NCam, same syntax)
//   5. /etc/CCcam.cfg                             (/var/etc is a link to /etc)
//
// Every path is taken relative to a root folder ("/" on a box; tests use fake roots laid out
// like the images). A file is listed once even when two entries name it.
#ifndef STBF_FIRMWARE_DISCOVERY_H
#define STBF_FIRMWARE_DISCOVERY_H

#include <string>
#include <vector>

#include "config_json.h"

namespace stbf::fw {

/// One softcam config found on the box.
struct SoftcamConfigFile {
    std::string path;       ///< full path, root included
    std::string box_path;   ///< the path as the box sees it (root left out), for messages
    FileFormat format = FileFormat::Auto;  ///< Oscam (oscam.server, ncam.server) or Cccam
    std::string cam;        ///< "oscam", "ncam" or "cccam"
    bool running = false;   ///< named by a running cam's version file (ConfigDir:)
};

/// The softcam configs that exist under `root`, in the order above. Never fails: a missing
/// or unreadable place is simply not listed.
std::vector<SoftcamConfigFile> discover_softcam_configs(const std::string& root);

/// The file `setup` should rewrite: the running cam's (ConfigDir:), else the one belonging to
/// the cam /etc/init.d/softcam points at (softcam.oscam*, softcam.ncam*, softcam.cccam*), else
/// the first found. *why says which rule chose it. False when nothing was found.
bool choose_softcam_config(const std::string& root, SoftcamConfigFile* out, std::string* why);

/// How the image restarts the softcam: {root/etc/init.d/softcam, "restart"} where that link
/// exists, else the cam's own script /etc/init.d/softcam.<NAME> whose NAME contains `cam`
/// (case-insensitive). Empty when there is neither.
std::vector<std::string> softcam_restart_command(const std::string& root, const std::string& cam);

/// `root` + `box_path` without a doubled '/'.
std::string under_root(const std::string& root, const std::string& box_path);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_DISCOVERY_H
