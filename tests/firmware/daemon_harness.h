// Support for the daemon tests on real loopback sockets: upstream stand-ins (separate
// processes that can be killed, frozen or never started), the `stbfailover run` process, and a
// softcam-like client. Every wait is bounded in time; every child dies with the test
// (PR_SET_PDEATHSIG) and is killed by its destructor.
#ifndef STBF_TESTS_DAEMON_HARNESS_H
#define STBF_TESTS_DAEMON_HARNESS_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace stbf::test {

/// A fresh directory under /tmp, removed with its files by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

/// Path of the `stbfailover` binary under test.
const char* stbfailover_binary();

/// A free loopback TCP port (bound once and released; good enough for tests).
uint16_t free_port();

/// A blocking TCP connection to 127.0.0.1:`port`: the descriptor, or -1 if the connect failed.
/// The caller closes it.
int connect_loopback(uint16_t port);

/// A blocking TCP connection to `ipv4`:`port` (a loopback address such as 127.0.0.2), from
/// `source` when given (another loopback address plays another peer); -1 on failure.
int connect_to(const std::string& ipv4, uint16_t port, const std::string& source = "");

/// Sends `request` to `ipv4`:`port` and reads until the server closes or `timeout_ms` passed;
/// "" when the connect failed.
std::string http_exchange(const std::string& ipv4, uint16_t port, const std::string& request,
                          int timeout_ms = 5000);

/// A child process started with fork/exec. Killed (SIGKILL) and reaped by the destructor.
class Child {
  public:
    Child() = default;
    ~Child() { kill_now(); }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    /// Starts `argv[0]` with stdout into a pipe (read with read_line), stderr into
    /// `stderr_path` (or inherited when empty) and stdin from `stdin_path` (or inherited when
    /// empty). Started with execv, never through a shell, so that under qemu-user the exec
    /// hook of the cross runs sees it. False if it could not start.
    bool start(const std::vector<std::string>& argv, const std::string& stderr_path = "",
               const std::string& stdin_path = "");
    /// One line of the child's stdout within `timeout_ms`; false on EOF or timeout.
    bool read_line(std::string* line, int timeout_ms);
    bool signal(int sig) const;
    /// Waits up to `timeout_ms` for the child to exit; stores its exit code (-1 if killed by a
    /// signal). False if it is still running.
    bool wait_exit(int timeout_ms, int* code);
    void kill_now();
    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }

  private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::string pending_;
};

/// The upstream stand-in (daemon_upstream_standin): greets with a valid 16-byte CCcam greeting
/// whose first byte is its id, then echoes.
class Upstream {
  public:
    /// Starts on `port` (0 = a free one). False if it could not start within 5 s.
    bool start(int id, uint16_t port = 0);
    /// Starts again on the same port after kill().
    bool restart() { return start(id_, port_); }
    void kill() { child_.kill_now(); }
    void freeze() { child_.signal(SIGSTOP); }
    void thaw() { child_.signal(SIGCONT); }
    uint16_t port() const { return port_; }
    int id() const { return id_; }

  private:
    Child child_;
    int id_ = 0;
    uint16_t port_ = 0;
};

/// JSON config of one group `name` on 127.0.0.1:`listen` (ordered mode, cccam servers
/// labelled "s<port>") with fast checks suited to tests (timeout 500 ms, hang window
/// `hang_ms`). `control_socket` is where the daemon listens. `slots` local ports (0 = the
/// daemon's automatic count); slot 2 and up sit on derived ports, which two tests running at
/// once could both want, so only tests about slots ask for more than one.
std::string test_config(const std::string& control_socket, uint16_t listen,
                        const std::vector<uint16_t>& server_ports, int hang_ms = 1000,
                        const std::string& name = "line", int slots = 1);

/// `stbfailover run` on a config written into `dir`.
/// Runs `stbfailover <args>` to completion (10 s at most) with `stdin_text` on its stdin;
/// returns its exit code (-1 if it could not start or was killed) and stores stdout / stderr.
/// Scratch files go into `dir`.
int run_stbfailover(const TempDir& dir, const std::vector<std::string>& args,
                    const std::string& stdin_text, std::string* out, std::string* err);

class DaemonProcess {
  public:
    explicit DaemonProcess(const TempDir& dir);
    /// Writes `config` and starts the daemon (log level debug, pidfile in dir); waits until its
    /// control socket answers (up to 10 s). False if it did not come up (see log()).
    bool start(const std::string& config);
    /// Overwrites the config file (for a reload).
    void write_config(const std::string& config);
    /// "status json" over the control socket; empty on failure.
    std::string status_json();
    /// Runs `stbfailover <args>` to completion (10 s at most); returns its exit code and stores
    /// stdout / stderr.
    int run_cli(const std::vector<std::string>& args, std::string* out, std::string* err);
    /// Open descriptors of the daemon process (/proc/PID/fd).
    int fd_count() const;
    std::string log() const;

    Child& process() { return child_; }
    const std::string& config_path() const { return config_path_; }
    const std::string& socket_path() const { return socket_path_; }
    const std::string& pidfile() const { return pidfile_; }

  private:
    const TempDir& dir_;
    std::string config_path_, socket_path_, pidfile_, log_path_;
    Child child_;
};

/// A softcam-like client of the relay.
class Client {
  public:
    ~Client() { close(); }
    /// Connects to 127.0.0.1:`port`; false if refused.
    bool connect(uint16_t port);
    /// Reads the 16-byte greeting within `timeout_ms`; returns the upstream id (first byte) or
    /// -1 when the connection closed or nothing came in time.
    int greeting(int timeout_ms = 3000);
    /// Sends `msg` and expects it echoed within `timeout_ms`.
    bool echo(const std::string& msg, int timeout_ms = 2000);
    /// True if the relay closed the connection (EOF or reset) within `timeout_ms`.
    bool closed_within(int timeout_ms);
    void close();

  private:
    int fd_ = -1;
};

/// Connects and returns the greeting id (-1 if none), retrying up to `attempts` times with
/// `pause_ms` between tries (a softcam reconnecting).
int served_by(uint16_t port, Client* client, int attempts = 1, int pause_ms = 100);

/// Integer at a dotted path of a JSON text ("groups.0.live_sessions"); `fallback` if absent.
long json_number(const std::string& json, const std::string& path, long fallback = -1);
/// String at a dotted path; empty if absent or not a string.
std::string json_string(const std::string& json, const std::string& path);

}  // namespace stbf::test

#endif  // STBF_TESTS_DAEMON_HARNESS_H
