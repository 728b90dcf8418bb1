# Setup and Restore from the menu: `stbfailover setup` / `restore` (which restart stbfailover
# and the softcam themselves); when they report that a restart failed (exit 3) the plugin
# restarts the softcam the way the image's softcam manager does (OpenPLi: stop, wait ~1 s,
# start; OpenATV: its script's restart). A progress message while it runs, the result after.
import os

import pytest

from Screens.MessageBox import MessageBox
from StbFailover import plugin
from StbFailover.softcam_action import SoftcamAction

SOFTCAM = "/etc/init.d/softcam"


@pytest.fixture
def pli_root(tmp_path):
    root = tmp_path / "root"
    (root / "etc" / "init.d").mkdir(parents=True)
    (root / "etc" / "init.d" / "softcam.oscam").write_text("#!/bin/sh\n")
    os.symlink("softcam.oscam", str(root / "etc" / "init.d" / "softcam"))
    (root / "etc" / "image-version").write_text("distro=openpli\nversion=9.0\n")
    return str(root)


def run(session, action, root):
    softcam = SoftcamAction(session, action, root, "/usr/bin/stbfailover")
    softcam.start()
    return softcam


def test_setup_that_restarted_the_softcam_itself_shows_what_it_did(session, console, pli_root):
    run(session, "setup", pli_root)
    progress = session.top()
    assert progress.type == MessageBox.TYPE_INFO and "please wait" in progress.text
    assert console.history == ["/usr/bin/stbfailover setup --root %s 2>&1" % pli_root]
    console.answer("wrote /etc/stbfailover/stbfailover.json\n"
                   "restarted the softcam: /etc/init.d/softcam restart\n", 0)
    assert len(console.history) == 1, "the softcam is restarted once, by setup"
    assert progress.is_closed
    done = session.top()
    assert done.type == MessageBox.TYPE_INFO
    assert done.text.endswith("restarted the softcam: /etc/init.d/softcam restart")


def test_setup_whose_restart_failed_stops_waits_and_starts_the_softcam(session, console,
                                                                      pli_root):
    softcam = run(session, "setup", pli_root)
    progress = session.top()
    console.answer("wrote /etc/stbfailover/stbfailover.json; softcam config rewritten\n", 3)
    assert console.history[-1] == SOFTCAM + " stop 2>&1"
    console.answer("Stopping softcam\n", 0)
    assert softcam.timer.isActive() and softcam.timer.interval_ms == 1000
    assert softcam.timer.single_shot and len(console.history) == 2, "waits before the start"
    softcam.timer.fire()
    assert console.history[-1] == SOFTCAM + " start 2>&1"
    console.answer("Starting softcam\n", 0)
    assert progress.is_closed, "the progress message goes when the result comes"
    done = session.top()
    assert done.type == MessageBox.TYPE_INFO
    assert done.text.split("\n") == [
        "wrote /etc/stbfailover/stbfailover.json; softcam config rewritten",
        "Restarting the softcam...", "The softcam was restarted."]


def test_restore_on_openatv_uses_its_softcam_script_restart(session, console, pli_root):
    with open(os.path.join(pli_root, "etc", "image-version"), "w") as f:
        f.write("creator=OpenATV\ndistro=openatv\n")
    run(session, "restore", pli_root)
    assert console.history == ["/usr/bin/stbfailover restore --root %s 2>&1" % pli_root]
    console.answer("", 3)
    assert console.history[-1] == SOFTCAM + " restart 2>&1"
    console.answer("", 0)
    done = session.top()
    assert done.type == MessageBox.TYPE_INFO
    assert done.text.split("\n") == ["stbfailover restore: done.", "Restarting the softcam...",
                                     "The softcam was restarted."]


def test_a_refused_setup_leaves_the_softcam_running(session, console, pli_root):
    run(session, "restore", pli_root)
    console.answer("restore: /etc/tuxbox/config/oscam/oscam.server changed since setup; "
                   "nothing restored\n", 1)
    assert len(console.history) == 1, "no softcam restart after a failure"
    done = session.top()
    assert done.type == MessageBox.TYPE_ERROR
    assert "changed since setup" in done.text and "exit code 1" in done.text


def test_a_failed_softcam_stop_is_shown(session, console, pli_root):
    run(session, "setup", pli_root)
    console.answer("", 3)
    console.answer("start-stop-daemon: not found\n", 127)
    done = session.top()
    assert done.type == MessageBox.TYPE_ERROR and SOFTCAM + " stop" in done.text


def test_image_without_a_softcam_script_is_told_to_restart_it(session, console, tmp_path):
    run(session, "setup", str(tmp_path))
    console.answer("", 3)
    assert len(console.history) == 1
    assert "restart the softcam yourself" in session.top().text


def test_menu_buttons_run_setup_and_restore(session, console, tmp_path):
    menu = session.open(plugin.StbFailoverMenu, "/", "/usr/bin/stbfailover",
                        str(tmp_path / "stbfailover.json"))
    menu["actions"].do("green")
    assert console.history == ["/usr/bin/stbfailover setup 2>&1"], "on a box: root /"
    console.answer("", 0)
    session.top().close()
    menu["actions"].do("yellow")
    assert console.history[-1] == "/usr/bin/stbfailover restore 2>&1"
    assert menu["key_green"].getText() and menu["key_yellow"].getText()


def test_unknown_action_is_refused(session):
    with pytest.raises(ValueError):
        SoftcamAction(session, "reboot")
