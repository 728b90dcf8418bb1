// `stbfailover setup`, `stbfailover restore` and `stbfailover discover`: the box owner's path
// (and the Enigma2 plugin's buttons). The work is in setup.h / discovery.h; this is the CLI.
#include <cstdio>
#include <string>

#include "cli_options.h"
#include "command.h"
#include "discovery.h"
#include "setup.h"

namespace {

void setup_usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: stbfailover setup [--dry-run] [--root DIR] [--softcam-config FILE]\n"
                 "  Finds the softcam config (CCcam.cfg, oscam.server, ncam.server), writes\n"
                 "  /etc/stbfailover/stbfailover.json with its servers, points the softcam at\n"
                 "  stbfailover (one reader/line per slot, the original kept as\n"
                 "  FILE.stbf-backup) and restarts stbfailover and the softcam.\n"
                 "  --dry-run             print the changes, write nothing, restart nothing\n"
                 "  --root DIR            the box's root folder (default /)\n"
                 "  --softcam-config FILE this file (a path on the box) instead of discovery\n"
                 "Running it again when nothing changed does nothing. Undo: stbfailover restore.\n"
                 "Exit status: 0 done or nothing to do, 1 refused or failed (nothing changed),\n"
                 "2 usage error, 3 written but a restart failed (restart the softcam by hand).\n");
}

void restore_usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: stbfailover restore [--dry-run] [--root DIR] [--force]\n"
                 "  Puts the softcam config that `stbfailover setup` rewrote back from its\n"
                 "  backup (and the older stbfailover.json) and restarts the softcam. Refuses\n"
                 "  when the file was changed since setup wrote it, saying why.\n"
                 "  --force   restore anyway; the changed file is kept as FILE.stbf-changed\n"
                 "Exit status: 0 restored or nothing to restore, 1 refused or failed (nothing\n"
                 "changed), 2 usage error, 3 restored but a restart failed.\n");
}

void discover_usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: stbfailover discover [--root DIR]\n"
                 "  Lists the softcam configs found on this box, one per line:\n"
                 "  PATH<TAB>FORMAT<TAB>CAM<TAB>running|found; the one setup would take first.\n"
                 "Exit status: 0 something found, 1 nothing found, 2 usage error.\n");
}

int parse(const char* name, int argc, char** argv, void (*usage)(std::FILE*), bool restore,
          stbf::fw::SetupOptions* o) {
    stbf::cli::OptionReader args(name, argc, argv, usage);
    const char* value = nullptr;
    while (args.next()) {
        if (args.flag(nullptr, "--dry-run")) {
            o->dry_run = true;
        } else if (args.value(nullptr, "--root", &value)) {
            o->root = value;
        } else if (!restore && args.value(nullptr, "--softcam-config", &value)) {
            o->softcam_config = value;
        } else if (restore && args.flag(nullptr, "--force")) {
            o->force = true;
        } else {
            return args.unmatched();
        }
    }
    return -1;
}

int cmd_setup(int argc, char** argv) {
    stbf::fw::SetupOptions o;
    const int r = parse("setup", argc, argv, setup_usage, false, &o);
    return r >= 0 ? r : stbf::fw::run_setup(o, stdout, stderr);
}

int cmd_restore(int argc, char** argv) {
    stbf::fw::SetupOptions o;
    const int r = parse("restore", argc, argv, restore_usage, true, &o);
    return r >= 0 ? r : stbf::fw::run_restore(o, stdout, stderr);
}

int cmd_discover(int argc, char** argv) {
    std::string root = "/";
    stbf::cli::OptionReader args("discover", argc, argv, discover_usage);
    const char* value = nullptr;
    while (args.next()) {
        if (args.value(nullptr, "--root", &value))
            root = value;
        else
            return args.unmatched();
    }
    stbf::fw::SoftcamConfigFile chosen;
    std::string why;
    if (!stbf::fw::choose_softcam_config(root, &chosen, &why)) return 1;
    std::printf("%s\t%s\t%s\t%s\n", chosen.path.c_str(), stbf::fw::format_name(chosen.format),
                chosen.cam.c_str(), chosen.running ? "running" : "found");
    for (const stbf::fw::SoftcamConfigFile& f : stbf::fw::discover_softcam_configs(root))
        if (f.path != chosen.path)
            std::printf("%s\t%s\t%s\t%s\n", f.path.c_str(), stbf::fw::format_name(f.format),
                        f.cam.c_str(), f.running ? "running" : "found");
    return 0;
}

}  // namespace

STBF_COMMAND(setup, "point the softcam at stbfailover (rewrites its config; undo with restore)",
             cmd_setup);
STBF_COMMAND(restore, "put the softcam config back as it was before setup", cmd_restore);
STBF_COMMAND(discover, "list the softcam configs found on this box", cmd_discover);
