# Drain, disable and enable per server from the status screen (blue), the admin state and the
# supervisor's restarts in the status, and the event history screen.
import json

from Screens.ChoiceBox import ChoiceBox
from StbFailover import logic
from StbFailover.events_screen import StbFailoverEvents
from StbFailover.status_screen import StbFailoverStatus


def status_with(status_json, admin=None, restarts=0):
    doc = json.loads(status_json)
    if admin is not None:
        doc["groups"][0]["servers"][1]["admin"] = admin
    if restarts:
        doc["daemon"]["restarts"] = restarts
        doc["daemon"]["last_restart_reason"] = "killed by signal 9 (Killed)"
    return json.dumps(doc).encode("utf-8")


def open_status(session, console, tmp_path, answer):
    screen = session.open(StbFailoverStatus, "/usr/bin/stbfailover",
                          str(tmp_path / "stbfailover.json"))
    screen.layoutFinished()
    console.answer(answer, 0)
    return screen


def test_blue_drains_the_chosen_server_and_refreshes(session, console, tmp_path, status_json):
    screen = open_status(session, console, tmp_path, status_with(status_json))
    screen["actions"].do("blue")
    servers = session.top()
    assert isinstance(servers, ChoiceBox)
    assert [text for text, _ in servers.list][:2] == ["cccam-line1 / line1-a (down)",
                                                      "cccam-line1 / line1-b (up)"]
    servers.close(servers.list[1])
    actions = session.top()
    assert [value[0] for _, value in actions.list] == ["drain", "disable", "enable"]
    actions.close(actions.list[0])
    assert console.history[-1] == \
        "/usr/bin/stbfailover server drain cccam-line1 line1-b 2>&1"
    console.answer(b"line1-b draining: 1 live session finishes, no new ones\n", 0)
    assert screen["message"].getText() == "line1-b draining: 1 live session finishes, no new ones"
    assert console.history[-1] == "/usr/bin/stbfailover status --json 2>&1", "refreshed"
    console.answer(status_with(status_json, admin={"state": "drain", "by": "cli"}), 0)
    assert "draining" in screen["status"].getText().split("\n")[2]


def test_a_refused_admin_command_is_shown(session, console, tmp_path, status_json):
    screen = open_status(session, console, tmp_path, status_with(status_json))
    screen["actions"].do("blue")
    session.top().close(session.top().list[0])
    session.top().close(session.top().list[2])  # enable
    console.answer(b"unknown server 'line1-a' in group 'cccam-line1'\n", 2)
    assert "stbfailover server enable failed (exit code 2)" in screen["message"].getText()


def test_blue_without_a_status_says_so(session, console, tmp_path):
    screen = open_status(session, console, tmp_path, b"cannot connect\n")
    screen["actions"].do("blue")
    assert not isinstance(session.top(), ChoiceBox)
    assert "no server" in screen["message"].getText().lower()


def test_admin_state_and_restarts_are_shown(session, console, tmp_path, status_json):
    screen = open_status(session, console, tmp_path,
                         status_with(status_json, admin="disabled", restarts=2))
    assert "disabled by admin" in screen["status"].getText().split("\n")[2]
    assert "restarted 2 time(s) after a crash, last: killed by signal 9 (Killed)" in \
        screen["summary"].getText()


def test_server_command_refuses_other_actions():
    import pytest
    with pytest.raises(ValueError):
        logic.server_command("delete", "g", "s")


def test_events_screen_shows_the_history(session, console, tmp_path):
    screen = session.open(StbFailoverEvents, "/usr/bin/stbfailover",
                          str(tmp_path / "stbfailover.json"))
    screen.layoutFinished()
    assert console.history == ["/usr/bin/stbfailover status --events 2>&1"]
    history = ("12:00:01 server cccam-line1/line1-a up -> down (connect refused)\n"
               "12:00:01 failover cccam-line1 line1-a -> line1-b\n")
    console.answer(history.encode("utf-8"), 0)
    assert screen["events"].getText() == history.strip()
    screen["actions"].do("green")
    console.answer(b"", 0)
    assert screen["events"].getText() == "No events yet."
    screen["actions"].do("ok")
    console.answer(b"cannot connect\n", 1)
    assert "exit code 1" in screen["events"].getText()
    screen["actions"].do("green")
    screen.close()
    console.answer(b"late\n", 0)  # a closed screen ignores a late answer


def test_server_command_uses_the_configs_control_socket(session, console, tmp_path,
                                                        status_json):
    config = tmp_path / "stbfailover.json"
    config.write_text('{"control_socket": "/tmp/x.sock", "groups": []}')
    screen = open_status(session, console, tmp_path, status_with(status_json))
    screen["actions"].do("blue")
    session.top().close(session.top().list[0])
    session.top().close(session.top().list[1])
    assert console.history[-1] == ("/usr/bin/stbfailover server disable cccam-line1 line1-a "
                                   "--socket /tmp/x.sock 2>&1")
