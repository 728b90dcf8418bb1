# End to end: the screens on the output of a real `stbfailover run` daemon (loopback only), not
# on the fixture. CMake passes the binary as STBF_BINARY; without it, or when the binary lacks
# the commands, the tests are skipped and say why.
import json
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from conftest import fixture_text, load_json
from Components.Console import Console
from Screens.MessageBox import MessageBox
from StbFailover.import_action import SoftcamImport
from StbFailover.setup_screen import StbFailoverSetup
from StbFailover.softcam_action import SoftcamAction
from StbFailover.status_screen import StbFailoverStatus

BINARY = os.environ.get("STBF_BINARY", "")
START_TIMEOUT_S = 15.0
COMMAND_TIMEOUT_S = 15.0


def binary_commands():
    """The binary's --help text, or None when there is no binary this machine can run."""
    if not BINARY or not os.access(BINARY, os.X_OK):
        return None
    try:
        result = subprocess.run([BINARY, "--help"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT_S)
    except OSError:
        return None  # e.g. built for another CPU
    return result.stdout.decode("utf-8", "replace")


def require_commands(*names):
    commands = binary_commands()
    if commands is None:
        pytest.skip("no stbfailover binary that runs here (STBF_BINARY=%r: not built, or a "
                    "cross build); the screens are tested on tests/plugin/fixtures/status.json "
                    "only" % BINARY)
    listed = [line.split()[0] for line in commands.splitlines()
              if line.startswith("  ") and line.strip()]
    missing = [name for name in names if name not in listed]
    if missing:
        pytest.skip("%s has no %s command yet" % (BINARY, ", ".join(missing)))


def cccam_greeting():
    """16 bytes whose last 4 are the checksum a CCcam client verifies."""
    head = bytes(range(7, 19))
    return head + bytes((head[i] + head[4 + i] + head[8 + i]) & 0xFF for i in range(4))


class GreetingServer(object):
    """A CCcam line stand-in on 127.0.0.1: greets every connection, closes it when the peer
    does or after 3 s. Stops when told or after 120 s."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.serve)
        self.thread.daemon = True
        self.thread.start()

    def serve(self):
        deadline = time.monotonic() + 120
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = self.listener.accept()
            except socket.timeout:
                continue
            with connection:
                connection.settimeout(3)
                try:
                    connection.sendall(cccam_greeting())
                    connection.recv(64)
                except OSError:
                    pass
        self.listener.close()

    def stop(self):
        self.stop_event.set()
        self.thread.join(5)


def unused_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def run_shell(cmd):
    result = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            timeout=COMMAND_TIMEOUT_S)
    return result.stdout, result.returncode


class RunningDaemon(object):
    def __init__(self, process, config_path, socket_path, listen_port, lines):
        self.process = process
        self.config_path = config_path
        self.socket_path = socket_path
        self.listen_port = listen_port
        self.lines = lines

    def status(self):
        output, retval = run_shell("%s status --json --socket %s" % (BINARY, self.socket_path))
        assert retval == 0, output
        return json.loads(output.decode("utf-8"))


@pytest.fixture
def daemon(tmp_path):
    """`stbfailover run` with one group of two CCcam line stand-ins on loopback."""
    require_commands("run", "status")
    lines = [GreetingServer(), GreetingServer()]
    config_path = str(tmp_path / "stbfailover.json")
    socket_path = str(tmp_path / "stbfailover.sock")
    listen_port = unused_port()
    config = {
        "control_socket": socket_path,
        "log_level": "debug",
        "groups": [{
            "name": "cccam-line1",
            "listen": "127.0.0.1:%d" % listen_port,
            "mode": "ordered",
            "check": {"interval_s": 60},
            "servers": [
                {"label": "line1-a", "host": "127.0.0.1", "port": lines[0].port,
                 "protocol": "cccam", "user": "boxowner"},
                {"label": "line1-b", "host": "127.0.0.1", "port": lines[1].port,
                 "protocol": "cccam", "user": "boxowner"}]}]}
    with open(config_path, "w") as out:
        json.dump(config, out, indent=2)
    os.chmod(config_path, 0o600)
    log = open(str(tmp_path / "daemon.log"), "wb")
    process = subprocess.Popen([BINARY, "run", "-c", config_path], stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            output, retval = run_shell("%s status --json --socket %s" % (BINARY, socket_path))
            if retval == 0:
                break
            assert process.poll() is None, "daemon exited: %s" % open(log.name).read()
            assert time.monotonic() < deadline, "daemon did not answer: %s" % output
            time.sleep(0.1)
        yield RunningDaemon(process, config_path, socket_path, listen_port, lines)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
        for line in lines:
            line.stop()


def connect_through(port):
    """A softcam's connect through the group's port: returns the greeting bytes it got."""
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        return client.recv(64)
    finally:
        client.close()


def test_status_screen_renders_the_real_daemon(session, console, daemon):
    console.handler = run_shell
    screen = session.open(StbFailoverStatus, BINARY, daemon.config_path)
    screen.layoutFinished()
    Console.run_all()
    assert screen.view.ok, screen["status"].getText()
    assert screen["summary"].getText().startswith(
        "stbfailover running (pid %d," % daemon.process.pid)
    assert daemon.config_path in screen["summary"].getText()
    lines = screen["status"].getText().split("\n")
    assert lines[0].startswith("cccam-line1 on 127.0.0.1:"), lines
    assert len(lines) == 3
    assert [row.label for row in screen.view.rows[1:]] == ["line1-a", "line1-b"]
    assert [row.address for row in screen.view.rows[1:]] == [
        "127.0.0.1:%d" % line.port for line in daemon.lines]
    states = set(row.state for row in screen.view.rows[1:])
    assert states <= {"up", "suspect", "down", "rising", "disabled", "retired"}
    screen.close()


def test_status_screen_shows_a_real_failover(session, console, daemon):
    assert connect_through(daemon.listen_port) == cccam_greeting()
    daemon.lines[0].stop()  # the line that served goes away
    assert connect_through(daemon.listen_port) == cccam_greeting()
    deadline = time.monotonic() + 10
    while daemon.status()["groups"][0]["failovers"] < 1:
        assert time.monotonic() < deadline, daemon.status()
        time.sleep(0.1)
    console.handler = run_shell
    screen = session.open(StbFailoverStatus, BINARY, daemon.config_path)
    screen.layoutFinished()
    Console.run_all()
    group = screen.view.rows[0]
    assert group.active_server == "line1-b" and group.failovers >= 1
    assert group.sessions_total == 2
    assert " ago from line1-a to line1-b (" in group.last_failover
    lines = screen["status"].getText().split("\n")
    assert "active line1-b" in lines[0] and "last failover " in lines[0]
    assert lines[2].startswith("  > line1-b 127.0.0.1:%d cccam: up" % daemon.lines[1].port)


def test_setup_screen_edits_and_reloads_the_real_daemon(session, console, daemon):
    config_path = daemon.config_path
    console.handler = run_shell
    setup = session.open(StbFailoverSetup, config_path, BINARY)
    names = [entry[0] for entry in setup["config"].list]
    assert names == ["cccam-line1: mode", "cccam-line1: check every (s)",
                     "    line1-a enabled", "    line1-b enabled"]
    setup["config"].list[0][1].value = "scored"
    setup["config"].list[3][1].value = False
    setup["actions"].do("green")
    Console.run_all()
    box = session.top()
    assert isinstance(box, MessageBox)
    assert box.type == MessageBox.TYPE_INFO, box.text
    written = load_json(config_path)
    assert written["groups"][0]["mode"] == "scored"
    assert written["groups"][0]["servers"][1]["enabled"] is False
    box.close(True)
    status = session.open(StbFailoverStatus, BINARY, config_path)
    status.layoutFinished()
    Console.run_all()
    assert status.view.ok, status["status"].getText()
    group, first, second = status.view.rows
    assert group.mode == "scored"
    assert not second.enabled and second.label == "line1-b"
    assert "generation" in status["summary"].getText()
    assert "last reload" in status["summary"].getText()



def test_status_screen_without_a_daemon(session, console, tmp_path):
    require_commands("status")
    config_path = str(tmp_path / "stbfailover.json")
    with open(config_path, "w") as out:
        json.dump({"control_socket": str(tmp_path / "none.sock")}, out)
    console.handler = run_shell
    screen = session.open(StbFailoverStatus, BINARY, config_path)
    screen.layoutFinished()
    Console.run_all()
    assert not screen.view.ok
    assert screen["summary"].getText() == "stbfailover is not running or did not answer"
    assert str(tmp_path / "none.sock") in screen["status"].getText()


CCCAM_CFG = """# lines of one account on two hosts, and one of another account
C: cs1.example.com 12000 boxowner s3cret
C: cs2.example.net 12000 boxowner s3cret yes
N: 198.51.100.20 15050 owner2 pw2 01 02 03 04 05 06 07 08 09 10 11 12 13 14
"""


def test_setup_output_passes_check(session, console, tmp_path):
    require_commands("check")
    cccam = tmp_path / "CCcam.cfg"
    cccam.write_text(CCCAM_CFG)
    os.chmod(str(cccam), 0o600)
    doc = json.loads(fixture_text("stbfailover.json"))
    doc["import"][0]["file"] = str(cccam)
    config_path = str(tmp_path / "stbfailover.json")
    with open(config_path, "w") as out:
        json.dump(doc, out, indent=4)
    os.chmod(config_path, 0o600)
    output, retval = run_shell("%s check -c %s" % (BINARY, config_path))
    assert retval == 0, output.decode("utf-8", "replace")
    console.handler = run_shell
    setup = session.open(StbFailoverSetup, config_path, BINARY)
    for name, element in setup["config"].list:
        if name.endswith(": mode"):
            element.value = "random"
        elif name.endswith("(s)"):
            element.value = 300
        else:
            element.value = not element.value
    setup["actions"].do("green")
    Console.run_all()
    written = load_json(config_path)
    assert written["groups"][1]["check"] == {"inter": "300s"}
    assert written["import"][0]["mode"] == "random"
    output, retval = run_shell("%s check -c %s" % (BINARY, config_path))
    assert retval == 0, output.decode("utf-8", "replace")


def test_setup_of_the_shipped_config_passes_check(session, console, tmp_path):
    require_commands("check")
    from conftest import REPO
    shipped = os.path.join(REPO, "conf", "stbfailover.json")
    if not os.path.isfile(shipped):
        pytest.skip("conf/stbfailover.json is not in the tree")
    config_path = str(tmp_path / "stbfailover.json")
    with open(shipped) as source, open(config_path, "w") as out:
        out.write(source.read())
    console.handler = run_shell
    setup = session.open(StbFailoverSetup, config_path, BINARY)
    assert setup["config"].list, "the shipped config offers its import entries"
    for name, element in setup["config"].list:
        if name.endswith(": mode"):
            element.value = "scored"
        elif name.endswith("(s)"):
            element.value = 90
    setup["actions"].do("green")
    Console.run_all()
    written = load_json(config_path)
    assert all(entry["mode"] == "scored" for entry in written["import"])
    output, retval = run_shell("%s check -c %s" % (BINARY, config_path))
    assert retval == 0, output.decode("utf-8", "replace")


def box_with_cccam(tmp_path, mode):
    """A fake root holding /etc/CCcam.cfg (CCCAM_CFG) with `mode`: (root, CCcam.cfg path)."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    cccam = root / "etc" / "CCcam.cfg"
    cccam.write_text(CCCAM_CFG)
    os.chmod(str(cccam), mode)
    return root, cccam


def real_import_question(session, console, root, config_path):
    """Runs the plugin's import with the real command up to its yes/no question."""
    console.handler = run_shell
    SoftcamImport(session, str(root), BINARY, config_path).start()
    chooser = session.top()
    chooser.close(chooser.list[0])
    Console.run_all()
    question = session.top()
    assert question.type == MessageBox.TYPE_YESNO, question.text
    return question


def test_import_action_with_the_real_import_command(session, console, tmp_path):
    require_commands("import", "check")
    root, cccam = box_with_cccam(tmp_path, 0o600)
    config_path = str(tmp_path / "stbfailover.json")
    with open(config_path, "w") as out:
        json.dump({"control_socket": str(tmp_path / "none.sock"), "log_level": "info"}, out)
    question = real_import_question(session, console, root, config_path)
    assert question.text.startswith("/etc/CCcam.cfg holds 2 groups, 3 servers.")
    question.close(True)
    Console.run_all()  # the reload fails: no daemon runs in this test
    written = load_json(config_path)
    assert written["log_level"] == "info" and len(written["groups"]) == 2
    assert "s3cret" not in open(config_path).read()
    output, retval = run_shell("%s check -c %s" % (BINARY, config_path))
    assert retval == 0, output.decode("utf-8", "replace")
    session.top().close(True)  # yes: point the softcam at stbfailover
    Console.run_all()
    done = session.top()
    assert done.type == MessageBox.TYPE_ERROR, done.text  # the reload found no daemon
    assert done.text.split("\n")[0] == "Wrote %s (2 groups, 3 servers)." % config_path
    assert "Rewrote /etc/CCcam.cfg; restart the softcam" in done.text
    assert os.path.isfile(str(cccam) + ".bak")
    # the softcam now dials each group's local port, the one the written config listens on
    active = [line.split() for line in cccam.read_text().splitlines()
              if line[:2] in ("C:", "N:")]
    ports = sorted(int(group["listen"]) if isinstance(group["listen"], int)
                   else int(group["listen"].rsplit(":", 1)[1]) for group in written["groups"])
    # one line per slot: every group's listen port (slot 1) is dialed, nothing else is remote
    dialed = [int(fields[2]) for fields in active]
    assert set(ports) <= set(dialed) and len(dialed) >= len(ports)
    assert all(fields[1] == "127.0.0.1" for fields in active)
    # importing the rewritten file again would make stbfailover relay to itself
    SoftcamImport(session, str(root), BINARY, config_path).start()
    chooser = session.top()
    chooser.close(chooser.list[0])
    Console.run_all()
    refused = session.top()
    assert refused.type == MessageBox.TYPE_ERROR
    # the import command itself refuses the loop (the plugin's own check is for older ones)
    assert "a loop" in refused.text and "nothing imported" in refused.text, refused.text
    assert load_json(config_path) == written


def test_import_into_the_shipped_config(session, console, tmp_path):
    """A fresh box: the shipped config imports /etc/CCcam.cfg; importing it through the plugin
    lists its groups instead, keeps the other settings, and the result passes check."""
    require_commands("import", "check")
    from conftest import REPO
    shipped = os.path.join(REPO, "conf", "stbfailover.json")
    if not os.path.isfile(shipped):
        pytest.skip("conf/stbfailover.json is not in the tree")
    root = box_with_cccam(tmp_path, 0o644)[0]  # as boxes ship it: a warning, no error
    config_path = str(tmp_path / "stbfailover.json")
    shutil.copy(shipped, config_path)
    before = load_json(config_path)
    question = real_import_question(session, console, root, config_path)
    assert "warning" in question.text  # the world-readable note reaches the box owner
    question.close(True)
    Console.run_all()
    written = load_json(config_path)
    assert [entry.get("file") for entry in written["import"]] == [
        entry.get("file") for entry in before["import"] if entry.get("file") != "/etc/CCcam.cfg"]
    assert written["defaults"] == before["defaults"]
    assert [group["name"] for group in written["groups"]] == ["cccam-boxowner",
                                                              "newcamd-owner2"]
    output, retval = run_shell("%s check -c %s" % (BINARY, config_path))
    assert retval == 0, output.decode("utf-8", "replace")


def test_setup_and_restore_buttons_with_the_real_commands(session, console, tmp_path):
    """As a new user would: Set up softcam, then Restore softcam, on a fake OpenPLi root with
    a recording softcam init script. The softcam is restarted once each time (by the command),
    and after restore its config is byte for byte what it was before setup."""
    require_commands("setup", "restore")
    root = tmp_path / "root"
    init_d = root / "etc" / "init.d"
    init_d.mkdir(parents=True)
    calls = tmp_path / "softcam.calls"
    (init_d / "softcam.oscam").write_text('#!/bin/sh\necho "softcam $*" >> %s\n' % calls)
    os.chmod(str(init_d / "softcam.oscam"), 0o755)
    os.symlink("softcam.oscam", str(init_d / "softcam"))
    server = root / "etc" / "tuxbox" / "config" / "oscam" / "oscam.server"
    server.parent.mkdir(parents=True)
    original = (b"[reader]\r\nlabel = s1\r\nprotocol = cccam\r\ndevice = s1.example.net,12000"
                b"\r\nuser = box\r\npassword = secret1\r\ngroup = 1\r\n\r\n[reader]\r\n"
                b"label = s2\r\nprotocol = cccam\r\ndevice = s2.example.net,12000\r\n"
                b"user = box\r\npassword = secret1\r\ngroup = 1\r\nfallback = 1")
    server.write_bytes(original)
    os.chmod(str(server), 0o600)
    (root / "etc" / "stbfailover").mkdir()
    console.handler = run_shell
    SoftcamAction(session, "setup", str(root), BINARY).start()
    Console.run_all()
    done = session.top()
    assert done.type == MessageBox.TYPE_INFO, done.text
    assert "restarted the softcam" in done.text
    assert server.read_bytes() != original and b"127.0.0.1" in server.read_bytes()
    assert calls.read_text().split("\n")[:-1] == ["softcam restart"]
    done.close()
    SoftcamAction(session, "restore", str(root), BINARY).start()
    Console.run_all()
    done = session.top()
    assert done.type == MessageBox.TYPE_INFO, done.text
    assert server.read_bytes() == original
    assert calls.read_text().split("\n")[:-1] == ["softcam restart", "softcam restart"]
