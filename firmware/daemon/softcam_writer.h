// The softcam side of an import: the box owner's own CCcam.cfg / oscam.server, rewritten so the
// softcam connects to stbfailover's local listen ports instead of the providers' hosts.
#ifndef STBF_FIRMWARE_SOFTCAM_WRITER_H
#define STBF_FIRMWARE_SOFTCAM_WRITER_H

#include <string>

#include "config_json.h"
#include "stbf/model.h"

namespace stbf::fw {

/// Rewrite `source` (as loaded with load_config into `config`) for the softcam. For every group
/// holding servers of this file, the first of them keeps its line / [reader] with only the
/// address replaced by the group's listen address ("127.0.0.1 PORT" on a C:/N: line,
/// "127.0.0.1,PORT" in `device`); the credentials, flags, { } lists and every other setting stay
/// byte for byte. The group's other servers are alternatives now served through that port:
/// their lines are commented out with "#stbf# " so the softcam opens one connection per account
/// and nothing is lost. Every other line (comments, F: lines, other readers) is kept as is.
/// A header comment says what was done.
std::string rewrite_softcam_config(const SoftcamSource& source, const Config& config);

}  // namespace stbf::fw

#endif
