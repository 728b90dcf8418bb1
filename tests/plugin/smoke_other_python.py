# Runs the plugin on another Python (3.9 ... 3.14) without pytest: the screens on the fake
# Enigma2 modules, the status fixture, a setup save and a softcam search in a temp root.
# test_syntax.py starts it with every interpreter it finds; it prints one line and exits 0.
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "fake_enigma2"),
                os.path.join(os.path.dirname(os.path.dirname(HERE)), "firmware", "enigma2")]

from Components.Console import Console  # noqa: E402
from StbFailover import logic, plugin  # noqa: E402
from StbFailover.setup_screen import StbFailoverSetup  # noqa: E402
from StbFailover.status_screen import StbFailoverStatus  # noqa: E402


class Session(object):
    def __init__(self):
        self.dialogs = []

    def open(self, screen_class, *args, **kwargs):
        return self.openWithCallback(None, screen_class, *args, **kwargs)

    def openWithCallback(self, callback, screen_class, *args, **kwargs):
        screen = screen_class(self, *args, **kwargs)
        self.dialogs.append(screen)
        return screen


def main():
    work = tempfile.mkdtemp()
    try:
        config_path = os.path.join(work, "stbfailover.json")
        shutil.copy(os.path.join(HERE, "fixtures", "stbfailover.json"), config_path)
        with open(os.path.join(HERE, "fixtures", "status.json")) as fixture:
            status_json = fixture.read()
        session = Session()
        status = session.open(StbFailoverStatus, "/usr/bin/stbfailover", config_path)
        status.layoutFinished()
        Console.answer(status_json.encode("utf-8"), 0)
        lines = status["status"].getText().split("\n")
        assert len(lines) == 7 and "line1-b" in lines[2], lines

        setup = session.open(StbFailoverSetup, config_path)
        setup["config"].list[0][1].value = "scored"
        setup["actions"].do("green")
        Console.answer(b"", 0)  # stbfailover check of the staged config
        with open(config_path) as written:
            assert json.load(written)["groups"][0]["mode"] == "scored"

        os.makedirs(os.path.join(work, "root", "etc"))
        open(os.path.join(work, "root", "etc", "CCcam.cfg"), "w").close()
        found = logic.find_softcam_configs(os.path.join(work, "root"))
        assert [config.shown for config in found] == ["/etc/CCcam.cfg"], found
        print(len(plugin.Plugins()), len(lines), len(found))
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
