# The status screen: what it shows for the daemon's answers, its refresh timer on both timer
# APIs, and that a closed screen stops asking.
import enigma
import pytest

from StbFailover import logic, status_screen
from StbFailover.status_screen import StbFailoverStatus


def open_status(session, tmp_path, config=None):
    config_path = str(tmp_path / "stbfailover.json")
    if config is not None:
        with open(config_path, "w") as out:
            out.write(config)
    screen = session.open(StbFailoverStatus, "/usr/bin/stbfailover", config_path)
    screen.layoutFinished()
    return screen


def test_shows_groups_and_servers_from_the_fixture(session, console, tmp_path, status_json):
    screen = open_status(session, tmp_path)
    assert console.history == ["/usr/bin/stbfailover status --json 2>&1"]
    console.answer(status_json.encode("utf-8"), 0)
    assert screen["summary"].getText().startswith("stbfailover running (pid 1234, up 2 h 3 min)")
    body = screen["status"].getText().split("\n")
    assert body[0].startswith("cccam-line1 on 127.0.0.1:20000, ordered: active line1-b")
    assert body[2].startswith("  > line1-b cs2.example.net:12000 cccam: up, response 113 ms")
    assert body[4].startswith("newcamd-line2 on 127.0.0.1:20001, scored: active none")
    assert len(body) == 7
    assert screen.title == "stbfailover status"


def test_daemon_not_running(session, console, tmp_path):
    screen = open_status(session, tmp_path)
    console.answer(b"stbfailover: cannot connect to /var/run/stbfailover.sock: "
                   b"Connection refused\n", 1)
    assert screen["summary"].getText() == "stbfailover is not running or did not answer"
    assert screen["status"].getText() == (
        "stbfailover status failed (exit code 1): stbfailover: cannot connect to "
        "/var/run/stbfailover.sock: Connection refused")


def test_bad_json(session, console, tmp_path):
    screen = open_status(session, tmp_path)
    console.answer('{"version":1,"groups":[{"name":"x"', 0)
    assert screen["summary"].getText() == "cannot read the daemon's status"
    assert screen["status"].getText().startswith("status output is not JSON: line 1, column")


def test_uses_the_configured_control_socket(session, console, tmp_path):
    open_status(session, tmp_path, '{"control_socket": "/tmp/stbf test.sock", "groups": []}')
    assert console.history == [
        "/usr/bin/stbfailover status --json --socket '/tmp/stbf test.sock' 2>&1"]


def test_timer_refreshes_and_never_overlaps(session, console, tmp_path, status_json):
    screen = open_status(session, tmp_path)
    assert screen.timer.isActive() and screen.timer.interval_ms == status_screen.REFRESH_MS
    assert screen.timer.single_shot is False
    screen.timer.fire()  # the first answer has not come yet: no second shell
    assert len(console.pending) == 1
    console.answer(status_json, 0)
    screen.timer.fire()
    assert len(console.history) == 2
    console.answer("", 1)
    assert screen["summary"].getText() == "stbfailover is not running or did not answer"


def test_dreamos_timer(session, console, tmp_path, monkeypatch):
    monkeypatch.setattr(status_screen, "eTimer", enigma.DreamOSeTimer)
    screen = open_status(session, tmp_path)
    assert screen.timer_connection is not None
    console.answer("", 1)
    screen.timer.fire()
    assert len(console.history) == 2
    console.answer("", 1)
    timer = screen.timer
    screen.close()
    assert not timer.isActive()
    timer.fire()
    assert len(console.history) == 2


def test_close_stops_timer_and_ignores_late_answers(session, console, tmp_path, status_json):
    screen = open_status(session, tmp_path)
    timer, body = screen.timer, screen["status"]
    screen["actions"].do("cancel")
    assert screen.is_closed and not timer.isActive() and timer.callback == []
    console.answer(status_json, 0)  # arrives after close: must not touch the emptied screen
    assert body.getText() == ""
    assert session.dialogs == []
    timer.fire()
    assert len(console.history) == 1


def test_reload_answer_after_close_is_ignored(session, console, tmp_path, status_json):
    screen = open_status(session, tmp_path)
    console.answer(status_json, 0)
    screen["actions"].do("yellow")
    message = screen["message"]
    screen.close()
    console.answer("reload requested", 0)
    assert message.getText() == "Asking stbfailover to reload its config..."
    assert len(console.history) == 2, "no refresh after close"


def test_keys(session, console, tmp_path, status_json):
    screen = open_status(session, tmp_path)
    console.answer(status_json, 0)
    screen["actions"].do("green")
    assert console.history[-1] == "/usr/bin/stbfailover status --json 2>&1"
    console.answer(status_json, 0)
    screen["actions"].do("yellow")
    assert console.history[-1] == "/usr/bin/stbfailover status --reload 2>&1"
    console.answer("reload requested\n", 0)
    assert screen["message"].getText() == "Reload requested."
    assert console.history[-1] == "/usr/bin/stbfailover status --json 2>&1"
    console.answer(status_json, 0)
    screen["actions"].do("yellow")
    console.answer("no daemon", 1)
    assert screen["message"].getText() == "reload failed (exit code 1): no daemon"
    screen["actions"].do("down")
    assert screen["status"].page == 1


@pytest.mark.parametrize("width,font", [(1280, "Regular;20"), (1920, "Regular;30")])
def test_skin_follows_the_desktop(session, console, tmp_path, monkeypatch, width, font):
    monkeypatch.setattr(enigma, "DESKTOP_SIZE", [width, width * 9 // 16])
    screen = open_status(session, tmp_path)
    assert 'name="status"' in screen.skin and font in screen.skin
    for name in ("summary", "status", "message", "key_red", "key_green", "key_yellow"):
        assert 'name="%s"' % name in screen.skin and name in screen
