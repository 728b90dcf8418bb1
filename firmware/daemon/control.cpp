#include "control.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>


namespace stbf::daemon {
namespace {

constexpr size_t kMaxControlLine = 256;
constexpr TimeUs kControlTimeoutUs = 5 * 1000000ull;

bool make_unix_addr(const std::string& path, sockaddr_un* out, std::string* error) {
    std::memset(out, 0, sizeof(*out));
    out->sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(out->sun_path)) {
        *error = "control socket path '" + path + "' is empty or too long";
        return false;
    }
    std::memcpy(out->sun_path, path.c_str(), path.size() + 1);
    return true;
}

long long monotonic_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Connects a blocking unix socket to `path`; -1 with `*error`.
int connect_unix(const std::string& path, std::string* error) {
    sockaddr_un addr;
    if (!make_unix_addr(path, &addr, error)) return -1;
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        *error = "cannot reach the daemon at " + path + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

std::string admin_request_line(const AdminRequest& r) {
    return std::string("server\t") + admin_state_name(r.state) + "\t" + r.group + "\t" +
           (r.all ? "" : r.server) + "\t" + std::to_string(r.grace_ms);
}

bool parse_admin_request(const std::string& line, AdminRequest* out, std::string* error) {
    std::vector<std::string> f;
    size_t start = 0;
    for (;;) {
        const size_t tab = line.find('\t', start);
        f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
    }
    AdminRequest r;
    if (f.size() != 5 || f[0] != "server") {
        *error = "malformed server request";
        return false;
    }
    bool state_ok = false;
    for (AdminState s : {AdminState::Enabled, AdminState::Drain, AdminState::Disabled})
        if (f[1] == admin_state_name(s)) r.state = s, state_ok = true;
    char* end = nullptr;
    const unsigned long grace = std::strtoul(f[4].c_str(), &end, 10);
    if (!state_ok || f[2].empty() || f[4].empty() || *end != '\0' || grace > 24ul * 3600 * 1000) {
        *error = "malformed server request";
        return false;
    }
    r.group = f[2];
    r.server = f[3];
    r.all = f[3].empty();
    r.grace_ms = static_cast<uint32_t>(grace);
    *out = r;
    return true;
}

std::string control_answer(const std::string& raw, const ControlHandlers& handlers,
                           const std::string& peer) {
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "status") return handlers.status(false);
    if (line == "status json") return handlers.status(true) + "\n";
    if (line == "reload") return handlers.reload() + "\n";
    if (line == "status events")
        return handlers.events ? handlers.events() : "error: no event history\n";
    if (line.compare(0, 7, "server\t") == 0) {
        AdminRequest request;
        std::string error;
        if (!parse_admin_request(line, &request, &error)) return "error: " + error + "\n";
        if (!handlers.server) return "error: admin commands are not available\n";
        return handlers.server(request, peer);
    }
    std::string shown;
    for (char c : line.substr(0, 40)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    return "error: unknown request '" + shown +
           "' (try status, status json, status events, reload)\n";
}

ControlServer::ControlServer(const ControlHandlers& handlers)
    : RequestServer("\n", kMaxControlLine, kControlTimeoutUs,
                    [&handlers](const std::string& request, bool complete,
                                const std::string& peer) -> std::string {
                        if (!complete) return "error: request line too long or unterminated\n";
                        return control_answer(request, handlers, peer);
                    }) {}

std::string unix_peer_key(int fd) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (fd < 0 || ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return "uid ?";
    return "uid " + std::to_string(cred.uid);
}

int open_control_socket(const std::string& path, std::string* error) {
    sockaddr_un addr;
    if (!make_unix_addr(path, &addr, error)) return -1;
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            *error = "control socket path " + path + " exists and is not a socket";
            return -1;
        }
        std::string ignored;
        int probe = connect_unix(path, &ignored);
        if (probe >= 0) {
            ::close(probe);
            *error = "another stbfailover is already running on " + path;
            return -1;
        }
        ::unlink(path.c_str());  // left behind by a daemon that died
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    mode_t old = ::umask(077);  // only root (the daemon's user) may ask for status or reload
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::umask(old);
    if (rc != 0 || ::listen(fd, 16) != 0) {
        *error = "cannot listen on " + path + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

bool control_request(const std::string& path, const std::string& request, std::string* answer,
                     std::string* error, int timeout_ms) {
    answer->clear();
    int fd = connect_unix(path, error);
    if (fd < 0) return false;
    const long long give_up = monotonic_ms() + timeout_ms;
    std::string line = request + "\n";
    bool ok =
        ::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
    if (!ok) *error = std::string("cannot send to the daemon: ") + std::strerror(errno);
    while (ok) {
        long long left = give_up - monotonic_ms();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0) {
            *error = "the daemon did not answer within " + std::to_string(timeout_ms) + " ms";
            ok = false;
            break;
        }
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            *error = std::string("reading the daemon's answer: ") + std::strerror(errno);
            ok = false;
            break;
        }
        answer->append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return ok;
}

}  // namespace stbf::daemon
