// `stbfailover run --restart`: the daemon under a supervisor process, so a crash never leaves
// the softcam pointing at a dead relay. (OSCam itself runs under `--restart 2` for the same
// reason; the init script starts stbfailover this way.)
//
// The supervisor forks the run loop as its child and waits. When the child dies for any reason
// but a clean stop (exit status 0), the supervisor logs why ("killed by signal 9 (Killed)",
// "exited with status 1") and forks it again after a backoff: the first restart comes after
// `first_delay_ms` (well under a second: the softcam's next connect must find the ports
// listening), each further crash in a row doubles the delay up to `max_delay_ms`, and a child
// that stayed up `stable_after_ms` resets it. It never gives up: after `loud_after` crashes in
// a row every restart is logged as an error naming `stbfailover restore` (the way to give the
// softcam its own servers back), and the child's status shows the restart count and the last
// exit reason (supervisor_state()).
//
// Signals to the supervisor: SIGTERM / SIGINT are passed to the child, which drains and exits;
// the supervisor then exits with the child's code (0 at once when no child runs, during a
// backoff; a child that has not exited after `stop_kill_after_ms` is killed). SIGHUP is passed on (reload); during a backoff it restarts the child at once (the
// box owner fixed the config). The child gets SIGTERM if the supervisor itself dies
// (PR_SET_PDEATHSIG), so no relay is left without its supervisor.
#ifndef STBF_FIRMWARE_SUPERVISOR_H
#define STBF_FIRMWARE_SUPERVISOR_H

#include <stdint.h>

#include <functional>
#include <string>

namespace stbf::daemon {

struct SupervisorOptions {
    int64_t first_delay_ms = 200;      ///< delay before the first restart after a crash
    int64_t max_delay_ms = 30000;      ///< upper bound of the doubling delay
    int64_t stable_after_ms = 60000;   ///< a child up this long resets the backoff
    unsigned loud_after = 5;           ///< crashes in a row after which restarts log as errors
    /// A child still running this long after SIGTERM was passed on gets SIGKILL (below the
    /// init script's STOP_TIMEOUT of 10 s, so no daemon outlives its supervisor).
    int64_t stop_kill_after_ms = 8000;
    bool use_syslog = false;           ///< log to syslog (LOG_DAEMON) instead of stderr
    std::string pidfile;               ///< the supervisor's pid is written here; "" for none
};

/// What a supervised child knows about its supervisor (all zero/empty when not supervised).
struct SupervisorState {
    bool supervised = false;
    unsigned restarts = 0;         ///< children started after the first
    std::string last_exit;         ///< exit reason of the previous child, "" for the first
};

/// The state of this process as a child of supervise(); unsupervised processes get the defaults.
const SupervisorState& supervisor_state();

/// Delay before restarting after the `crashes_in_a_row`-th crash in a row (1 = first):
/// first_delay_ms doubled per further crash, at most max_delay_ms.
int64_t restart_delay_ms(const SupervisorOptions& options, unsigned crashes_in_a_row);

/// "exited with status N" or "killed by signal N (Name)" for a waitpid() status.
std::string exit_reason(int wait_status);

/// Runs `child_main` in a forked child until a clean stop, restarting it as described above.
/// Returns the exit code for the supervisor process: the child's code after SIGTERM/SIGINT
/// (0 when it stopped cleanly, 1 when it had to be killed), 0 when stopped during a backoff, 1
/// when it could not fork or set up its signals (logged). Blocks SIGTERM, SIGINT, SIGHUP and SIGCHLD in the caller; the
/// child starts with the caller's original signal mask. Must be called single-threaded.
int supervise(const SupervisorOptions& options, const std::function<int()>& child_main);

}  // namespace stbf::daemon

#endif  // STBF_FIRMWARE_SUPERVISOR_H
