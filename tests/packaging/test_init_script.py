"""The init script /etc/init.d/stbfailover against a stand-in daemon in a temporary directory
(DAEMON, CONFIG, PIDFILE point there), in two worlds: the host's sh with dpkg's
start-stop-daemon, and busybox's sh and applets only (start-stop-daemon included), as on a
receiver. Debian package busybox provides the second."""
import os
import shutil
import signal
import subprocess
import time

import pytest

INIT_SCRIPT = os.environ["STBF_INIT_SCRIPT"]

# Stand-in for /usr/bin/stbfailover: `check -c FILE` fails on a config containing "bad";
# `run ...` logs its arguments and every SIGHUP/SIGTERM; it lives at most 60 s on its own.
STAND_IN = r"""#!/bin/sh
log="${0%/*}/daemon.log"
case "$1" in
  check) grep -q bad "$3" && { echo "$3:1: bad value" >&2; exit 1; }; exit 0 ;;
  run) grep -q exitnow "$4" && exit 1 ;;
  *) exit 2 ;;
esac
echo "$*" >> "$log"
trap 'echo hup >> "$log"' HUP
trap '[ -n "$IGNORE_TERM" ] || { echo term >> "$log"; exit 0; }' TERM
i=0
while [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
"""


BUSYBOX_APPLETS = ("sh", "start-stop-daemon", "sleep", "grep", "rm", "cat", "kill", "logread")


def host_world(tmp_path):
    for d in ("/sbin", "/usr/sbin", "/bin", "/usr/bin"):
        if os.access(os.path.join(d, "start-stop-daemon"), os.X_OK):
            return ["sh"], d + ":/usr/sbin:/usr/bin:/sbin:/bin"
    pytest.fail("start-stop-daemon not found (Debian package dpkg)")


def busybox_world(tmp_path):
    busybox = shutil.which("busybox")
    if not busybox:
        pytest.fail("busybox not found: apt-get install busybox (the receivers' shell)")
    bindir = tmp_path / "busybox-bin"
    bindir.mkdir()
    for applet in BUSYBOX_APPLETS:
        (bindir / applet).symlink_to(busybox)
    return [busybox, "sh"], str(bindir)


@pytest.fixture(params=[host_world, busybox_world], ids=["dpkg", "busybox"])
def box(tmp_path, request):
    shell, path = request.param(tmp_path)
    daemon = tmp_path / "stbfailover"
    daemon.write_text(STAND_IN)
    daemon.chmod(0o755)
    config = tmp_path / "stbfailover.json"
    config.write_text('{"groups": []}\n')
    (tmp_path / "run").mkdir()
    env = {
        "PATH": path,
        "DAEMON": str(daemon),
        "CONFIG": str(config),
        "PIDFILE": str(tmp_path / "run" / "stbfailover.pid"),
        "STOP_TIMEOUT": "2",
    }
    b = Box(tmp_path, env, shell)
    yield b
    b.kill_left_over()


class Box:
    def __init__(self, root, env, shell):
        self.root = root
        self.shell = shell
        self.env = env
        self.pids = set()

    def init(self, *args, **extra_env):
        result = subprocess.run(self.shell + [INIT_SCRIPT] + list(args), env=dict(self.env, **extra_env),
                                capture_output=True, text=True, timeout=60)
        pid = self.pid()
        if pid:
            self.pids.add(pid)
        return result

    def pid(self):
        try:
            return int(open(self.env["PIDFILE"]).read().strip())
        except (OSError, ValueError):
            return None

    def log(self):
        path = self.root / "daemon.log"
        return path.read_text().splitlines() if path.exists() else []

    def wait_for_log(self, line, count=1):
        for _ in range(50):  # at most ~5 s
            if self.log().count(line) >= count:
                return True
            time.sleep(0.1)
        return False

    def kill_left_over(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes; start-stop-daemon's children are reaped by init.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def gone_soon(pid):
    """Whether pid ends within ~5 s (bounded wait, no timing assertion)."""
    for _ in range(50):
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_start_runs_the_daemon_with_the_config_and_writes_the_pidfile(box):
    result = box.init("start")
    assert result.returncode == 0, result.stdout + result.stderr
    pid = box.pid()
    assert pid and alive(pid)
    assert box.log()[0] == f"run --restart -c {box.env['CONFIG']} --syslog"


def test_status_reports_running_and_not_running(box):
    result = box.init("status")
    assert result.returncode == 3 and "not running" in result.stdout
    box.init("start")
    result = box.init("status")
    assert result.returncode == 0
    assert f"running (pid {box.pid()})" in result.stdout


def test_second_start_keeps_the_running_daemon(box):
    box.init("start")
    first = box.pid()
    result = box.init("start")
    assert result.returncode == 0 and "already running" in result.stdout
    assert box.pid() == first
    assert box.log().count(f"run --restart -c {box.env['CONFIG']} --syslog") == 1


def test_reload_sends_sighup_and_keeps_the_process(box):
    box.init("start")
    pid = box.pid()
    result = box.init("reload")
    assert result.returncode == 0, result.stderr
    assert box.wait_for_log("hup")
    assert alive(pid) and box.pid() == pid


def test_reload_with_a_bad_config_is_refused_and_names_the_error(box):
    box.init("start")
    pid = box.pid()
    (box.root / "stbfailover.json").write_text('{"bad": true}\n')
    result = box.init("reload")
    assert result.returncode == 1
    assert "stbfailover.json:1: bad value" in result.stderr
    assert "hup" not in box.log()
    assert alive(pid)


def test_stop_terminates_and_removes_the_pidfile(box):
    box.init("start")
    pid = box.pid()
    result = box.init("stop")
    assert result.returncode == 0, result.stderr
    assert box.wait_for_log("term")
    assert not os.path.exists(box.env["PIDFILE"])
    assert gone_soon(pid)
    assert box.init("stop").returncode == 0  # stopping a stopped service is fine


def test_stop_kills_a_daemon_that_ignores_sigterm(box):
    box.init("start", IGNORE_TERM="1")
    pid = box.pid()
    result = box.init("stop", STOP_TIMEOUT="1")
    assert result.returncode == 0
    assert "killed" in result.stdout
    assert gone_soon(pid)


def test_restart_replaces_the_process(box):
    box.init("start")
    first = box.pid()
    result = box.init("restart")
    assert result.returncode == 0, result.stderr
    assert box.pid() and box.pid() != first and alive(box.pid())
    assert not alive(first)


def test_start_without_config_fails_and_names_the_file(box):
    os.remove(box.env["CONFIG"])
    result = box.init("start")
    assert result.returncode == 1
    assert box.env["CONFIG"] in result.stderr
    assert box.pid() is None and box.log() == []


def test_start_with_a_bad_config_fails_before_running(box):
    (box.root / "stbfailover.json").write_text('{"bad": 1}\n')
    result = box.init("start")
    assert result.returncode == 1
    assert "stbfailover.json:1: bad value" in result.stderr
    assert box.log() == []


def test_stale_pidfile_is_reported_then_replaced_on_start(box):
    dead = subprocess.Popen(["true"])
    dead.wait()
    with open(box.env["PIDFILE"], "w") as f:
        f.write(f"{dead.pid}\n")
    result = box.init("status")
    assert result.returncode == 1 and "exists" in result.stdout
    assert box.init("start").returncode == 0
    assert box.pid() != dead.pid and alive(box.pid())


def test_unknown_action_prints_usage(box):
    result = box.init("frobnicate")
    assert result.returncode == 2
    assert "Usage:" in result.stderr


def test_script_is_executable_and_posix_sh():
    assert os.access(INIT_SCRIPT, os.X_OK)
    with open(INIT_SCRIPT) as f:
        assert f.readline() == "#!/bin/sh\n"
    if shutil.which("checkbashisms"):
        assert subprocess.run(["checkbashisms", INIT_SCRIPT]).returncode == 0


def test_a_daemon_that_dies_at_start_up_names_where_its_log_is(box):
    with open(box.env["CONFIG"], "w") as f:
        f.write('{"groups": [], "note": "exitnow"}\n')
    result = box.init("start")
    assert result.returncode != 0
    # busybox's syslogd keeps the log in memory: on a box it is read with logread
    where = "logread | grep stbfailover" if "busybox" in box.shell[0] else "the system log"
    assert f"failed: stbfailover exited at start-up (see {where})" in result.stdout
