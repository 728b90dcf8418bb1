# plugin.py: the descriptors Enigma2 reads, the menu screen and the service actions.
import os

import pytest

from conftest import PLUGIN_DIR
from Plugins.Plugin import PluginDescriptor
from Screens.ChoiceBox import ChoiceBox
from Screens.MessageBox import MessageBox
from StbFailover import plugin
from StbFailover.setup_screen import StbFailoverSetup
from StbFailover.status_screen import StbFailoverStatus


def test_descriptors():
    descriptors = plugin.Plugins(path=PLUGIN_DIR)
    assert all(isinstance(d, PluginDescriptor) for d in descriptors)
    where = [d.where for d in descriptors]
    assert where == [[PluginDescriptor.WHERE_PLUGINMENU], [PluginDescriptor.WHERE_EXTENSIONSMENU],
                     [PluginDescriptor.WHERE_MENU]]
    menu, extensions, cam = descriptors
    assert menu.name == "stbfailover" and menu.description
    assert os.path.isfile(os.path.join(PLUGIN_DIR, menu.icon))
    with open(os.path.join(PLUGIN_DIR, menu.icon), "rb") as icon:
        assert icon.read(8) == b"\x89PNG\r\n\x1a\n"
    assert menu.fnc is plugin.main and extensions.fnc is plugin.status


def test_descriptor_functions_open_screens(session, console):
    menu, extensions, cam = plugin.Plugins()
    menu(session)
    assert isinstance(session.top(), plugin.StbFailoverMenu)
    extensions(session)
    assert isinstance(session.top(), StbFailoverStatus)


def open_menu(session, tmp_path, **kwargs):
    return session.open(plugin.StbFailoverMenu, str(tmp_path), "/usr/bin/stbfailover",
                        str(tmp_path / "stbfailover.json"), "/etc/init.d/stbfailover", **kwargs)


def choose(screen, key):
    keys = [item[1] for item in screen["menu"].list]
    screen["menu"].moveToIndex(keys.index(key))
    screen["actions"].do("ok")


def test_menu_entries(session, console, tmp_path):
    screen = open_menu(session, tmp_path)
    assert [item[1] for item in screen["menu"].list] == [
        "status", "setup", "events", "import", "softcam-setup", "softcam-restore",
        "start", "stop", "restart"]
    assert 'name="menu"' in screen.skin


def test_menu_opens_status_and_setup(session, console, tmp_path, config_file):
    screen = session.open(plugin.StbFailoverMenu, str(tmp_path), "/opt/stbfailover",
                          config_file)
    choose(screen, "status")
    status = session.top()
    assert isinstance(status, StbFailoverStatus) and status.daemon == "/opt/stbfailover"
    status.close()
    choose(screen, "setup")
    setup = session.top()
    assert isinstance(setup, StbFailoverSetup) and setup.config_path == config_file
    assert setup["config"].list


def start_import_from_menu(session, tmp_path):
    """The menu's import on a fake root holding /etc/CCcam.cfg: returns (menu, chooser)."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "CCcam.cfg").write_text("C: cs1.example.com 12000 u p\n")
    screen = open_menu(session, tmp_path)
    choose(screen, "import")
    return screen, session.top()


def test_menu_import_looks_in_root(session, console, tmp_path):
    chooser = start_import_from_menu(session, tmp_path)[1]
    assert isinstance(chooser, ChoiceBox) and chooser.list[0][1].shown == "/etc/CCcam.cfg"


@pytest.mark.parametrize("action", ["start", "stop", "restart"])
def test_service_actions(session, console, tmp_path, action):
    screen = open_menu(session, tmp_path)
    choose(screen, action)
    assert console.history == ["/etc/init.d/stbfailover %s 2>&1" % action]
    console.answer("%sing stbfailover: done\n" % action, 0)
    box = session.top()
    assert box.type == MessageBox.TYPE_INFO and box.text == "%sing stbfailover: done" % action


def test_service_failure_is_shown(session, console, tmp_path):
    screen = open_menu(session, tmp_path)
    choose(screen, "start")
    console.answer("start-stop-daemon: unable to stat /usr/bin/stbfailover\n", 1)
    box = session.top()
    assert box.type == MessageBox.TYPE_ERROR
    assert box.text == ("/etc/init.d/stbfailover start failed (exit code 1): "
                        "start-stop-daemon: unable to stat /usr/bin/stbfailover")


def test_service_answer_after_the_menu_closed(session, console, tmp_path):
    screen = open_menu(session, tmp_path)
    choose(screen, "stop")
    screen.close()
    console.answer("stopping stbfailover: done", 0)
    assert session.dialogs == []


def test_import_outlives_the_menu(session, console, tmp_path):
    screen, chooser = start_import_from_menu(session, tmp_path)
    chooser.close(chooser.list[0])
    screen.close()
    console.answer("/etc/CCcam.cfg:1:1: bad", 1)
    assert session.top().type == MessageBox.TYPE_ERROR


def test_cancel_closes(session, console, tmp_path):
    screen = open_menu(session, tmp_path)
    screen["actions"].do("cancel")
    assert screen.is_closed and session.dialogs == []


def test_texts_go_through_the_images_gettext(monkeypatch):
    import builtins
    import StbFailover
    monkeypatch.delattr(builtins, "_", raising=False)
    assert StbFailover._("Status") == "Status"
    monkeypatch.setattr(builtins, "_", lambda text: "<%s>" % text, raising=False)
    assert StbFailover._("Status") == "<Status>"
    assert plugin.Plugins()[1].name == "<stbfailover status>"


def test_cam_menu_entry_answers_only_the_softcam_menu(session, console):
    cam = [d for d in plugin.Plugins() if d.where == [PluginDescriptor.WHERE_MENU]][0]
    assert cam(menuid="mainmenu") == [] and cam("setup") == [] and cam("system") == []
    entries = cam("cam")
    assert len(entries) == 1
    text, function, key, weight = entries[0]
    assert text == "stbfailover" and key == "stbfailover" and isinstance(weight, int)
    function(session)  # Enigma2 calls the entry's function with the session
    assert isinstance(session.top(), plugin.StbFailoverMenu)


def test_plugin_browser_entry_stays_for_images_without_a_cam_menu():
    where = [d.where for d in plugin.Plugins()]
    assert [PluginDescriptor.WHERE_PLUGINMENU] in where


def test_menu_opens_the_event_history(session, console, tmp_path):
    from StbFailover.events_screen import StbFailoverEvents
    screen = open_menu(session, tmp_path)
    choose(screen, "events")
    assert isinstance(session.top(), StbFailoverEvents)
    assert session.top().daemon == "/usr/bin/stbfailover"
