#include "cli_socket.h"

#include "control.h"
#include "daemon.h"

namespace stbf::cli {

bool SocketOptions::read(OptionReader& args) {
    const char* value = nullptr;
    if (args.value("-c", "--config", &value)) {
        config_path_ = value;
        return true;
    }
    if (args.value(nullptr, "--socket", &value)) {
        socket_path_ = value;
        return true;
    }
    return false;
}

int SocketOptions::resolve(const char* command, std::string* path) const {
    if (!config_path_.empty() && !socket_path_.empty()) {
        std::fprintf(stderr, "stbfailover %s: give -c or --socket, not both\n", command);
        return 2;
    }
    *path = socket_path_;
    if (!config_path_.empty()) {
        stbf::daemon::LoadedConfig loaded;
        std::string error;
        if (!stbf::daemon::load_daemon_config(config_path_, &loaded, &error)) {
            std::fprintf(stderr, "stbfailover %s: %s\n", command, error.c_str());
            return 1;
        }
        *path = loaded.control_socket;
    }
    if (path->empty()) *path = stbf::daemon::kDefaultControlSocket;
    return 0;
}

void SocketOptions::print_usage(std::FILE* to) {
    std::fprintf(to,
                 "  -c FILE        find the control socket in this config\n"
                 "  --socket PATH  control socket (default %s)\n",
                 stbf::daemon::kDefaultControlSocket);
}

}  // namespace stbf::cli
