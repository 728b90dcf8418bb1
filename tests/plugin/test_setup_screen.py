# The setup screen: the entries it offers for the config, what Save writes and that it asks
# the daemon to reload.
import json
import os

from conftest import load_json, pass_check
from Screens.MessageBox import MessageBox
from StbFailover.setup_screen import StbFailoverSetup


IMPORT = "servers from /etc/tuxbox/config/oscam/oscam.server"


def entry_names(screen):
    return [entry[0] for entry in screen["config"].list]


def element(screen, name):
    for entry in screen["config"].list:
        if entry[0] == name:
            return entry[1]
    raise AssertionError("no entry %r in %r" % (name, entry_names(screen)))


def test_entries_from_the_config(session, console, config_file):
    screen = session.open(StbFailoverSetup, config_file, "/usr/bin/stbfailover")
    assert entry_names(screen) == [
        "cccam-line1: mode", "cccam-line1: check every (s)",
        "    line1-a enabled", "    line1-b enabled", "    [2001:db8::7]:15000 enabled",
        "newcamd-line2: mode", "newcamd-line2: check every (s)",
        "    198.51.100.20:15050 enabled", "    203.0.113.9:15050 enabled",
        IMPORT + ": mode", IMPORT + ": check every (s)"]
    assert element(screen, "cccam-line1: mode").value == "ordered"
    assert [key for key, _ in element(screen, "cccam-line1: mode").choices] == \
        ["ordered", "random", "scored"]
    assert element(screen, "cccam-line1: check every (s)").value == 60
    assert element(screen, "    203.0.113.9:15050 enabled").value is False
    assert element(screen, "newcamd-line2: check every (s)").value == 120
    assert element(screen, IMPORT + ": mode").value == "scored"
    assert element(screen, IMPORT + ": check every (s)").value == 90
    assert screen["message"].getText() == ""
    assert screen["actions"].contexts == ["SetupActions", "ColorActions"]


def test_save_writes_config_and_reloads(session, console, config_file):
    before = load_json(config_file)
    screen = session.open(StbFailoverSetup, config_file, "/usr/bin/stbfailover")
    element(screen, "newcamd-line2: mode").value = "scored"
    element(screen, "cccam-line1: check every (s)").value = 90
    element(screen, "    line1-a enabled").value = False
    element(screen, IMPORT + ": check every (s)").value = 300
    screen["actions"].do("green")
    assert load_json(config_file) == before, "nothing replaced before the check passed"
    pass_check(console, config_file)
    after = load_json(config_file)
    before["groups"][1]["mode"] = "scored"
    before["groups"][0]["check"]["interval_s"] = 90
    before["groups"][0]["servers"][0]["enabled"] = False
    before["import"][0]["check"] = {"interval_s": 300}
    assert after == before
    assert oct(os.stat(config_file).st_mode & 0o777) == "0o600"
    assert console.history[1:] == [
        "/usr/bin/stbfailover status --reload --socket /var/run/stbfailover.sock 2>&1"]
    console.answer("reload requested\n", 0)
    box = session.top()
    assert isinstance(box, MessageBox) and box.type == MessageBox.TYPE_INFO
    assert box.text == "Saved %s; stbfailover reloaded it." % config_file
    box.close(True)
    assert screen.is_closed and screen.closed_with == (True,)


def test_save_reports_a_failed_reload(session, console, config_file):
    screen = session.open(StbFailoverSetup, config_file)
    element(screen, "cccam-line1: mode").value = "random"
    screen["actions"].do("save")
    pass_check(console, config_file)
    console.answer("cannot connect to /var/run/stbfailover.sock", 1)
    box = session.top()
    assert box.type == MessageBox.TYPE_ERROR
    assert "did not reload it" in box.text and "cannot connect" in box.text
    assert load_json(config_file)["groups"][0]["mode"] == "random"


def test_save_without_changes_writes_nothing(session, console, config_file):
    before = open(config_file).read()
    mtime = os.stat(config_file).st_mtime_ns
    screen = session.open(StbFailoverSetup, config_file)
    screen["actions"].do("green")
    assert screen.is_closed and screen.closed_with == (False,)
    assert open(config_file).read() == before and os.stat(config_file).st_mtime_ns == mtime
    assert console.history == []


def test_cancel_writes_nothing(session, console, config_file):
    before = open(config_file).read()
    screen = session.open(StbFailoverSetup, config_file)
    element(screen, "cccam-line1: mode").value = "random"
    screen["actions"].do("red")
    assert screen.is_closed and open(config_file).read() == before
    assert console.history == []


def test_broken_config_is_shown_and_left_alone(session, console, tmp_path):
    path = tmp_path / "stbfailover.json"
    path.write_text('{"groups": [\n  {"name": "a" "mode": "random"}]}\n')
    screen = session.open(StbFailoverSetup, str(path))
    assert screen["config"].list == []
    assert screen["message"].getText().startswith("%s:2:16: Expecting ','" % path)
    screen["actions"].do("green")
    assert screen.is_closed and console.history == []
    assert path.read_text() == '{"groups": [\n  {"name": "a" "mode": "random"}]}\n'


def test_config_without_groups_or_imports(session, console, tmp_path):
    path = tmp_path / "stbfailover.json"
    path.write_text(json.dumps({"log_level": "debug"}))
    screen = session.open(StbFailoverSetup, str(path))
    assert screen["config"].list == []
    assert screen["message"].getText() == "%s lists no groups and imports no file." % path


def test_config_with_only_an_import(session, console, tmp_path):
    path = tmp_path / "stbfailover.json"
    path.write_text(json.dumps({"import": [{"file": "/etc/CCcam.cfg"}]}))
    screen = session.open(StbFailoverSetup, str(path))
    assert entry_names(screen) == ["servers from /etc/CCcam.cfg: mode",
                                   "servers from /etc/CCcam.cfg: check every (s)"]
    element(screen, "servers from /etc/CCcam.cfg: mode").value = "scored"
    screen["actions"].do("green")
    pass_check(console, str(path))
    assert load_json(str(path)) == {"import": [{"file": "/etc/CCcam.cfg", "mode": "scored"}]}


def test_write_error_is_reported_and_nothing_reloads(session, console, config_file,
                                                     monkeypatch):
    from StbFailover import logic

    def refuse(path, doc):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(logic, "stage_config", refuse)
    screen = session.open(StbFailoverSetup, config_file)
    element(screen, "cccam-line1: mode").value = "random"
    screen["actions"].do("green")
    box = session.top()
    assert box.type == MessageBox.TYPE_ERROR and "No space left on device" in box.text
    assert not screen.is_closed and console.history == []


def test_leaving_while_the_daemon_reloads(session, console, config_file):
    screen = session.open(StbFailoverSetup, config_file)
    element(screen, "cccam-line1: mode").value = "random"
    screen["actions"].do("green")
    pass_check(console, config_file)
    screen.close(False)
    console.answer("reload requested", 0)  # arrives after close
    assert session.dialogs == []
    assert load_json(config_file)["groups"][0]["mode"] == "random"


def test_config_the_daemon_rejects_is_not_saved(session, console, config_file):
    """The plugin checks with `stbfailover check` before it replaces the config: a rejected
    one never reaches the file (a reload would refuse it and leave it for the next boot)."""
    before = open(config_file).read()
    screen = session.open(StbFailoverSetup, config_file)
    element(screen, "cccam-line1: mode").value = "random"
    screen["actions"].do("green")
    staged = pass_check(console, config_file,
                        "line 3: mode must be ordered, random or scored\n", 1)
    assert open(config_file).read() == before
    assert not os.path.exists(staged), "the staged file is removed"
    assert os.listdir(os.path.dirname(config_file)) == [os.path.basename(config_file)]
    box = session.top()
    assert box.type == MessageBox.TYPE_ERROR
    assert box.text.startswith("Nothing was saved: stbfailover check failed (exit code 1)")
    assert not screen.is_closed and len(console.history) == 1, "no reload of a rejected file"


def test_check_message_names_the_config_not_the_staged_file(session, console, config_file):
    screen = session.open(StbFailoverSetup, config_file)
    element(screen, "cccam-line1: mode").value = "random"
    screen["actions"].do("green")
    staged = console.pending[0][0].split(" -c ")[1].split(" ")[0]
    pass_check(console, config_file, "%s:3:12: error: bad\n" % staged, 1)
    assert "%s:3:12: error: bad" % config_file in session.top().text
    assert staged not in session.top().text
