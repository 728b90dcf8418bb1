# The softcam on the box: its config files (as the image and a running OSCam place them).
import collections
import glob
import os

from . import _


SoftcamConfig = collections.namedtuple("SoftcamConfig", ["path", "shown", "kind", "origin"])

OSCAM_VERSION_FILE = "/tmp/.oscam/oscam.version"


def _under(root, box_path):
    return os.path.join(root, box_path.lstrip("/"))


def oscam_config_dir(root="/"):
    """The ConfigDir a running OSCam wrote into /tmp/.oscam/oscam.version, or None."""
    try:
        with open(_under(root, OSCAM_VERSION_FILE), "r", errors="replace") as version_file:
            for line in version_file:
                key, sep, value = line.partition(":")
                if sep and key.strip() == "ConfigDir" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return None


def find_softcam_configs(root="/"):
    """Softcam config files on the box below `root` ("/" on a receiver, a fake root in tests):
    the running OSCam's oscam.server first, then /etc/tuxbox/config/oscam*/oscam.server,
    /etc/tuxbox/config/oscam.server and /etc/CCcam.cfg. The same file reached twice (links)
    is listed once. `path` is where to read it, `shown` its path on the box."""
    candidates = []
    running_dir = oscam_config_dir(root)
    if running_dir:
        candidates.append((os.path.join(running_dir, "oscam.server"), "oscam",
                           _("running OSCam")))
    pattern = _under(root, "/etc/tuxbox/config/oscam*/oscam.server")
    for path in sorted(glob.glob(pattern)):
        shown = "/" + os.path.relpath(path, root)
        candidates.append((shown, "oscam", _("OSCam")))
    candidates.append(("/etc/tuxbox/config/oscam.server", "oscam", _("OSCam")))
    candidates.append(("/etc/CCcam.cfg", "cccam", _("CCcam")))
    found = []
    seen = set()
    for shown, kind, origin in candidates:
        path = _under(root, shown)
        real = os.path.realpath(path)
        if real in seen or not os.path.isfile(path):
            continue
        seen.add(real)
        found.append(SoftcamConfig(path, shown, kind, origin))
    return found


# ---- restarting the softcam the way the image does ------------------------------------------

SOFTCAM_INIT = "/etc/init.d/softcam"
IMAGE_VERSION_FILE = "/etc/image-version"


def image_is_openatv(root="/"):
    """True on OpenATV (its /etc/image-version names it), whose softcam script restarts a cam
    itself; other images (OpenPLi, OpenViX) restart it as OpenPLi's SoftcamSetup does."""
    try:
        with open(_under(root, IMAGE_VERSION_FILE), "r", errors="replace") as version_file:
            return "openatv" in version_file.read().lower()
    except OSError:
        return False


def softcam_restart_steps(root="/"):
    """The softcam restart as a list of steps: a shell line to run, or an int (milliseconds to
    wait before the next step). OpenATV: `/etc/init.d/softcam restart`. OpenPLi's SoftcamSetup
    (and so OpenViX): stop the cam, wait about a second, start it. Empty when the image has no
    /etc/init.d/softcam (no cam is managed by the image)."""
    if not os.path.lexists(_under(root, SOFTCAM_INIT)):
        return []
    if image_is_openatv(root):
        return [SOFTCAM_INIT + " restart 2>&1"]
    return [SOFTCAM_INIT + " stop 2>&1", 1000, SOFTCAM_INIT + " start 2>&1"]
