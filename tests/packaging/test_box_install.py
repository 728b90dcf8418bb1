"""The packages' maintainer scripts in a fake receiver root (fake_box.py), as a box owner and an
image maintainer meet them: offline install into an image root, online install, upgrade and
removal, with a recording softcam init script and update-rc.d. With the real binary (host
builds): `setup` then removal leaves the softcam config byte-identical to before setup."""
import os
import platform
import subprocess

import pytest

from fake_box import FakeBox, with_version
from ipk_reader import Ipk

ENV = os.environ
DAEMON_IPK = ENV["STBF_DAEMON_IPK"]
PLUGIN_IPK = ENV.get("STBF_PLUGIN_IPK", "")
BUILD_IPK = ENV["STBF_IPK_SCRIPT"]
EPOCH = int(ENV["STBF_SOURCE_DATE_EPOCH"])
ARCH = ENV["STBF_PACKAGE_ARCH"]
PLUGIN_DIR = "/usr/lib/enigma2/python/Plugins/Extensions/StbFailover"
INIT_PARAMS = "stbfailover defaults 40 60"


@pytest.fixture
def box(tmp_path):
    return FakeBox(tmp_path / "root")


def test_offline_install_into_an_image_root_links_the_boot_order_there_and_starts_nothing(box):
    result = box.install(DAEMON_IPK, offline=True)
    assert result.returncode == 0, result.stderr
    assert box.calls() == [f"update-rc.d -r {box.root} {INIT_PARAMS}"]
    assert os.access(box.path("/etc/init.d/stbfailover"), os.X_OK)


def test_online_install_links_the_boot_order_checks_and_starts_under_the_supervisor(box):
    result = box.install(DAEMON_IPK)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()
    assert calls[0] == f"update-rc.d {INIT_PARAMS}"
    assert "stbfailover check -c /etc/stbfailover/stbfailover.json" in calls
    assert calls[-1] == "stbfailover run --restart -c /etc/stbfailover/stbfailover.json --syslog"
    assert not [c for c in calls if c.startswith("softcam")], "installing leaves the softcam be"


def test_upgrade_keeps_the_softcam_setup_the_edited_config_and_restarts_the_daemon(box, tmp_path):
    assert box.install(DAEMON_IPK).returncode == 0
    with open(box.path("/etc/stbfailover/stbfailover.json"), "a") as f:
        f.write("\n")  # a box owner's edit
    edited = open(box.path("/etc/stbfailover/stbfailover.json"), "rb").read()
    box.clear_calls()
    newer = with_version(DAEMON_IPK, "99.0.0", str(tmp_path / "v99"), BUILD_IPK, EPOCH)
    result = box.upgrade(newer)
    assert result.returncode == 0, result.stderr
    calls = box.calls()
    assert not [c for c in calls if c.startswith("stbfailover restore")], \
        "an upgrade must not undo the softcam's setup"
    assert not [c for c in calls if c.startswith("softcam")]
    assert not [c for c in calls if "remove" in c]
    assert calls[-1].startswith("stbfailover run --restart")
    assert open(box.path("/etc/stbfailover/stbfailover.json"), "rb").read() == edited


def test_removal_gives_the_softcam_its_config_back_then_stops_and_unlinks(box):
    assert box.install(DAEMON_IPK).returncode == 0
    box.clear_calls()
    result = box.remove("stbfailover")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()
    assert calls[0] == "stbfailover restore --force", calls
    assert calls[-1] == "update-rc.d -f stbfailover remove"
    assert not os.path.exists(box.path("/usr/bin/stbfailover"))
    assert not os.path.exists(box.path("/etc/init.d/stbfailover"))


def test_removal_after_the_owner_changed_the_softcam_config_still_gives_it_back(box):
    # Plain `restore` refuses then; removal forces it, so the softcam is never left pointing at
    # ports nobody serves once the relay is gone.
    assert box.install(DAEMON_IPK).returncode == 0
    open(box.path("/etc/softcam-changed"), "w").close()
    box.clear_calls()
    result = box.remove("stbfailover")
    assert result.returncode == 0, result.stdout + result.stderr
    assert box.calls()[0] == "stbfailover restore --force", box.calls()
    assert not os.path.exists(box.path("/usr/bin/stbfailover"))


def test_removal_is_refused_while_the_softcam_config_cannot_be_restored(box):
    assert box.install(DAEMON_IPK).returncode == 0
    open(box.path("/etc/restore-fails"), "w").close()
    box.clear_calls()
    result = box.remove("stbfailover")
    assert result.returncode != 0
    assert "refused" in result.stderr and "by hand" in result.stderr
    assert os.path.exists(box.path("/usr/bin/stbfailover")), "the relay stays for the picture"
    assert box.calls() == ["stbfailover restore --force"]


def test_removal_goes_on_when_only_the_softcam_restart_failed(box):
    assert box.install(DAEMON_IPK).returncode == 0
    open(box.path("/etc/restart-fails"), "w").close()
    result = box.remove("stbfailover")
    assert result.returncode == 0, result.stderr
    assert "restart the softcam by hand" in result.stderr
    assert not os.path.exists(box.path("/usr/bin/stbfailover"))


def test_offline_removal_from_an_image_root_runs_nothing(box):
    assert box.install(DAEMON_IPK, offline=True).returncode == 0
    box.clear_calls()
    assert box.remove("stbfailover", offline=True).returncode == 0
    assert box.calls() == []


def test_plugin_removal_takes_the_compiled_files_enigma2_made_on_the_box(box):
    if not PLUGIN_IPK:
        pytest.skip("no plugin package in this build")
    assert box.install(PLUGIN_IPK).returncode == 0
    plugin = box.path(PLUGIN_DIR)
    os.makedirs(os.path.join(plugin, "__pycache__"))
    open(os.path.join(plugin, "__pycache__", "plugin.cpython-312.pyc"), "w").close()
    open(os.path.join(plugin, "plugin.pyc"), "w").close()  # older images compile in place
    result = box.remove("enigma2-plugin-extensions-stbfailover")
    assert result.returncode == 0, result.stderr
    assert not os.path.exists(plugin)


def _runs_here():
    machine = platform.machine()
    return ARCH == machine or (ARCH == "x86_64" and machine == "amd64")


def _knows(binary, command):
    try:
        result = subprocess.run([binary, command, "--help"], capture_output=True, timeout=10)
    except OSError:
        return False
    return result.returncode == 0


OSCAM_SERVER = ("# as the softcam package shipped it, edited by the box owner\r\n"
                "[reader]\r\nlabel = s1\r\nprotocol = cccam\r\ndevice = s1.example.net,12000\r\n"
                "user = box\r\npassword = secret1\r\ncccversion = 2.3.2\r\ngroup = 1\r\n\r\n"
                "[reader]\r\nlabel = s2\r\nprotocol = cccam\r\ndevice = s2.example.net,12000\r\n"
                "user = box\r\npassword = secret1\r\ncccversion = 2.3.2\r\ngroup = 1\r\n"
                "fallback = 1")  # no final newline


@pytest.mark.parametrize("owner_edits", [False, True], ids=["as-setup-left-it", "owner-edited"])
def test_setup_then_removal_leaves_the_softcam_config_byte_identical(box, tmp_path, owner_edits):
    # owner-edited: the box owner changed the rewritten file after setup (plain `restore`
    # refuses then); removal still gives the softcam its own config back and keeps the edit.
    if not _runs_here():
        pytest.skip(f"the {ARCH} binary does not run on this host")
    staged = ENV["STBF_STAGED_BINARY"]
    if not (_knows(staged, "setup") and _knows(staged, "restore")):
        pytest.skip("this binary has no setup/restore commands yet")
    assert box.install(DAEMON_IPK, fake_daemon=False).returncode is not None
    box.use_binary(staged)
    server = box.path("/etc/tuxbox/config/oscam/oscam.server")
    os.makedirs(os.path.dirname(server))
    with open(server, "w", newline="") as f:
        f.write(OSCAM_SERVER)
    before = open(server, "rb").read()
    box.clear_calls()
    result = box.run_online(["/usr/bin/stbfailover", "setup"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert open(server, "rb").read() != before, "setup rewrites the softcam config"
    assert [c for c in box.calls() if c.startswith("softcam")], "setup restarts the softcam"
    edited = None
    if owner_edits:
        with open(server, "ab") as f:
            f.write(b"\r\n# the box owner was here\r\n")
        edited = open(server, "rb").read()
    box.clear_calls()
    result = box.remove("stbfailover")
    assert result.returncode == 0, result.stdout + result.stderr
    assert open(server, "rb").read() == before
    if owner_edits:
        assert open(server + ".stbf-changed", "rb").read() == edited
        assert "stbf-changed" in result.stdout + result.stderr
    else:
        assert not os.path.exists(server + ".stbf-changed")
    softcam = [c for c in box.calls() if c.startswith("softcam")]
    assert softcam and softcam[-1] in ("softcam start", "softcam restart"), box.calls()
