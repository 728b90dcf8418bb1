# skin.py: one 720p layout, scaled on bigger desktops.
import xml.etree.ElementTree as ElementTree

import enigma
import pytest

from StbFailover import plugin, setup_screen, skin, status_screen


@pytest.mark.parametrize("module", [plugin, setup_screen, status_screen])
def test_skins_are_well_formed_xml_within_720p(module):
    root = ElementTree.fromstring(module.SKIN)
    assert root.tag == "screen"
    width, height = (int(n) for n in root.get("size").split(","))
    assert width <= 1280 and height <= 720
    for widget in root.iter("widget"):
        x, y = (int(n) for n in widget.get("position").split(","))
        w, h = (int(n) for n in widget.get("size").split(","))
        assert x + w <= width and y + h <= height, widget.get("name")


def test_desktop_skin(monkeypatch):
    monkeypatch.setattr(enigma, "DESKTOP_SIZE", [1280, 720])
    assert skin.desktop_skin(plugin.SKIN) == plugin.SKIN
    monkeypatch.setattr(enigma, "DESKTOP_SIZE", [1920, 1080])
    scaled = ElementTree.fromstring(skin.desktop_skin(plugin.SKIN))
    assert scaled.get("size") == "1860,780"  # 1240x520 at 1.5


def test_button_widgets():
    xml = "<screen>%s</screen>" % skin.button_widgets(600, ["key_red", "key_green"])
    widgets = ElementTree.fromstring(xml).findall("widget")
    assert [w.get("name") for w in widgets] == ["key_red", "key_green"]
    assert [w.get("position") for w in widgets] == ["20,600", "320,600"]


def test_every_widget_of_a_screen_is_in_its_skin(session, console, config_file, tmp_path):
    """Enigma2 refuses to show a screen whose GUI components have no widget in the skin, and a
    widget without a component stays empty: the two name sets must match."""
    from Components.ActionMap import ActionMap
    from StbFailover.setup_screen import StbFailoverSetup
    from StbFailover.status_screen import StbFailoverStatus
    screens = [session.open(plugin.StbFailoverMenu, str(tmp_path)),
               session.open(StbFailoverStatus, "/usr/bin/stbfailover", config_file),
               session.open(StbFailoverSetup, config_file)]
    for screen in screens:
        in_skin = set(w.get("name") for w in ElementTree.fromstring(screen.skin).iter("widget"))
        components = set(name for name, value in screen.items()
                         if not isinstance(value, ActionMap))
        assert in_skin == components, type(screen).__name__
