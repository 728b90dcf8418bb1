#include "setup.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "atomic_file.h"
#include "config_json.h"
#include "config_diagnostics.h"
#include "text_file.h"
#include "discovery.h"
#include "softcam_writer.h"
#include "stbf/grouping.h"

extern char** environ;

namespace stbf::fw {

namespace {

constexpr const char* kBackupSuffix = ".stbf-backup";
constexpr const char* kChangedSuffix = ".stbf-changed";
constexpr const char* kJsonBoxPath = "/etc/stbfailover/stbfailover.json";
constexpr const char* kDaemonInit = "/etc/init.d/stbfailover";
constexpr int kRestartTimeoutS = 60;  // an init script that hangs longer is counted as failed

std::string hash_text(const std::string& text) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// What setup did, for restore: the state file's "key=value" lines (keys in this order).
struct State {
    std::string backup, cam, file, hash, json, json_backup;
    bool has_cam = false;  // files written before the softcam was recorded have no cam= line
};
struct StateKey {
    const char* key;
    std::string State::*value;
};
constexpr StateKey kStateKeys[] = {
    {"backup", &State::backup}, {"cam", &State::cam},   {"file", &State::file},
    {"hash", &State::hash},     {"json", &State::json}, {"json_backup", &State::json_backup}};

bool read_state(const std::string& path, State* state) {
    std::string text, why;
    if (!read_text_file(path, &text, &why)) return false;
    bool has_file = false, has_backup = false, has_hash = false;
    size_t p = 0;
    while (p < text.size()) {
        size_t e = text.find('\n', p);
        if (e == std::string::npos) e = text.size();
        const std::string line = text.substr(p, e - p);
        const size_t eq = line.find('=');
        p = e + 1;
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        for (const StateKey& k : kStateKeys) {
            if (line.compare(0, eq, k.key) != 0 || std::strlen(k.key) != eq) continue;
            state->*k.value = line.substr(eq + 1);
            has_file |= k.value == &State::file;
            has_backup |= k.value == &State::backup;
            has_hash |= k.value == &State::hash;
            state->has_cam |= k.value == &State::cam;
        }
    }
    return has_file && has_backup && has_hash;
}

bool write_state(const std::string& path, const State& state, std::string* error) {
    std::string text = "# written by stbfailover setup; stbfailover restore reads it\n";
    for (const StateKey& k : kStateKeys) text += std::string(k.key) + "=" + state.*k.value + "\n";
    std::string backup;
    return write_file_atomic(path, text, &backup, error, nullptr);
}

void mkdirs(const std::string& dir) {
    for (size_t p = 1; p <= dir.size(); ++p)
        if (p == dir.size() || dir[p] == '/') ::mkdir(dir.substr(0, p).c_str(), 0755);
}

std::string joined(const std::vector<std::string>& argv) {
    std::string s;
    for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
    return s;
}

// Runs argv (no shell) and waits at most kRestartTimeoutS; true when it exited 0.
bool run_command(const std::vector<std::string>& argv, std::string* why) {
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (std::string& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = -1;
    const int spawn_error = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ);
    if (spawn_error != 0) {  // posix_spawn returns the error; errno is not set
        *why = std::string("cannot start: ") + std::strerror(spawn_error);
        return false;
    }
    for (int waited_ms = 0; waited_ms <= kRestartTimeoutS * 1000; waited_ms += 50) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
            *why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                     : std::string("killed by a signal");
            return false;
        }
        if (r < 0 && errno != EINTR) {
            *why = std::string("cannot wait: ") + std::strerror(errno);
            return false;
        }
        const struct timespec step = {0, 50 * 1000 * 1000};
        ::nanosleep(&step, nullptr);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    *why = "did not finish within " + std::to_string(kRestartTimeoutS) + " s";
    return false;
}

// Restarts stbfailover through its init script. True when it restarted or has no script here
// (a box where it is started some other way); false (after a message) when the restart failed.
bool restart_daemon(const std::string& root, std::FILE* out, std::FILE* err) {
    const std::string daemon = under_root(root, kDaemonInit);
    if (::access(daemon.c_str(), X_OK) != 0) return true;
    std::string why;
    if (!run_command({daemon, "restart"}, &why)) {
        std::fprintf(err, "stbfailover: %s restart failed (%s)\n", daemon.c_str(), why.c_str());
        return false;
    }
    std::fprintf(out, "restarted stbfailover: %s restart\n", daemon.c_str());
    return true;
}

// Restarts the softcam the way the image does; false (after a message) if that failed or there
// is no script to do it.
bool restart_softcam(const std::string& root, const std::string& cam, std::FILE* out,
                     std::FILE* err) {
    const std::vector<std::string> cmd = softcam_restart_command(root, cam);
    if (cmd.empty()) {
        std::fprintf(err,
                     "stbfailover: no /etc/init.d/softcam or softcam.* script for %s found; "
                     "restart the softcam yourself\n",
                     cam.c_str());
        return false;
    }
    std::string why;
    if (!run_command(cmd, &why)) {
        std::fprintf(err, "stbfailover: %s failed (%s); restart the softcam yourself\n",
                     joined(cmd).c_str(), why.c_str());
        return false;
    }
    std::fprintf(out, "restarted the softcam: %s\n", joined(cmd).c_str());
    return true;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t p = 0;
    while (p < text.size()) {
        size_t e = text.find('\n', p);
        if (e == std::string::npos) e = text.size();
        std::string l = text.substr(p, e - p);
        if (!l.empty() && l.back() == '\r') l.pop_back();
        lines.push_back(l);
        p = e + 1;
    }
    return lines;
}

std::string cam_of_name(const std::string& path) {
    if (path.find("ncam") != std::string::npos) return "ncam";
    if (path.find("oscam") != std::string::npos) return "oscam";
    return "cccam";
}

}  // namespace

std::string setup_state_path(const std::string& root) {
    return under_root(root, "/etc/stbfailover/setup.state");
}

std::string line_diff(const std::string& before, const std::string& after, const std::string& name) {
    if (before == after) return "";
    const std::vector<std::string> a = split_lines(before), b = split_lines(after);
    const size_t n = a.size(), m = b.size();
    std::string out = "--- " + name + "\n+++ " + name + " (after)\n";
    if (n * m > 16u * 1024 * 1024) {  // too big for the table: show it all as replaced
        out += "@@ line 1 @@\n";
        for (const std::string& l : a) out += "-" + l + "\n";
        for (const std::string& l : b) out += "+" + l + "\n";
        return out;
    }
    // longest common subsequence, from the end
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lcs[i * (m + 1) + j] = a[i] == b[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1
                                                : std::max(lcs[(i + 1) * (m + 1) + j],
                                                           lcs[i * (m + 1) + j + 1]);
    size_t i = 0, j = 0;
    bool in_hunk = false;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            ++i;
            ++j;
            in_hunk = false;
            continue;
        }
        if (!in_hunk) out += "@@ line " + std::to_string(i + 1) + " @@\n";
        in_hunk = true;
        if (i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]))
            out += "-" + a[i++] + "\n";
        else
            out += "+" + b[j++] + "\n";
    }
    return out;
}

int run_setup(const SetupOptions& o, std::FILE* out, std::FILE* err) {
    SoftcamConfigFile f;
    std::string why;
    if (!o.softcam_config.empty()) {
        f.box_path = o.softcam_config;
        f.path = under_root(o.root, o.softcam_config);
        f.cam = cam_of_name(o.softcam_config);
        why = "given on the command line";
    } else if (!choose_softcam_config(o.root, &f, &why)) {
        std::fprintf(err,
                     "stbfailover setup: no softcam config found under %s (looked for "
                     "/etc/CCcam.cfg, /etc/tuxbox/config/oscam*/oscam.server, ncam.server and the "
                     "running cam's ConfigDir); nothing changed\n",
                     o.root.c_str());
        return kSetupRefused;
    }
    std::string text;
    if (!read_text_file(f.path, &text, &why)) {
        std::fprintf(err, "stbfailover setup: cannot read %s: %s; nothing changed\n",
                     f.path.c_str(), why.c_str());
        return kSetupRefused;
    }
    std::fprintf(out, "softcam config: %s (%s)\n", f.path.c_str(), why.c_str());
    const std::string state_path = setup_state_path(o.root);
    State state;
    if (read_state(state_path, &state)) {
        if (state.file == f.path && hash_text(text) == state.hash) {
            std::fprintf(out, "already set up: %s points at stbfailover; nothing to do\n",
                         f.path.c_str());
            return kSetupOk;
        }
        std::fprintf(err,
                     "stbfailover setup: %s was set up before and has changed since (or another "
                     "file was); run `stbfailover restore` first (its backup is %s); nothing "
                     "changed\n",
                     state.file.c_str(), state.backup.c_str());
        return kSetupRefused;
    }
    if (is_rewritten_softcam_config(text)) {
        std::fprintf(err,
                     "stbfailover setup: %s already points at stbfailover but there is no record "
                     "of it (%s); put the original back (%s%s if it is there); nothing changed\n",
                     f.path.c_str(), state_path.c_str(), f.path.c_str(), kBackupSuffix);
        return kSetupRefused;
    }
    auto cfg = std::make_unique<Config>();
    auto diags = std::make_unique<Diagnostics>();
    Globals globals;
    std::vector<SoftcamSource> sources;
    const FileFormat format = f.format != FileFormat::Auto ? f.format : detect_format(text);
    const LoadResult loaded = load_config_text(text, f.path.c_str(), format, cfg.get(), &globals,
                                               diags.get(), &sources, false);
    print_diagnostics(err, *cfg, *diags, false);
    if (loaded != LoadResult::Ok || cfg->group_count == 0 || sources.size() != 1) {
        std::fprintf(err, "stbfailover setup: %s has nothing stbfailover can relay; nothing changed\n",
                     f.path.c_str());
        return kSetupRefused;
    }
    // Keep the daemon settings of the config setup replaces (control socket, metrics, log
    // level, port base): the plugin and `status` find the daemon where they did before.
    const std::string json_path = under_root(o.root, kJsonBoxPath);
    Globals keep;
    {
        auto old_cfg = std::make_unique<Config>();
        auto old_diags = std::make_unique<Diagnostics>();
        Globals old_globals;
        if (exists(json_path) &&
            load_config(json_path.c_str(), old_cfg.get(), &old_globals, old_diags.get()) ==
                LoadResult::Ok) {
            keep.control_socket = old_globals.control_socket;
            keep.metrics_listen = old_globals.metrics_listen;
            keep.log_level = old_globals.log_level;
            keep.cache_dir = old_globals.cache_dir;
            if (old_cfg->listen_port_base != cfg->listen_port_base) {
                cfg->listen_port_base = old_cfg->listen_port_base;
                if (assign_listen_ports(cfg.get(), diags.get()) != Status::Ok) {
                    std::fprintf(err, "stbfailover setup: no free ports above listen_port_base %u; "
                                      "nothing changed\n",
                                 cfg->listen_port_base);
                    return kSetupRefused;
                }
            }
        }
    }
    std::string json;
    if (!json_for_softcam(cfg.get(), keep, &json, &why)) {
        std::fprintf(err, "stbfailover setup: %s; nothing changed\n", why.c_str());
        return kSetupRefused;
    }
    const std::string rewritten = rewrite_softcam_config(sources[0], *cfg);
    if (o.dry_run) {
        std::fprintf(out, "%s", line_diff(text, rewritten, f.path).c_str());
        std::fprintf(out, "would write %s: %u group%s, %u server%s (no passwords)\n",
                     json_path.c_str(), cfg->group_count, cfg->group_count == 1 ? "" : "s",
                     cfg->server_count, cfg->server_count == 1 ? "" : "s");
        const std::vector<std::string> cmd = softcam_restart_command(o.root, f.cam);
        std::fprintf(out, "would restart the softcam: %s\n",
                     cmd.empty() ? "(no init script found: by hand)" : joined(cmd).c_str());
        std::fprintf(out, "dry run: nothing written\n");
        return kSetupOk;
    }
    mkdirs(under_root(o.root, "/etc/stbfailover"));
    std::string json_backup, file_backup, error;
    if (!write_file_atomic(json_path, json, &json_backup, &error, kBackupSuffix)) {
        std::fprintf(err, "stbfailover setup: %s; nothing changed\n", error.c_str());
        return kSetupRefused;
    }
    if (!write_file_atomic(f.path, rewritten, &file_backup, &error, kBackupSuffix)) {
        // put the JSON back so nothing changed
        if (!json_backup.empty()) ::rename(json_backup.c_str(), json_path.c_str());
        else ::unlink(json_path.c_str());
        std::fprintf(err, "stbfailover setup: %s; nothing changed\n", error.c_str());
        return kSetupRefused;
    }
    state.file = f.path;
    state.cam = f.cam;
    state.backup = file_backup;
    state.hash = hash_text(rewritten);
    state.json = json_path;
    state.json_backup = json_backup;
    if (!write_state(state_path, state, &error)) {
        ::rename(file_backup.c_str(), f.path.c_str());
        if (!json_backup.empty()) ::rename(json_backup.c_str(), json_path.c_str());
        std::fprintf(err, "stbfailover setup: %s; nothing changed\n", error.c_str());
        return kSetupRefused;
    }
    std::fprintf(out, "wrote %s (the servers themselves, no passwords)%s%s\n", json_path.c_str(),
                 json_backup.empty() ? "" : "; the old one is kept as ", json_backup.c_str());
    std::fprintf(out, "rewrote %s; the original is kept as %s\n", f.path.c_str(),
                 file_backup.c_str());
    for (size_t g = 0; g < cfg->group_count; ++g) {
        const GroupConfig& gc = cfg->groups[g];
        std::string ports;
        for (uint8_t k = 0; k < group_slot_count(*cfg, gc); ++k)
            ports += (k > 0 ? ", " : "") + std::to_string(gc.slot_ports[k]);
        std::fprintf(out, "  %s: %u server%s, softcam readers on 127.0.0.1 port%s %s\n",
                     gc.name.c_str(), gc.server_count, gc.server_count == 1 ? "" : "s",
                     group_slot_count(*cfg, gc) == 1 ? "" : "s", ports.c_str());
    }
    // stbfailover must serve the new ports before the softcam is sent there: if it does not
    // come up, everything goes back and the softcam keeps talking to its servers directly.
    if (!restart_daemon(o.root, out, err)) {
        ::rename(file_backup.c_str(), f.path.c_str());
        if (!json_backup.empty()) ::rename(json_backup.c_str(), json_path.c_str());
        ::unlink(state_path.c_str());
        restart_daemon(o.root, out, err);  // back on its old config
        std::fprintf(err, "stbfailover setup: stbfailover did not restart with the new config; "
                          "%s and %s are back as they were; nothing changed\n",
                     f.path.c_str(), json_path.c_str());
        return kSetupRefused;
    }
    if (!restart_softcam(o.root, f.cam, out, err)) return kSetupRestartFailed;
    std::fprintf(out, "done; `stbfailover restore` puts the softcam config back\n");
    return kSetupOk;
}

int run_restore(const SetupOptions& o, std::FILE* out, std::FILE* err) {
    const std::string state_path = setup_state_path(o.root);
    State state;
    if (!read_state(state_path, &state)) {
        std::fprintf(out, "nothing to restore: stbfailover setup has not been run (no %s)\n",
                     state_path.c_str());
        return kSetupOk;
    }
    const std::string& file = state.file;
    const std::string& backup = state.backup;
    std::string now, original, why;
    if (!read_text_file(backup, &original, &why)) {
        std::fprintf(err, "stbfailover restore: cannot read the backup %s: %s; nothing changed\n",
                     backup.c_str(), why.c_str());
        return kSetupRefused;
    }
    const bool readable = read_text_file(file, &now, &why);
    const bool changed = !readable || hash_text(now) != state.hash;
    if (changed && !o.force) {
        std::fprintf(err,
                     "stbfailover restore: %s was changed since stbfailover setup wrote it%s; not "
                     "restored (compare it with %s, or run `stbfailover restore --force`, which "
                     "keeps your version as %s%s); nothing changed\n",
                     file.c_str(), readable ? "" : " (it cannot be read)", backup.c_str(),
                     file.c_str(), kChangedSuffix);
        return kSetupRefused;
    }
    if (o.dry_run) {
        std::fprintf(out, "%s", line_diff(now, original, file).c_str());
        std::fprintf(out, "dry run: nothing written\n");
        return kSetupOk;
    }
    std::string ignored, error;
    if (changed && readable &&
        !write_file_atomic(file + kChangedSuffix, now, &ignored, &error, nullptr)) {
        std::fprintf(err, "stbfailover restore: %s; nothing changed\n", error.c_str());
        return kSetupRefused;
    }
    if (!write_file_atomic(file, original, &ignored, &error, nullptr)) {
        std::fprintf(err, "stbfailover restore: %s; nothing changed\n", error.c_str());
        return kSetupRefused;
    }
    ::unlink(backup.c_str());
    std::fprintf(out, "restored %s from %s\n", file.c_str(), backup.c_str());
    if (changed && readable)
        std::fprintf(out, "your changed version is kept as %s%s\n", file.c_str(), kChangedSuffix);
    const std::string& json_backup = state.json_backup;
    if (!json_backup.empty() && exists(json_backup) &&
        ::rename(json_backup.c_str(), state.json.c_str()) == 0)
        std::fprintf(out, "restored %s from %s\n", state.json.c_str(), json_backup.c_str());
    ::unlink(state_path.c_str());
    const std::string cam = state.has_cam ? state.cam : cam_of_name(file);
    const bool softcam_ok = restart_softcam(o.root, cam, out, err);
    if (!restart_daemon(o.root, out, err) || !softcam_ok) return kSetupRestartFailed;
    std::fprintf(out, "done; the softcam talks to its servers directly again\n");
    return kSetupOk;
}

}  // namespace stbf::fw
