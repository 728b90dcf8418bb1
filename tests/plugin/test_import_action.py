# The import action in a fake root: choosing a softcam config, running `stbfailover import`,
# writing the config only after a yes, and `--softcam-config` only after a second yes.
import json
import os

import pytest

from conftest import load_json, pass_check
from Screens.ChoiceBox import ChoiceBox
from Screens.MessageBox import MessageBox
from StbFailover.import_action import SoftcamImport

IMPORTED = {"groups": [{"name": "cccam-boxowner", "listen": "127.0.0.1:20000",
                        "mode": "ordered",
                        "servers": [{"host": "cs1.example.com", "port": 12000,
                                     "protocol": "cccam", "user": "boxowner",
                                     "password": "s3cret"},
                                    {"host": "cs2.example.net", "port": 12000,
                                     "protocol": "cccam", "user": "boxowner",
                                     "password": "s3cret"}]}]}


@pytest.fixture
def root(tmp_path):
    box = tmp_path / "root"
    (box / "etc").mkdir(parents=True)
    (box / "etc" / "CCcam.cfg").write_text(
        "C: cs1.example.com 12000 boxowner s3cret\nC: cs2.example.net 12000 boxowner s3cret\n")
    return str(box)


def start(session, console, root, config_file):
    importer = SoftcamImport(session, root, "/usr/bin/stbfailover", config_file)
    importer.start()
    return importer


def import_first(session, console, root, config_file, output, retval=0):
    """Starts an import, picks the first softcam config and answers `stbfailover import`."""
    start(session, console, root, config_file)
    chooser = session.top()
    chooser.close(chooser.list[0])
    console.answer(output, retval)


def test_full_import(session, console, root, config_file):
    before = load_json(config_file)
    start(session, console, root, config_file)
    chooser = session.top()
    assert isinstance(chooser, ChoiceBox)
    assert [text for text, _ in chooser.list] == ["/etc/CCcam.cfg (CCcam)"]
    chooser.close(chooser.list[0])
    cfg = os.path.join(root, "etc", "CCcam.cfg")
    assert console.history == ["/usr/bin/stbfailover import --from %s 2>&1" % cfg]
    console.answer(json.dumps(IMPORTED).encode("utf-8"), 0)
    question = session.top()
    assert question.type == MessageBox.TYPE_YESNO
    assert question.text.startswith("/etc/CCcam.cfg holds 1 group, 2 servers.")
    assert load_json(config_file) == before, "nothing is written before the yes"
    question.close(True)
    assert load_json(config_file) == before, "nothing replaced before the check passed"
    pass_check(console, config_file)
    written = load_json(config_file)
    assert written["groups"] == before["groups"] + IMPORTED["groups"]
    assert written["log_level"] == "info" and written["import"] == before["import"]
    assert load_json(config_file + ".bak") == before
    assert console.history[-1] == \
        "/usr/bin/stbfailover status --reload --socket /var/run/stbfailover.sock 2>&1"
    console.answer("reload requested", 0)
    softcam_question = session.top()
    assert softcam_question.type == MessageBox.TYPE_YESNO
    assert "/etc/CCcam.cfg is rewritten" in softcam_question.text
    softcam_question.close(True)
    assert console.history[-1] == \
        "/usr/bin/stbfailover import --from %s --softcam-config %s 2>&1" % (cfg, cfg)
    console.answer("wrote %s (backup %s.bak)\n" % (cfg, cfg), 0)
    done = session.top()
    assert done.type == MessageBox.TYPE_INFO
    assert done.text.split("\n") == [
        "Wrote %s (3 groups, 7 servers)." % config_file,
        "stbfailover reloaded its config.",
        "Rewrote /etc/CCcam.cfg; restart the softcam to use stbfailover."]


def test_no_means_nothing_is_written(session, console, root, config_file):
    before = open(config_file).read()
    import_first(session, console, root, config_file, json.dumps(IMPORTED), 0)
    session.top().close(False)
    assert open(config_file).read() == before
    assert len(console.history) == 1 and not console.pending
    assert session.dialogs == []


def test_softcam_config_is_left_alone_without_second_yes(session, console, root, config_file):
    import_first(session, console, root, config_file, json.dumps(IMPORTED), 0)
    session.top().close(True)
    pass_check(console, config_file)
    console.answer("no daemon", 1)
    session.top().close(False)
    assert all("--softcam-config" not in cmd for cmd in console.history)
    done = session.top()
    assert done.type == MessageBox.TYPE_ERROR
    assert "reload failed (exit code 1): no daemon" in done.text


def test_import_error_is_shown(session, console, root, config_file):
    before = open(config_file).read()
    import_first(session, console, root, config_file,
                 "/etc/CCcam.cfg:2:26: port must be 1..65535\n", 1)
    box = session.top()
    assert box.type == MessageBox.TYPE_ERROR
    assert "/etc/CCcam.cfg:2:26: port must be 1..65535" in box.text
    assert open(config_file).read() == before


def test_import_output_that_is_not_json(session, console, root, config_file):
    import_first(session, console, root, config_file, "cannot write: disk full\n", 0)
    box = session.top()
    assert box.type == MessageBox.TYPE_ERROR
    assert box.text.startswith("output of stbfailover import:1:1: Expecting value")
    import_first(session, console, root, config_file, 'note\n{"groups": [\n  {"name": }]}', 0)
    assert session.top().text.startswith("output of stbfailover import:3:12: ")


def test_import_warnings_are_shown_with_the_question(session, console, root, config_file):
    warning = "warning: /etc/CCcam.cfg holds passwords and every user can read it\n"
    import_first(session, console, root, config_file, warning + json.dumps(IMPORTED), 0)
    question = session.top()
    assert question.type == MessageBox.TYPE_YESNO
    assert question.text.endswith("\n\n" + warning.strip())


def test_nothing_to_import(session, console, tmp_path, config_file):
    start(session, console, str(tmp_path / "empty"), config_file)
    box = session.top()
    assert box.type == MessageBox.TYPE_INFO and "No softcam config found" in box.text
    assert console.history == []


def test_chooser_cancelled(session, console, root, config_file):
    start(session, console, root, config_file)
    session.top().close(None)
    assert console.history == [] and session.dialogs == []


def test_missing_config_is_created_private(session, console, root, tmp_path):
    config_path = str(tmp_path / "etc-stbfailover" / "stbfailover.json")
    os.makedirs(os.path.dirname(config_path))
    import_first(session, console, root, config_path, json.dumps(IMPORTED), 0)
    session.top().close(True)
    pass_check(console, config_path)
    assert load_json(config_path) == IMPORTED
    assert oct(os.stat(config_path).st_mode & 0o777) == "0o600"
    assert not os.path.exists(config_path + ".bak")
    assert console.history[-1] == "/usr/bin/stbfailover status --reload 2>&1"
