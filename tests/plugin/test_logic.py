# logic.py without any Enigma2 module: commands, formatting, status rows, softcam discovery,
# config edits.
import json
import os
import stat

import pytest

from conftest import fixture_text, load_json
from StbFailover import logic


# ---- commands --------------------------------------------------------------------------------

def test_status_command_quotes_paths_and_joins_stderr():
    assert logic.status_command() == "/usr/bin/stbfailover status --json 2>&1"
    line = logic.status_command("/opt/stb failover", "/tmp/a b.sock")
    assert line == "'/opt/stb failover' status --json --socket '/tmp/a b.sock' 2>&1"


def test_reload_and_service_commands():
    assert logic.reload_command() == "/usr/bin/stbfailover status --reload 2>&1"
    assert logic.service_command("restart") == "/etc/init.d/stbfailover restart 2>&1"
    with pytest.raises(ValueError):
        logic.service_command("rm -rf /")


def test_import_command_with_and_without_softcam_config():
    assert logic.import_command("/etc/CCcam.cfg") == \
        "/usr/bin/stbfailover import --from /etc/CCcam.cfg 2>&1"
    assert logic.import_command("/etc/CCcam.cfg", "/etc/CCcam.cfg", daemon="stbf") == \
        "stbf import --from /etc/CCcam.cfg --softcam-config /etc/CCcam.cfg 2>&1"


def test_command_failure_names_the_cause():
    assert logic.command_failure(b"ok", 0, "reload") is None
    assert "not found" in logic.command_failure("sh: stbfailover: not found", 127, "status")
    failure = logic.command_failure(b"cannot connect to /var/run/stbfailover.sock\n", 1, "status")
    assert failure == "status failed (exit code 1): cannot connect to /var/run/stbfailover.sock"
    assert "no output" in logic.command_failure("", 3, "status")


# ---- formatting ------------------------------------------------------------------------------

@pytest.mark.parametrize("value,text", [
    (None, "-"), (0, "0.0 ms"), (4.25, "4.2 ms"), (38.4, "38 ms"), (112.6, "113 ms"),
    (999.4, "999 ms"), (1530.0, "1.5 s"), (12000, "12.0 s")])
def test_format_ms(value, text):
    assert logic.format_ms(value) == text


@pytest.mark.parametrize("seconds,text", [
    (0, "0 s"), (59, "59 s"), (60, "1 min 0 s"), (754, "12 min 34 s"), (3600, "1 h 0 min"),
    (7384, "2 h 3 min"), (86400, "1 d 0 h"), (200000, "2 d 7 h"), (37.5, "37 s")])
def test_format_duration(seconds, text):
    assert logic.format_duration(seconds) == text


def test_format_ago():
    assert logic.format_ago(None) == "never"
    assert logic.format_ago(754) == "12 min 34 s ago"


# ---- status JSON -----------------------------------------------------------------------------

def test_status_rows_from_fixture(status_json):
    summary, rows = logic.parse_status(status_json)
    assert summary.startswith("stbfailover running (pid 1234, up 2 h 3 min)")
    assert "/etc/stbfailover/stbfailover.json, generation 3" in summary
    assert "last reload 30 min 10 s ago: ok: 2 groups, 5 servers" in summary
    kinds = [type(row).__name__ for row in rows]
    assert kinds == ["GroupRow", "ServerRow", "ServerRow", "ServerRow",
                     "GroupRow", "ServerRow", "ServerRow"]
    group = rows[0]
    assert (group.name, group.listen, group.mode, group.active_server) == \
        ("cccam-line1", "127.0.0.1:20000", "ordered", "line1-b")
    assert group.last_failover == \
        "12 min 34 s ago from line1-a to line1-b (hung: 4 bytes unanswered for 3000 ms)"
    down, active, spare = rows[1:4]
    assert (down.state, down.active, down.response, down.next_check) == \
        ("down", False, "-", "in 37 s")
    assert down.last_failure == "connect refused"
    assert (active.active, active.connect, active.response, active.live_sessions) == \
        (True, "38 ms", "113 ms", 1)
    assert spare.address == "[2001:db8::7]:15000" and spare.backup
    assert spare.response == "1.5 s"
    second = rows[4]
    assert second.panic and second.active_server is None and second.last_failover == "never"
    assert rows[6].state == "disabled" and not rows[6].enabled


def test_status_text_lines(status_json):
    view = logic.read_status(status_json.encode("utf-8"), 0)
    assert view.ok and view.message == ""
    lines = logic.status_text(view).split("\n")
    assert len(lines) == 7
    assert lines[0].startswith("cccam-line1 on 127.0.0.1:20000, ordered: active line1-b, "
                               "sessions 1/27, failovers 2, last failover 12 min 34 s ago")
    assert lines[2].startswith("  > line1-b cs2.example.net:12000 cccam: up, response 113 ms")
    assert lines[1].endswith("last failure: connect refused")
    assert "[backup]" in lines[3]
    assert lines[4].endswith("NO USABLE SERVER")
    assert "[disabled]" in lines[6]
    # the account's user name is not a secret, but nothing of it is needed on screen
    assert "boxowner" not in logic.status_text(view)


def test_status_daemon_not_running():
    view = logic.read_status(
        b"stbfailover: cannot connect to /var/run/stbfailover.sock: No such file or directory\n",
        1)
    assert not view.ok and view.rows == []
    assert view.summary == "stbfailover is not running or did not answer"
    assert "No such file or directory" in view.message


def test_status_binary_missing():
    view = logic.read_status("sh: /usr/bin/stbfailover: not found", 127)
    assert not view.ok and "is stbfailover installed?" in view.message


@pytest.mark.parametrize("text,expected", [
    ('{"version":1, "groups": [', "not JSON: line 1, column"),
    ("", "not JSON: line 1, column 1"),
    ("[1,2]", "must be a JSON object"),
    ('{"version":2,"groups":[]}', "status version 2 is not supported"),
    ('{"version":1}', "status.groups is missing"),
    ('{"version":1,"groups":[{"name":"g"}]}', "groups[0].servers is missing"),
    ('{"version":1,"groups":[{"name":"g","servers":[{"label":"a","state":"up",'
     '"port":"12000"}]}]}', "groups[0].servers[0].port must be an integer"),
    ('{"version":1,"groups":[{"name":"g","servers":[{"label":"a","state":"up",'
     '"ewma_connect_ms":true}]}]}', "groups[0].servers[0].ewma_connect_ms must be a number"),
    ('{"version":1,"groups":[{"name":"g","servers":[],"last_failover":5}]}',
     "groups[0].last_failover must be an object or null"),
])
def test_status_bad_json_gets_a_clear_error(text, expected):
    view = logic.read_status(text, 0)
    assert not view.ok and view.rows == []
    assert view.summary == "cannot read the daemon's status"
    assert expected in view.message


def test_status_without_groups():
    view = logic.read_status('{"version":1,"daemon":{"pid":7},"groups":[]}', 0)
    assert view.ok and view.rows == [] and view.message == "no groups configured"
    assert "pid 7" in view.summary


def test_failed_reload_is_shown():
    doc = json.loads(fixture_text("status.json"))
    doc["daemon"]["last_reload"] = {"ok": False, "ago_s": 5,
                                    "message": "/etc/stbfailover/stbfailover.json:7:12: bad"}
    summary, _ = logic.parse_status(json.dumps(doc))
    assert "last reload 5 s ago FAILED: /etc/stbfailover/stbfailover.json:7:12: bad" in summary


def test_split_notes_keeps_line_numbers():
    assert logic.split_notes('{"a": 1}') == ('{"a": 1}', "")
    text, notes = logic.split_notes('warning: x\nnote: y\n{"a":\n 1}\n')
    assert notes == "warning: x\nnote: y" and text == '\n\n{"a":\n 1}\n'
    assert logic.split_notes("no json") == ("no json", "")
    view = logic.read_status('warning: x\n{"version": 1,\n "groups": [}', 0)
    assert view.message.startswith("status output is not JSON: line 3, column 13")


# ---- softcam configs -------------------------------------------------------------------------

def _write(root, box_path, text="x"):
    path = os.path.join(str(root), box_path.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(text)
    return path


def test_find_softcam_configs_in_a_fake_root(tmp_path):
    _write(tmp_path, "/etc/CCcam.cfg", "C: cs1.example.com 12000 u p\n")
    _write(tmp_path, "/etc/tuxbox/config/oscam/oscam.server", "[reader]\n")
    _write(tmp_path, "/etc/tuxbox/config/oscam-emu/oscam.server", "[reader]\n")
    _write(tmp_path, "/etc/tuxbox/config/oscam.server", "[reader]\n")
    _write(tmp_path, "/etc/tuxbox/config/oscam-smod/oscam.conf", "[global]\n")  # no .server
    found = logic.find_softcam_configs(str(tmp_path))
    assert [(c.shown, c.kind) for c in found] == [
        ("/etc/tuxbox/config/oscam-emu/oscam.server", "oscam"),
        ("/etc/tuxbox/config/oscam/oscam.server", "oscam"),
        ("/etc/tuxbox/config/oscam.server", "oscam"),
        ("/etc/CCcam.cfg", "cccam")]
    for config in found:
        assert config.path == os.path.join(str(tmp_path), config.shown.lstrip("/"))
        assert os.path.isfile(config.path)


def test_running_oscam_config_dir_comes_first_and_once(tmp_path):
    _write(tmp_path, "/etc/tuxbox/config/oscam/oscam.server", "[reader]\n")
    _write(tmp_path, "/usr/keys/oscam.server", "[reader]\n")
    _write(tmp_path, "/tmp/.oscam/oscam.version",
           "Unix Starttime:   1700000000\nVersion:          oscam-1.20\n"
           "ConfigDir:        /usr/keys/\nMax PID:          unlimited\n")
    found = logic.find_softcam_configs(str(tmp_path))
    assert [(c.shown, c.origin) for c in found] == [
        ("/usr/keys/oscam.server", "running OSCam"),
        ("/etc/tuxbox/config/oscam/oscam.server", "OSCam")]
    # the running OSCam reading the usual folder: listed once, as the running one
    _write(tmp_path, "/tmp/.oscam/oscam.version", "ConfigDir: /etc/tuxbox/config/oscam/\n")
    found = logic.find_softcam_configs(str(tmp_path))
    assert [(c.shown, c.origin) for c in found] == [
        ("/etc/tuxbox/config/oscam/oscam.server", "running OSCam")]


def test_var_etc_link_is_not_listed_twice(tmp_path):
    _write(tmp_path, "/etc/CCcam.cfg")
    os.makedirs(str(tmp_path / "var"))
    os.symlink("../etc", str(tmp_path / "var" / "etc"))
    _write(tmp_path, "/tmp/.oscam/oscam.version", "ConfigDir: /var/etc/\n")
    _write(tmp_path, "/etc/oscam.server", "[reader]\n")
    found = logic.find_softcam_configs(str(tmp_path))
    assert [c.shown for c in found] == ["/var/etc/oscam.server", "/etc/CCcam.cfg"]


def test_nothing_found_in_an_empty_root(tmp_path):
    assert logic.find_softcam_configs(str(tmp_path)) == []
    assert logic.oscam_config_dir(str(tmp_path)) is None


# ---- JSON config -----------------------------------------------------------------------------

OSCAM_IMPORT = "servers from /etc/tuxbox/config/oscam/oscam.server"


def test_setup_groups_reads_defaults(config_file):
    groups = logic.setup_groups(logic.load_config(config_file))
    assert [(g.section, g.index, g.name, g.mode, g.check_interval_s) for g in groups] == [
        ("groups", 0, "cccam-line1", "ordered", 60),
        ("groups", 1, "newcamd-line2", "ordered", 120),  # "inter": "2m"
        ("import", 0, OSCAM_IMPORT, "scored", 90)]       # interval from "defaults"
    assert [(s.label, s.enabled) for s in groups[0].servers] == [
        ("line1-a", True), ("line1-b", True), ("[2001:db8::7]:15000", True)]
    assert [(s.label, s.enabled) for s in groups[1].servers] == [
        ("198.51.100.20:15050", True), ("203.0.113.9:15050", False)]
    assert groups[2].servers == []


def test_setup_groups_without_defaults_uses_the_engines():
    groups = logic.setup_groups({"groups": [{"name": "g", "servers": []}],
                                 "import": [{"file": "/etc/CCcam.cfg"}]})
    assert [(g.mode, g.check_interval_s) for g in groups] == [("ordered", 60), ("random", 60)]


@pytest.mark.parametrize("inter,seconds", [
    (30000, 30), (1500.0, 2), ("45s", 45), ("1h", 3600), ("2m", 120), ("90000ms", 90),
    ("120", 0), (" 10 s ", 10)])
def test_check_inter_forms(inter, seconds):
    groups = logic.setup_groups({"groups": [{"name": "g", "check": {"inter": inter}}]})
    assert groups[0].check_interval_s == seconds


@pytest.mark.parametrize("check,expected", [
    ({"inter": "soon"}, r'groups\[0\].check.inter must be milliseconds or a duration'),
    ({"inter": True}, r'groups\[0\].check.inter must be'),
    ({"interval_s": "60"}, r'groups\[0\].check.interval_s must be a number')])
def test_bad_check_interval(check, expected):
    with pytest.raises(logic.ConfigFileError, match=expected):
        logic.setup_groups({"groups": [{"name": "g", "check": check}]}, "cfg.json")


def test_apply_setup_changes_only_edited_keys(config_file):
    doc = logic.load_config(config_file)
    groups = logic.setup_groups(doc)
    first = groups[0]._replace(mode="scored", check_interval_s=30, servers=[
        groups[0].servers[0]._replace(enabled=False)] + groups[0].servers[1:])
    second = groups[1]._replace(check_interval_s=150, servers=[
        groups[1].servers[0], groups[1].servers[1]._replace(enabled=True)])
    imported = groups[2]._replace(mode="random")
    new_doc, changed = logic.apply_setup(doc, [first, second, imported])
    assert changed == 6
    expected = load_json(config_file)
    expected["groups"][0]["mode"] = "scored"
    expected["groups"][0]["check"]["interval_s"] = 30
    expected["groups"][0]["servers"][0]["enabled"] = False
    expected["groups"][1]["check"]["inter"] = "150s"  # the key and style the file used
    expected["groups"][1]["servers"][1]["enabled"] = True
    expected["import"][0]["mode"] = "random"
    assert json.loads(json.dumps(new_doc)) == expected
    assert doc == load_json(config_file), "the document read must stay unchanged"


def test_apply_setup_adds_absent_keys_only_when_they_differ(config_file):
    doc = logic.load_config(config_file)
    groups = logic.setup_groups(doc)
    new_doc, changed = logic.apply_setup(doc, groups)
    assert changed == 0 and new_doc == doc
    edited = groups[1]._replace(mode="random")
    imported = groups[2]._replace(check_interval_s=45)
    new_doc, changed = logic.apply_setup(doc, [edited, imported])
    assert changed == 2
    assert new_doc["groups"][1]["mode"] == "random"
    assert new_doc["groups"][1]["check"] == {"inter": "2m"}
    assert new_doc["import"][0] == {"file": "/etc/tuxbox/config/oscam/oscam.server",
                                    "mode": "scored", "check": {"interval_s": 45}}
    assert "enabled" not in new_doc["groups"][1]["servers"][0]
    numeric = {"groups": [{"name": "g", "check": {"inter": 60000}}]}
    new_doc, changed = logic.apply_setup(
        numeric, [logic.setup_groups(numeric)[0]._replace(check_interval_s=20)])
    assert new_doc["groups"][0]["check"] == {"inter": 20000}


def test_shipped_default_config(tmp_path):
    """conf/stbfailover.json as installed on a box: two optional imports, defaults in "inter"
    style; an edit to an import entry writes that style."""
    from conftest import REPO
    shipped = os.path.join(REPO, "conf", "stbfailover.json")
    if not os.path.isfile(shipped):
        pytest.skip("conf/stbfailover.json is not in the tree")
    doc = logic.load_config(shipped)
    groups = logic.setup_groups(doc, shipped)
    imports = [g for g in groups if g.section == "import"]
    assert [g.name for g in imports] == [
        "servers from %s" % e.get("file", "the softcam configs found on this box")
        for e in doc["import"]]
    assert all((g.mode, g.check_interval_s) == ("random", 60) for g in imports)
    new_doc, changed = logic.apply_setup(doc, [imports[0]._replace(check_interval_s=120,
                                                                   mode="scored")])
    assert changed == 2
    entry = new_doc["import"][0]
    assert entry["check"] == {"inter": "120s"} and entry["mode"] == "scored"
    assert entry["optional"] is True and new_doc["defaults"] == doc["defaults"]


def test_apply_setup_rejects_out_of_range_changes(config_file):
    doc = logic.load_config(config_file)
    groups = logic.setup_groups(doc)
    with pytest.raises(logic.ConfigFileError, match="outside 10..3600"):
        logic.apply_setup(doc, [groups[0]._replace(check_interval_s=1)])
    with pytest.raises(logic.ConfigFileError, match="not one of"):
        logic.apply_setup(doc, [groups[0]._replace(mode="fastest")])
    with pytest.raises(logic.ConfigFileError, match=r"import\[5\] no longer exists"):
        logic.apply_setup(doc, [groups[2]._replace(index=5)])


def test_bad_config_json_names_file_line_and_column(tmp_path):
    path = tmp_path / "stbfailover.json"
    path.write_text('{\n  "groups": [\n    {"name": "a",}\n  ]\n}\n')
    with pytest.raises(logic.ConfigFileError) as error:
        logic.load_config(str(path))
    assert str(error.value).startswith("%s:3:18: " % path)
    with pytest.raises(logic.ConfigFileError, match="cannot read"):
        logic.load_config(str(tmp_path / "missing.json"))
    path.write_text('{"groups": {"name": "a"}}')
    with pytest.raises(logic.ConfigFileError, match="groups must be a list"):
        logic.setup_groups(logic.load_config(str(path)), str(path))
    path.write_text('{"import": [{"file": "/etc/CCcam.cfg", "check": []}]}')
    with pytest.raises(logic.ConfigFileError, match=r"import\[0\].check must be an object"):
        logic.setup_groups(logic.load_config(str(path)), str(path))
    path.write_text('{"defaults": {"check": 5}}')
    with pytest.raises(logic.ConfigFileError, match="defaults and defaults.check"):
        logic.setup_groups(logic.load_config(str(path)), str(path))


def test_write_config_atomic_keeps_mode_order_and_indent(config_file, tmp_path):
    doc = logic.load_config(config_file)
    doc["groups"][0]["mode"] = "random"
    logic.write_config_atomic(config_file, doc, backup=True)
    text = open(config_file).read()
    assert stat.S_IMODE(os.stat(config_file).st_mode) == 0o600
    assert text.startswith('{\n    "//": "stbfailover config of a test box')
    assert list(json.loads(text).keys()) == [
        "//", "control_socket", "log_level", "metrics_listen", "listen_port_base", "defaults",
        "groups", "import"]
    assert json.loads(text)["groups"][0]["mode"] == "random"
    assert json.loads(open(config_file + ".bak").read())["groups"][0]["mode"] == "ordered"
    assert sorted(os.listdir(str(tmp_path))) == ["stbfailover.json", "stbfailover.json.bak"]


def test_repeated_comment_keys_survive_an_edit(tmp_path):
    path = str(tmp_path / "stbfailover.json")
    text = ('{\n  "//": "first note",\n  "//": "second note",\n  "groups": [\n'
            '    {"name": "g", "//": "a", "//": "b", "servers": []}\n  ]\n}\n')
    with open(path, "w") as out:
        out.write(text)
    doc = logic.load_config(path)
    assert doc["//"] == "first note"
    groups = logic.setup_groups(doc, path)
    new_doc, changed = logic.apply_setup(doc, [groups[0]._replace(mode="random")], path)
    assert changed == 1
    logic.write_config_atomic(path, new_doc)
    written = open(path).read()
    assert written.count('"//": "first note"') == 1 and written.count('"//": "second note"') == 1
    assert '"//": "a"' in written and '"//": "b"' in written and '"mode": "random"' in written
    pairs = json.loads(written, object_pairs_hook=lambda p: p)
    assert [key for key, _ in pairs] == ["//", "//", "groups"]


def test_write_config_atomic_keeps_a_symlink(config_file, tmp_path):
    link = str(tmp_path / "link.json")
    os.symlink(config_file, link)
    doc = logic.load_config(link)
    doc["log_level"] = "debug"
    logic.write_config_atomic(link, doc, backup=True)
    assert os.path.islink(link) and os.readlink(link) == config_file
    assert load_json(config_file)["log_level"] == "debug"
    assert load_json(config_file + ".bak")["log_level"] == "info"


def test_write_config_atomic_new_file_is_private(tmp_path):
    path = str(tmp_path / "new.json")
    logic.write_config_atomic(path, {"groups": []}, backup=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert open(path).read() == '{\n  "groups": []\n}\n'
    assert not os.path.exists(path + ".bak")


def test_write_config_atomic_failure_leaves_old_file(config_file, tmp_path):
    before = open(config_file).read()
    with pytest.raises(TypeError):
        logic.write_config_atomic(config_file, {"bad": object()})
    assert open(config_file).read() == before
    assert sorted(os.listdir(str(tmp_path))) == ["stbfailover.json"]


def test_merge_imported_keeps_settings_and_drops_the_same_import(config_file):
    current = logic.load_config(config_file)
    imported = {"control_socket": "/var/run/stbfailover.sock", "log_level": "warn",
                "seed": 7,
                "groups": [{"name": "oscam-1", "mode": "ordered",
                            "servers": [{"host": "h", "port": 1}]},
                           {"name": "newcamd-line2", "servers": []}]}
    merged = logic.merge_imported(current, imported, "/etc/tuxbox/config/oscam/oscam.server")
    assert merged["log_level"] == "info", "the box owner's settings win"
    assert merged["seed"] == 7, "what the config lacked is filled in"
    assert merged["defaults"] == current["defaults"]
    # hand-written groups stay, a group of the same name is replaced, the import entry's
    # mode now sits on the groups it formed
    assert [g["name"] for g in merged["groups"]] == ["cccam-line1", "oscam-1", "newcamd-line2"]
    assert merged["groups"][0] == current["groups"][0]
    assert merged["groups"][1] == {"name": "oscam-1", "mode": "scored",
                                   "servers": [{"host": "h", "port": 1}]}
    assert merged["groups"][2] == {"name": "newcamd-line2", "servers": [], "mode": "scored"}
    assert "import" not in merged
    assert imported["groups"][0]["mode"] == "ordered", "the import output stays as printed"
    other = logic.merge_imported(current, imported, "/etc/CCcam.cfg")
    assert other["import"] == current["import"]
    assert other["groups"][1:] == imported["groups"]
    fresh = logic.merge_imported(None, imported, "/etc/CCcam.cfg")
    assert fresh == imported and list(fresh) == list(imported)
    assert logic.config_summary(merged) == "3 groups, 4 servers"
    assert logic.config_summary(current) == "2 groups, 5 servers"
    assert logic.config_summary({"groups": [{"servers": [{}]}]}) == "1 group, 1 server"
    assert logic.config_summary({"groups": "x"}) == "0 groups, 0 servers"


def test_merge_imported_relative_file_and_pinned_ports():
    current = {"import": [{"file": "CCcam.cfg", "check": {"interval_s": 30},
                           "listen": {"cccam-u": 20007}, "optional": True, "format": "cccam"},
                          {"file": "/etc/tuxbox/config/oscam.server"}]}
    imported = {"groups": [{"name": "cccam-u", "listen": "127.0.0.1:20000", "servers": []},
                           {"name": "cccam-v", "listen": "127.0.0.1:20001", "servers": []}]}
    merged = logic.merge_imported(current, imported, "/etc/stbfailover/CCcam.cfg")
    assert merged["import"] == [{"file": "/etc/tuxbox/config/oscam.server"}]
    assert merged["groups"] == [
        {"name": "cccam-u", "listen": 20007, "servers": [], "check": {"interval_s": 30}},
        {"name": "cccam-v", "listen": "127.0.0.1:20001", "servers": [],
         "check": {"interval_s": 30}}]


def test_control_socket():
    assert logic.control_socket({"control_socket": "/tmp/s"}) == "/tmp/s"
    assert logic.control_socket({"control_socket": ""}) is None
    assert logic.control_socket({}) is None


# ---- glue ------------------------------------------------------------------------------------

def test_connect_timer_callback_list_style():
    from enigma import eTimer
    timer, calls = eTimer(), []
    connection = logic.connect_timer(timer, lambda: calls.append(1))
    assert connection is None and len(timer.callback) == 1
    timer.start(100, False)
    timer.fire()
    assert calls == [1]
    logic.disconnect_timer(timer, timer.callback[0], connection)
    assert timer.callback == [] and not timer.isActive()


def test_connect_timer_dreamos_style():
    from enigma import DreamOSeTimer
    timer, calls = DreamOSeTimer(), []

    def tick():
        calls.append(1)
    connection = logic.connect_timer(timer, tick)
    assert connection is not None
    timer.fire()
    assert calls == [1]
    logic.disconnect_timer(timer, tick, connection)
    timer.fire()
    assert calls == [1]


def test_scale_skin():
    skin = ('<screen position="center,center" size="640,360"><widget name="a" '
            'position="20,10" size="600,40" font="Regular;24" itemHeight="40" /></screen>')
    scaled = logic.scale_skin(skin, 1.5)
    assert scaled == ('<screen position="center,center" size="960,540"><widget name="a" '
                      'position="30,15" size="900,60" font="Regular;36" itemHeight="60" />'
                      '</screen>')
    assert logic.scale_skin(skin, 1) == skin
