// The softcam side of stbfailover: the box owner's own CCcam.cfg / oscam.server, rewritten so
// the softcam connects to stbfailover's local slot ports instead of the providers' hosts.
//
// Per group holding servers of the file (the first of them in file order is its "primary"):
// - the primary keeps its [reader] / line; only the address becomes slot 1's local port;
// - slots 2..k each get a copy of it right below (same account and every other setting the
//   owner had), pointing at slot k's port; in oscam.server a copy is labelled "<label>_slotK"
//   (OSCam needs unique labels) and gets `fallback = 1`, so OSCam asks it when the first has
//   not answered within its fallbacktimeout (oscam.conf, default 2500 ms);
// - the group's other servers are now alternatives served through those ports: their lines
//   are commented out with "#stbf# " so the softcam opens one connection per slot;
// - readers of one account on another protocol (linked groups, grouping.h) stay as they are
//   but become the softcam's fallback (`fallback = 1` on the later one in file order):
//   stbfailover never fails over between protocols, the softcam's fallback covers it.
// oscam.server readers that point at stbfailover also get settings that make OSCam come back
// sooner after stbfailover cuts a session, only where the owner has not set them (read from
// OSCam's module-cccam.c / module-newcamd.c / oscam-reader.c):
// - cccam: `ccckeepalive = 1`. cc_idle reconnects a disconnected reader on its idle tick only
//   when keepalive is on; without it a cut slot stays down until the next ECM finds it
//   disconnected. The keepalive also gives stbfailover unanswered bytes to detect a hung
//   upstream by.
// - newcamd, newcamd524: `inactivitytimeout = -1`. newcamd_idle reconnects on every idle tick
//   with -1 (and connects at start, not at the first ECM), so the slot is logged in before it
//   is needed.
// Not written: `reconnecttimeout` (reconnect after an unanswered ECM, default 30 s:
// stbfailover's own hang cut at 2.5 s comes first) and `fallbacktimeout` (an oscam.conf setting,
// the owner's choice). cs378x readers get nothing extra.
// Every other line (comments, F: lines, other readers, disabled or skipped ones) is kept byte for
// byte; inserted lines use the file's own line ending (CRLF stays CRLF), and a file without a
// final newline gets one only where a line is added after its end. A header says what was done.
#ifndef STBF_FIRMWARE_SOFTCAM_WRITER_H
#define STBF_FIRMWARE_SOFTCAM_WRITER_H

#include <string>

#include "config_json.h"
#include "stbf/model.h"

namespace stbf::fw {

/// Prefix of lines commented out by a rewrite.
constexpr const char* kSoftcamCommentMark = "#stbf# ";

/// True if `text` starts with the header a rewrite adds (the file already points at
/// stbfailover; importing it again would be a loop).
bool is_rewritten_softcam_config(const std::string& text);

/// Rewrite `source` (as loaded with load_config into `config`, whose groups carry the listen
/// and slot ports the daemon uses) for the softcam, as described above. A file already carrying
/// the header does not get a second one.
std::string rewrite_softcam_config(const SoftcamSource& source, const Config& config);

/// The JSON config the daemon should run for `config` (an import: every port pinned), and
/// `config` updated to the listen and slot ports the daemon derives when it loads that JSON
/// (JSON groups derive slot ports from their names), so the rewritten softcam file and the
/// daemon agree by construction. False with *error when the JSON does not load back.
bool json_for_softcam(Config* config, const Globals& globals, std::string* json,
                      std::string* error);

}  // namespace stbf::fw

#endif
