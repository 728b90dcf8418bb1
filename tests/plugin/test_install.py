# The CMake install of the plugin (what an OpenEmbedded recipe runs): every shipped file lands
# in the Enigma2 plugin folder, nothing else does. CMake passes its build folder.
import os
import subprocess

import pytest

from conftest import PLUGIN_DIR

BUILD_DIR = os.environ.get("STBF_BUILD_DIR", "")
PLUGIN_INSTALL_DIR = "usr/lib/enigma2/python/Plugins/Extensions/StbFailover"


def test_install_component(tmp_path):
    if not BUILD_DIR or not os.path.isfile(os.path.join(BUILD_DIR, "cmake_install.cmake")):
        pytest.skip("no configured build folder (STBF_BUILD_DIR=%r)" % BUILD_DIR)
    env = dict(os.environ, DESTDIR=str(tmp_path))
    result = subprocess.run(
        ["cmake", "--install", BUILD_DIR, "--prefix", "/usr", "--component", "enigma2-plugin"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    assert result.returncode == 0, result.stdout.decode("utf-8", "replace")
    shipped = sorted(name for name in os.listdir(PLUGIN_DIR)
                     if name.endswith((".py", ".png", ".xml")))
    installed = []
    for folder, _, files in os.walk(str(tmp_path)):
        installed += [os.path.relpath(os.path.join(folder, name), str(tmp_path))
                      for name in files]
    languages = sorted(name[:-3] for name in os.listdir(os.path.join(PLUGIN_DIR, "..", "po"))
                       if name.endswith(".po"))
    catalogues = ["locale/%s/LC_MESSAGES/StbFailover.mo" % lang for lang in languages]
    assert sorted(installed) == sorted(PLUGIN_INSTALL_DIR + "/" + name
                                       for name in shipped + catalogues)
    for name in shipped + catalogues:
        mode = os.stat(str(tmp_path / PLUGIN_INSTALL_DIR / name)).st_mode & 0o777
        assert mode == 0o644, name
