#include "daemon_harness.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../support/loopback.h"
#include "control.h"

namespace stbf::test {
namespace {

long long now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms) {
    timespec ts{ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, nullptr);
}

// Waits for `fd` to be readable until `deadline` (monotonic ms). False on timeout.
bool wait_readable(int fd, long long deadline) {
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        int rc = ::poll(&p, 1, static_cast<int>(left));
        if (rc > 0) return true;
        if (rc == 0) return false;
    }
}

}  // namespace

// ---- TempDir ----------------------------------------------------------------------------

TempDir::TempDir() {
    char tmpl[] = "/tmp/stbf-test-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    path_ = made != nullptr ? made : "/tmp";
}

TempDir::~TempDir() {
    std::error_code ignored;  // best effort: a test must not fail on its own clean-up
    if (path_ != "/tmp") std::filesystem::remove_all(path_, ignored);
}

uint16_t free_port() {
    sockaddr_in in{};
    const int fd = bind_loopback_v4(0, &in);
    if (fd < 0) return 0;
    ::close(fd);
    return ntohs(in.sin_port);
}

// ---- Child ------------------------------------------------------------------------------

bool Child::start(const std::vector<std::string>& argv, const std::string& stderr_path,
                  const std::string& stdin_path) {
    kill_now();
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return false;
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(out[1], 1);
        if (!stderr_path.empty()) {
            int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (err >= 0) ::dup2(err, 2);
        }
        if (!stdin_path.empty()) {
            int in = ::open(stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
            if (in < 0) ::_exit(127);
            ::dup2(in, 0);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out[1]);
    pid_ = pid;
    out_fd_ = out[0];
    pending_.clear();
    return true;
}

bool Child::read_line(std::string* line, int timeout_ms) {
    const long long deadline = now_ms() + timeout_ms;
    for (;;) {
        size_t nl = pending_.find('\n');
        if (nl != std::string::npos) {
            *line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            return true;
        }
        if (out_fd_ < 0 || !wait_readable(out_fd_, deadline)) return false;
        char buf[256];
        ssize_t n = ::read(out_fd_, buf, sizeof(buf));
        if (n <= 0) return false;
        pending_.append(buf, static_cast<size_t>(n));
    }
}

bool Child::signal(int sig) const {
    return pid_ > 0 && ::kill(pid_, sig) == 0;
}

bool Child::wait_exit(int timeout_ms, int* code) {
    const long long deadline = now_ms() + timeout_ms;
    while (pid_ > 0) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            if (out_fd_ >= 0) ::close(out_fd_);
            out_fd_ = -1;
            if (code != nullptr) *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            return true;
        }
        if (now_ms() >= deadline) return false;
        sleep_ms(10);
    }
    return false;
}

void Child::kill_now() {
    if (pid_ > 0) {
        ::kill(pid_, SIGCONT);  // a frozen child must be able to die
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    out_fd_ = -1;
}

// ---- Upstream ---------------------------------------------------------------------------

bool Upstream::start(int id, uint16_t port) {
    id_ = id;
    if (!child_.start({STBF_TEST_STANDIN, std::to_string(id), std::to_string(port)})) return false;
    std::string line;
    if (!child_.read_line(&line, 5000) || line.compare(0, 5, "PORT ") != 0) {
        child_.kill_now();
        return false;
    }
    port_ = static_cast<uint16_t>(std::atoi(line.c_str() + 5));
    return true;
}

// ---- config and daemon ------------------------------------------------------------------

std::string test_config(const std::string& control_socket, uint16_t listen,
                        const std::vector<uint16_t>& server_ports, int hang_ms,
                        const std::string& name, int slots) {
    std::ostringstream c;
    c << "{\"control_socket\": \"" << control_socket
      << "\", \"seed\": 7, \"log_level\": \"debug\",\n"
      << " \"groups\": [{\"name\": \"" << name << "\", \"listen\": \"127.0.0.1:" << listen
      << "\", \"mode\": \"ordered\", \"slots\": " << slots << ",\n"
      << "  \"check\": {\"inter\": \"60s\", \"fastinter\": \"200ms\", \"downinter\": \"200ms\","
      << " \"downinter_max\": \"500ms\", \"timeout\": \"500ms\", \"rise\": 1, \"fall\": 1},\n"
      << "  \"session\": {\"hang_timeout_ms\": " << hang_ms
      << ", \"connect_timeout_ms\": 500, \"max_sessions\": 32},\n"
      << "  \"servers\": [";
    for (size_t i = 0; i < server_ports.size(); ++i)
        c << (i ? ",\n    " : "\n    ") << "{\"host\": \"127.0.0.1\", \"port\": " << server_ports[i]
          << ", \"protocol\": \"cccam\", \"label\": \"s" << server_ports[i]
          << "\", \"user\": \"owner\"}";
    c << "]}]}\n";
    return c.str();
}

DaemonProcess::DaemonProcess(const TempDir& dir)
    : dir_(dir),
      config_path_(dir.file("stbfailover.json")),
      socket_path_(dir.file("control.sock")),
      pidfile_(dir.file("stbfailover.pid")),
      log_path_(dir.file("daemon.log")) {}

void DaemonProcess::write_config(const std::string& config) {
    std::ofstream(config_path_, std::ios::trunc) << config;
}

bool DaemonProcess::start(const std::string& config) {
    write_config(config);
    if (!child_.start({STBF_TEST_BINARY, "run", "-c", config_path_, "--pidfile", pidfile_,
                       "--log-level", "debug"},
                      log_path_))
        return false;
    for (int i = 0; i < 200; ++i) {  // 10 s
        if (!status_json().empty()) return true;
        if (child_.wait_exit(0, nullptr)) return false;
        sleep_ms(50);
    }
    return false;
}

std::string DaemonProcess::status_json() {
    std::string answer, error;
    if (!daemon::control_request(socket_path_, "status json", &answer, &error, 3000)) return "";
    return answer;
}

int run_stbfailover(const TempDir& dir, const std::vector<std::string>& args,
                    const std::string& stdin_text, std::string* out, std::string* err) {
    Child cli;
    std::vector<std::string> argv{STBF_TEST_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string err_path = dir.file("cli.err");
    const std::string in_path = dir.file("cli.in");
    ::unlink(err_path.c_str());
    std::ofstream(in_path, std::ios::trunc) << stdin_text;
    if (!cli.start(argv, err_path, in_path)) return -1;
    out->clear();
    std::string line;
    while (cli.read_line(&line, 10000)) *out += line + "\n";
    int code = -1;
    cli.wait_exit(10000, &code);
    std::ifstream e(err_path);
    std::stringstream ss;
    ss << e.rdbuf();
    *err = ss.str();
    return code;
}

int DaemonProcess::run_cli(const std::vector<std::string>& args, std::string* out,
                           std::string* err) {
    return run_stbfailover(dir_, args, "", out, err);
}

int DaemonProcess::fd_count() const {
    std::string dir = "/proc/" + std::to_string(child_.pid()) + "/fd";
    int n = 0;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
    }
    return n;
}

std::string DaemonProcess::log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// ---- Client -----------------------------------------------------------------------------

const char* stbfailover_binary() { return STBF_TEST_BINARY; }

int connect_loopback(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const sockaddr_in in = loopback_v4(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&in), sizeof(in)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

int connect_to(const std::string& ipv4, uint16_t port, const std::string& source) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (!source.empty()) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
            ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof(from)) != 0) {
            ::close(fd);
            return -1;
        }
    }
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    if (::inet_pton(AF_INET, ipv4.c_str(), &in.sin_addr) != 1 ||
        ::connect(fd, reinterpret_cast<const sockaddr*>(&in), sizeof(in)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// True once a response with a Content-Length has all of its body (some servers say
// "Connection: close" and keep the connection open).
bool http_complete(const std::string& r) {
    const size_t head_end = r.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    std::string head = r.substr(0, head_end);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t at = head.find("\r\ncontent-length:");
    if (at == std::string::npos) return false;
    const size_t length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
    return r.size() >= head_end + 4 + length;
}

std::string http_exchange(const std::string& ipv4, uint16_t port, const std::string& request,
                          int timeout_ms) {
    const int fd = connect_to(ipv4, port);
    if (fd < 0) return "";
    std::string answer;
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
        const long long deadline = now_ms() + timeout_ms;
        char buf[4096];
        while (!http_complete(answer) && wait_readable(fd, deadline)) {
            const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
            if (n <= 0) break;
            answer.append(buf, static_cast<size_t>(n));
        }
    }
    ::close(fd);
    return answer;
}

bool Client::connect(uint16_t port) {
    close();
    fd_ = connect_loopback(port);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return true;
}

int Client::greeting(int timeout_ms) {
    const long long deadline = now_ms() + timeout_ms;
    uint8_t g[16];
    size_t got = 0;
    while (got < sizeof(g)) {
        if (fd_ < 0 || !wait_readable(fd_, deadline)) return -1;
        ssize_t n = ::recv(fd_, g + got, sizeof(g) - got, 0);
        if (n <= 0) return -1;
        got += static_cast<size_t>(n);
    }
    return g[0];
}

bool Client::echo(const std::string& msg, int timeout_ms) {
    if (fd_ < 0 ||
        ::send(fd_, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size()))
        return false;
    const long long deadline = now_ms() + timeout_ms;
    std::string back;
    while (back.size() < msg.size()) {
        if (!wait_readable(fd_, deadline)) return false;
        char buf[256];
        ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n <= 0) return false;
        back.append(buf, static_cast<size_t>(n));
    }
    return back == msg;
}

bool Client::closed_within(int timeout_ms) {
    const long long deadline = now_ms() + timeout_ms;
    while (fd_ >= 0) {
        if (!wait_readable(fd_, deadline)) return false;
        char buf[256];
        ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n <= 0) return true;  // EOF or reset
    }
    return true;
}

void Client::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

int served_by(uint16_t port, Client* client, int attempts, int pause_ms) {
    for (int i = 0; i < attempts; ++i) {
        if (i > 0) sleep_ms(pause_ms);
        if (!client->connect(port)) continue;
        int id = client->greeting();
        if (id >= 0) return id;
    }
    return -1;
}

// ---- JSON -------------------------------------------------------------------------------

namespace {
const cJSON* json_at(const cJSON* node, const std::string& path) {
    std::stringstream ss(path);
    std::string part;
    while (node != nullptr && std::getline(ss, part, '.')) {
        if (cJSON_IsArray(node))
            node = cJSON_GetArrayItem(node, std::atoi(part.c_str()));
        else
            node = cJSON_GetObjectItemCaseSensitive(node, part.c_str());
    }
    return node;
}
}  // namespace

long json_number(const std::string& json, const std::string& path, long fallback) {
    cJSON* root = cJSON_Parse(json.c_str());
    const cJSON* n = json_at(root, path);
    long v = cJSON_IsNumber(n) ? static_cast<long>(n->valuedouble) : fallback;
    cJSON_Delete(root);
    return v;
}

std::string json_string(const std::string& json, const std::string& path) {
    cJSON* root = cJSON_Parse(json.c_str());
    const cJSON* n = json_at(root, path);
    std::string v = cJSON_IsString(n) ? n->valuestring : "";
    cJSON_Delete(root);
    return v;
}

}  // namespace stbf::test
