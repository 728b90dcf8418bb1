// Shared fixtures of the TLS tests: a throw-away PKI made by `openssl` (make_test_pki.sh) and a
// loopback TLS server process (tls_test_server.py) the test starts and stops itself.
#ifndef STBF_TESTS_TLS_TEST_ENV_H
#define STBF_TESTS_TLS_TEST_ENV_H

#include <sys/types.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "stbf/port.h"
#include "stbf/posix_port.h"
#include "tls/tls_stream.h"

namespace stbf::tls::test {

/// The test PKI, made once per test binary in a fresh temporary directory.
class TestPki {
public:
    static const TestPki& get();
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    std::string read(const std::string& name) const;  ///< whole file (pins)
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
};

/// Name every good certificate carries.
constexpr const char* kServerName = "stbf-test.local";

/// A tls_test_server.py process on 127.0.0.1. Stops (SIGTERM, then SIGKILL) on destruction; it
/// also exits by itself after its lifetime.
class TestServer {
public:
    /// mode "echo" or "http"; cert/key are names inside the PKI directory. Returns false (and a
    /// message in *error) when the server does not report its port within 15 s.
    bool start(const std::string& mode, const std::string& cert, const std::string& docroot,
               std::string* error);
    ~TestServer();
    uint16_t port() const { return port_; }

private:
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

/// A fresh temporary directory under /tmp, removed when the test process exits.
std::string make_temp_dir(const char* tag);
void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

/// TLS options for the test servers at 127.0.0.1: SNI kServerName, trusting the test CA.
TlsOptions ca_options();

/// A POSIX port that logs warnings and worse to stderr.
std::unique_ptr<PosixPort> make_port();

/// 127.0.0.1:port
stbf_addr loopback(uint16_t port);

/// A loopback port nobody listens on (bound once, then closed).
uint16_t unused_port();

/// Base fixture: a fresh POSIX port per test, and a helper for a directory a server serves.
class PortFixture : public ::testing::Test {
protected:
    void SetUp() override {
        port_owner_ = make_port();
        port_ = port_owner_->table();
    }
    /// A fresh directory holding `list.json` with `content`; returns its path.
    static std::string make_docroot(const char* tag, const std::string& content) {
        std::string dir = make_temp_dir(tag);
        write_file(dir + "/list.json", content);
        return dir;
    }

    std::unique_ptr<PosixPort> port_owner_;
    stbf_port* port_ = nullptr;
};

}  // namespace stbf::tls::test

#endif
