#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "stbf/syslog_client.h"

namespace stbf::daemon {
namespace {

SupervisorState g_state;

int64_t monotonic_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

class Supervisor {
public:
    Supervisor(const SupervisorOptions& options, const std::function<int()>& child_main)
        : options_(options), child_main_(child_main) {}

    int run() {
        sigset_t set;
        sigemptyset(&set);
        for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, sig);
        if (::sigprocmask(SIG_BLOCK, &set, &original_mask_) != 0) {
            log(LOG_ERR, "cannot block signals: %s", std::strerror(errno));
            return 1;
        }
        if (!write_pidfile()) return 1;
        int code = loop(set);
        if (!options_.pidfile.empty()) ::unlink(options_.pidfile.c_str());
        return code;
    }

private:
    int loop(const sigset_t& set) {
        int64_t restart_at = monotonic_ms();
        for (;;) {
            if (child_ <= 0 && !stopping_ && monotonic_ms() >= restart_at) {
                if (!spawn()) return 1;
            }
            // With a child we wake on signals only (SIGCHLD included); in a backoff at its end.
            int64_t wait_ms = 60000;
            if (child_ <= 0) wait_ms = restart_at - monotonic_ms();
            if (child_ > 0 && stopping_) wait_ms = stop_deadline_ - monotonic_ms();
            if (wait_ms < 0) wait_ms = 0;
            timespec timeout{static_cast<time_t>(wait_ms / 1000),
                             static_cast<long>((wait_ms % 1000) * 1000000)};
            siginfo_t info;
            int sig = ::sigtimedwait(&set, &info, &timeout);
            if (sig == SIGTERM || sig == SIGINT) {
                if (child_ <= 0) return 0;
                if (!stopping_) stop_deadline_ = monotonic_ms() + options_.stop_kill_after_ms;
                stopping_ = true;
                ::kill(child_, sig);
            } else if (sig < 0 && stopping_ && child_ > 0 && monotonic_ms() >= stop_deadline_) {
                log(LOG_ERR, "daemon pid %ld did not stop within %lld ms; killing it",
                    static_cast<long>(child_), static_cast<long long>(options_.stop_kill_after_ms));
                ::kill(child_, SIGKILL);
                stop_deadline_ = monotonic_ms() + 60000;  // reaped through SIGCHLD
            } else if (sig == SIGHUP) {
                if (child_ > 0)
                    ::kill(child_, SIGHUP);
                else
                    restart_at = monotonic_ms();  // a fixed config: try it now
            }
            int status = 0;
            pid_t pid;
            while (child_ > 0 && (pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
                if (pid != child_) continue;
                child_ = 0;
                if (stopping_) return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                    log(LOG_NOTICE, "daemon pid %ld stopped cleanly; supervisor exits",
                        static_cast<long>(pid));
                    return 0;
                }
                restart_at = monotonic_ms() + crashed(pid, status);
            }
        }
    }

    // Logs the crash and returns the delay before the next start.
    int64_t crashed(pid_t pid, int status) {
        int64_t up_ms = monotonic_ms() - started_at_;
        if (up_ms >= options_.stable_after_ms) crashes_in_a_row_ = 0;
        ++crashes_in_a_row_;
        g_state.last_exit = exit_reason(status);
        int64_t delay = restart_delay_ms(options_, crashes_in_a_row_);
        bool loud = crashes_in_a_row_ >= options_.loud_after;
        log(loud ? LOG_ERR : LOG_WARNING,
            "daemon pid %ld %s after %lld.%03lld s; restart %u in %lld.%03lld s%s",
            static_cast<long>(pid), g_state.last_exit.c_str(),
            static_cast<long long>(up_ms / 1000), static_cast<long long>(up_ms % 1000),
            g_state.restarts + 1, static_cast<long long>(delay / 1000),
            static_cast<long long>(delay % 1000),
            loud ? " (crashing repeatedly; `stbfailover restore` gives the softcam its own "
                   "servers back)"
                 : "");
        return delay;
    }

    bool spawn() {
        if (started_once_) ++g_state.restarts;
        std::fflush(nullptr);
        pid_t pid = ::fork();
        if (pid < 0) {
            // Out of processes is the box's problem; keep trying on the backoff schedule.
            log(LOG_ERR, "cannot fork the daemon: %s", std::strerror(errno));
            if (!started_once_) return false;
            child_ = 0;
            started_at_ = monotonic_ms();
            return true;
        }
        if (pid == 0) {
            pid_t supervisor = ::getppid();
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != supervisor) _exit(1);  // the supervisor died before prctl
            ::sigprocmask(SIG_SETMASK, &original_mask_, nullptr);
            g_state.supervised = true;
            int code = child_main_();
            std::fflush(nullptr);
            _exit(code);
        }
        child_ = pid;
        started_once_ = true;
        started_at_ = monotonic_ms();
        return true;
    }

    bool write_pidfile() {
        if (options_.pidfile.empty()) return true;
        int fd = ::open(options_.pidfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        std::string text = std::to_string(::getpid()) + "\n";
        bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) ==
                                 static_cast<ssize_t>(text.size());
        if (fd >= 0) ::close(fd);
        if (!ok) log(LOG_ERR, "cannot write pidfile %s: %s", options_.pidfile.c_str(),
                     std::strerror(errno));
        return ok;
    }

    __attribute__((format(printf, 3, 4))) void log(int priority, const char* format, ...) {
        static constexpr char kPrefix[] = "supervisor: ";
        char line[512];
        std::memcpy(line, kPrefix, sizeof(kPrefix));
        va_list args;
        va_start(args, format);
        std::vsnprintf(line + sizeof(kPrefix) - 1, sizeof(line) - (sizeof(kPrefix) - 1), format,
                       args);
        va_end(args);
        if (options_.use_syslog)
            syslog_.send(priority, line, std::strlen(line));
        else
            std::fprintf(stderr, "stbfailover: %s\n", line);
    }

    const SupervisorOptions& options_;
    const std::function<int()>& child_main_;
    SyslogClient syslog_{"stbfailover"};  // LOG_ERR etc. of <syslog.h> are its severities
    sigset_t original_mask_{};
    pid_t child_ = 0;
    bool stopping_ = false;
    bool started_once_ = false;
    unsigned crashes_in_a_row_ = 0;
    int64_t started_at_ = 0;
    int64_t stop_deadline_ = 0;
};

}  // namespace

const SupervisorState& supervisor_state() { return g_state; }

int64_t restart_delay_ms(const SupervisorOptions& options, unsigned crashes_in_a_row) {
    int64_t delay = options.first_delay_ms;
    for (unsigned i = 1; i < crashes_in_a_row && delay < options.max_delay_ms; ++i) delay *= 2;
    return delay < options.max_delay_ms ? delay : options.max_delay_ms;
}

std::string exit_reason(int wait_status) {
    char text[96];
    if (WIFSIGNALED(wait_status)) {
        int sig = WTERMSIG(wait_status);
        const char* name = ::strsignal(sig);
        std::snprintf(text, sizeof(text), "killed by signal %d (%s)%s", sig,
                      name != nullptr ? name : "?", WCOREDUMP(wait_status) ? ", core dumped" : "");
    } else if (WIFEXITED(wait_status)) {
        std::snprintf(text, sizeof(text), "exited with status %d", WEXITSTATUS(wait_status));
    } else {
        std::snprintf(text, sizeof(text), "ended with wait status %#x", wait_status);
    }
    return text;
}

int supervise(const SupervisorOptions& options, const std::function<int()>& child_main) {
    Supervisor s(options, child_main);
    return s.run();
}

}  // namespace stbf::daemon
