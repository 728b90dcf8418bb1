#include "discovery.h"
#include "text_file.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdlib>

#include "small_sort.h"

namespace stbf::fw {

namespace {

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Names in `dir` starting with `prefix`, sorted (readdir order is not stable across boxes).
std::vector<std::string> entries_with_prefix(const std::string& dir, const std::string& prefix) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return names;
    while (const dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n.compare(0, prefix.size(), prefix) == 0 && n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    small_stable_sort(&names, [](const std::string& a, const std::string& b) { return a < b; });
    return names;
}

// The `ConfigDir:` value of a running cam's version file, or "".
std::string config_dir_of(const std::string& version_file) {
    std::string text, why;
    if (!read_text_file(version_file, &text, &why)) return "";
    size_t at = text.find("ConfigDir:");
    if (at == std::string::npos) return "";
    size_t b = at + 10, e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    while (b < e && (text[b] == ' ' || text[b] == '\t')) ++b;
    while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r')) --e;
    return text.substr(b, e - b);
}

std::string canonical(const std::string& path) {
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

void add(const std::string& root, const std::string& box_path, FileFormat format, const char* cam,
         bool running, std::vector<SoftcamConfigFile>* out) {
    const std::string path = under_root(root, box_path);
    if (!is_file(path)) return;
    const std::string real = canonical(path);
    for (const SoftcamConfigFile& f : *out)
        if (canonical(f.path) == real) return;
    SoftcamConfigFile f;
    f.path = path;
    f.box_path = box_path;
    f.format = format;
    f.cam = cam;
    f.running = running;
    out->push_back(f);
}

}  // namespace

std::string under_root(const std::string& root, const std::string& box_path) {
    std::string r = root;
    while (!r.empty() && r.back() == '/') r.pop_back();
    return r + (box_path.empty() || box_path[0] != '/' ? "/" : "") + box_path;
}

std::vector<SoftcamConfigFile> discover_softcam_configs(const std::string& root) {
    std::vector<SoftcamConfigFile> found;
    struct Cam {
        const char* name;
        const char* version_file;
        const char* server_file;
    };
    const Cam cams[] = {{"oscam", "/tmp/.oscam/oscam.version", "oscam.server"},
                        {"ncam", "/tmp/.ncam/ncam.version", "ncam.server"}};
    for (const Cam& c : cams) {
        std::string dir = config_dir_of(under_root(root, c.version_file));
        if (dir.empty()) continue;
        if (dir.back() != '/') dir += '/';
        add(root, dir + c.server_file, FileFormat::Oscam, c.name, true, &found);
    }
    const std::string tuxbox = "/etc/tuxbox/config";
    for (const Cam& c : cams) {
        add(root, tuxbox + "/" + c.server_file, FileFormat::Oscam, c.name, false, &found);
        for (const std::string& sub : entries_with_prefix(under_root(root, tuxbox), c.name))
            add(root, tuxbox + "/" + sub + "/" + c.server_file, FileFormat::Oscam, c.name, false,
                &found);
    }
    add(root, "/etc/CCcam.cfg", FileFormat::Cccam, "cccam", false, &found);
    return found;
}

bool choose_softcam_config(const std::string& root, SoftcamConfigFile* out, std::string* why) {
    const std::vector<SoftcamConfigFile> found = discover_softcam_configs(root);
    if (found.empty()) return false;
    for (const SoftcamConfigFile& f : found) {
        if (f.running) {
            *out = f;
            *why = "the running " + f.cam + " reads it (ConfigDir in its version file)";
            return true;
        }
    }
    char target[PATH_MAX];
    const std::string link = under_root(root, "/etc/init.d/softcam");
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n > 0) {
        std::string name = lower(std::string(target, static_cast<size_t>(n)));
        name = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
        for (const char* cam : {"ncam", "oscam", "cccam"}) {
            if (name.find(cam) == std::string::npos) continue;
            for (const SoftcamConfigFile& f : found) {
                if (f.cam == cam) {
                    *out = f;
                    *why = "/etc/init.d/softcam starts " + f.cam;
                    return true;
                }
            }
        }
    }
    *out = found[0];
    *why = "the first softcam config found";
    return true;
}

std::vector<std::string> softcam_restart_command(const std::string& root, const std::string& cam) {
    const std::string link = under_root(root, "/etc/init.d/softcam");
    if (::access(link.c_str(), X_OK) == 0) return {link, "restart"};
    const std::string dir = under_root(root, "/etc/init.d");
    for (const std::string& name : entries_with_prefix(dir, "softcam.")) {
        if (lower(name).find(lower(cam)) == std::string::npos) continue;
        const std::string script = dir + "/" + name;
        if (::access(script.c_str(), X_OK) == 0) return {script, "restart"};
    }
    return {};
}

}  // namespace stbf::fw
