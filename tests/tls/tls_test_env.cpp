#include "tls_test_env.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "../support/port_addr.h"

namespace stbf::tls::test {

namespace {

// Every directory a test made; removed when the test process ends.
struct TempDirs {
    std::vector<std::string> paths;
    ~TempDirs() {
        for (const std::string& p : paths) {
            std::error_code ignored;
            std::filesystem::remove_all(p, ignored);
        }
    }
};

TempDirs& temp_dirs() {
    static TempDirs dirs;
    return dirs;
}

}  // namespace

std::string make_temp_dir(const char* tag) {
    std::string pattern = std::string("/tmp/stbf-") + tag + "-XXXXXX";
    char* made = mkdtemp(pattern.data());
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    temp_dirs().paths.push_back(made);
    return made;
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const TestPki& TestPki::get() {
    static const TestPki pki = [] {
        TestPki p;
        p.dir_ = make_temp_dir("tls-pki");
        std::string cmd = std::string("sh ") + STBF_TLS_TEST_DIR "/make_test_pki.sh " + p.dir_;
        if (system(cmd.c_str()) != 0) throw std::runtime_error("make_test_pki.sh failed");
        return p;
    }();
    return pki;
}

std::string TestPki::read(const std::string& name) const { return read_file(path(name)); }

bool TestServer::start(const std::string& mode, const std::string& cert,
                       const std::string& docroot, std::string* error) {
    const TestPki& pki = TestPki::get();
    int out[2];
    if (pipe(out) != 0) {
        *error = "pipe failed";
        return false;
    }
    std::string script = STBF_TLS_TEST_DIR "/tls_test_server.py";
    std::string cert_path = pki.path(cert + ".pem");
    std::string key_path = pki.path(cert + ".key");
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execlp("python3", "python3", script.c_str(), "--mode", mode.c_str(), "--cert",
               cert_path.c_str(), "--key", key_path.c_str(), "--docroot", docroot.c_str(),
               "--lifetime", "120", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    // Read "PORT <n>\n", waiting at most 15 s in total.
    std::string line;
    for (int round = 0; round < 150 && line.find('\n') == std::string::npos; ++round) {
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[64];
        ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        line.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    if (line.rfind("PORT ", 0) != 0) {
        *error = "test server did not start: '" + line + "'";
        return false;
    }
    port_ = static_cast<uint16_t>(atoi(line.c_str() + 5));
    return port_ != 0;
}

TestServer::~TestServer() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    // Bounded wait: 50 x 20 ms, then SIGKILL.
    for (int i = 0; i < 50; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        usleep(20000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
}

TlsOptions ca_options() {
    TlsOptions o;
    o.enabled = true;
    o.host = "127.0.0.1";
    o.sni = kServerName;
    o.ca_file = TestPki::get().path("ca.pem");
    return o;
}

std::unique_ptr<PosixPort> make_port() {
    PosixPortOptions options;
    options.log_level = STBF_LOG_WARNING;
    options.ident = "tls-test";
    std::string error;
    auto port = PosixPort::create(options, &error);
    if (!port) throw std::runtime_error("posix port: " + error);
    return port;
}

stbf_addr loopback(uint16_t port) { return stbf::test::loopback_addr(port); }

uint16_t unused_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    close(fd);
    return ntohs(sa.sin_port);
}

}  // namespace stbf::tls::test
