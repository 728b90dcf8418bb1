// `stbfailover setup` and `stbfailover restore`: put stbfailover between the softcam and its
// line servers on a box, and take it out again, without ever leaving the box without picture.
//
// setup (root "/" on a box; tests pass a fake root laid out like an image):
//   1. finds the softcam config (discovery.h: the running cam's, else the one /etc/init.d/softcam
//      starts, else the first found), or takes the one it is given;
//   2. imports it (tolerant, as the softcam reads it) and writes /etc/stbfailover/stbfailover.json
//      holding the servers themselves, never an import of the file it is about to rewrite (that
//      would be a loop once the file points at stbfailover); an older JSON is kept as
//      stbfailover.json.stbf-backup;
//   3. rewrites the softcam config to the local slot ports (softcam_writer.h), keeping the
//      original as <file>.stbf-backup and a record in /etc/stbfailover/setup.state (file,
//      backups, a hash of what setup wrote);
//   4. restarts stbfailover (/etc/init.d/stbfailover restart, when it exists) so the new ports
//      listen (if that fails, both files go back and nothing changed: the softcam is never sent
//      to ports nobody serves), then the softcam the way the image does (/etc/init.d/softcam
//      restart where that link exists, else the cam's own /etc/init.d/softcam.<NAME>);
//   5. prints what it did. With dry_run nothing is written or restarted: the diff is printed.
// Running it again when nothing changed says so and changes nothing.
//
// restore puts the softcam config (and the older JSON) back from the backups, refusing with the
// reason when the softcam config was changed since setup wrote it (force: restore anyway and
// keep the changed file as <file>.stbf-changed), removes the record and restarts as above.
//
// Exit codes (setup and restore): 0 done or nothing to do; 1 refused or failed, nothing was
// changed; 2 usage error; 3 files written but a restart failed (restart the softcam by hand).
#ifndef STBF_FIRMWARE_SETUP_H
#define STBF_FIRMWARE_SETUP_H

#include <cstdio>
#include <string>
#include <vector>

namespace stbf::fw {

struct SetupOptions {
    std::string root = "/";     ///< the box's root folder (tests: a fake image root)
    std::string softcam_config;  ///< "" = discover; else this file (a path on the box)
    bool dry_run = false;
    bool force = false;          ///< restore only: restore even when the file was changed
};

/// Exit codes, as documented above.
enum SetupExit : int { kSetupOk = 0, kSetupRefused = 1, kSetupUsage = 2, kSetupRestartFailed = 3 };

/// Runs setup; progress and results go to `out`, problems to `err`. Returns a SetupExit.
int run_setup(const SetupOptions& options, std::FILE* out, std::FILE* err);
/// Runs restore; as run_setup.
int run_restore(const SetupOptions& options, std::FILE* out, std::FILE* err);

/// The record setup keeps: path of the state file under `root`.
std::string setup_state_path(const std::string& root);

/// A line diff of `before` and `after` ("--- NAME", "+++ NAME (after setup)", "@@ line N @@",
/// "-old" / "+new" lines), for --dry-run. Empty when the texts are equal.
std::string line_diff(const std::string& before, const std::string& after, const std::string& name);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_SETUP_H
