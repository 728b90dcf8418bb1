# Puts the fake Enigma2 modules and the plugin package on the import path and gives tests a
# fake session (dialogs it opened, answering them) and a clean fake Console.
import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PLUGIN_PARENT = os.path.join(REPO, "firmware", "enigma2")
PLUGIN_DIR = os.path.join(PLUGIN_PARENT, "StbFailover")
FIXTURES = os.path.join(HERE, "fixtures")

for path in (os.path.join(HERE, "fake_enigma2"), PLUGIN_PARENT):
    if path not in sys.path:
        sys.path.insert(0, path)


def fixture_path(name):
    return os.path.join(FIXTURES, name)


def fixture_text(name):
    with open(fixture_path(name), "r", encoding="utf-8") as fixture_file:
        return fixture_file.read()


class FakeSession(object):
    """Opens screens like the real session (constructor gets the session first) and keeps them
    on a stack; closing a screen pops it and calls the callback given to openWithCallback."""

    def __init__(self):
        self.dialogs = []  # [screen, callback] pairs, newest last

    def open(self, screen_class, *args, **kwargs):
        return self.openWithCallback(None, screen_class, *args, **kwargs)

    def openWithCallback(self, callback, screen_class, *args, **kwargs):
        screen = screen_class(self, *args, **kwargs)
        self.dialogs.append([screen, callback])
        return screen

    def closed(self, screen, retval):
        for index, (dialog, callback) in enumerate(self.dialogs):
            if dialog is screen:
                del self.dialogs[index]
                if callback is not None:
                    callback(*retval)
                return

    def top(self):
        assert self.dialogs, "no dialog is open"
        return self.dialogs[-1][0]


@pytest.fixture
def session():
    return FakeSession()


@pytest.fixture
def console():
    from Components.Console import Console
    Console.reset()
    yield Console
    Console.reset()


@pytest.fixture
def config_file(tmp_path):
    """A copy of the sample config in a temp dir, mode 0600 like a real one."""
    path = tmp_path / "stbfailover.json"
    path.write_text(fixture_text("stbfailover.json"), encoding="utf-8")
    os.chmod(str(path), 0o600)
    return str(path)


@pytest.fixture
def status_json():
    return fixture_text("status.json")


def pass_check(console, config_path, output="", retval=0):
    """Answers the `stbfailover check` the plugin runs on the staged config before replacing
    `config_path`: asserts it is the next command and checks a file beside the config, which
    is not yet replaced. Returns the staged file's path."""
    import re
    cmd = console.pending[0][0]
    folder = re.escape(os.path.dirname(os.path.realpath(config_path)))
    match = re.match(r"^/\S*stbfailover check -c (%s/\.stbfailover\.\w+\.json) 2>&1$" % folder,
                     cmd)
    assert match, cmd
    assert os.path.isfile(match.group(1))
    console.answer(output, retval)
    return match.group(1)


def load_json(path):
    with open(path, "r", encoding="utf-8") as json_file:
        return json.load(json_file)
