# The shell lines the plugin runs through Console().ePopen, and reading what they answered.
# Every command is one shell line; stderr joins stdout so an error message reaches the box
# owner (Console collects stdout only).
import shlex

from . import _

DAEMON = "/usr/bin/stbfailover"
INIT_SCRIPT = "/etc/init.d/stbfailover"
CONFIG_PATH = "/etc/stbfailover/stbfailover.json"
SERVICE_ACTIONS = ("start", "stop", "restart")
# The shell answers 127 when it cannot find the program.
EXIT_NOT_FOUND = 127
# `stbfailover setup` / `restore`: the files are written but a restart failed.
EXIT_RESTART_FAILED = 3


def _shell_line(argv):
    return " ".join(shlex.quote(arg) for arg in argv) + " 2>&1"


def status_command(daemon=DAEMON, socket_path=None):
    """Shell line that prints the daemon's status JSON (version 1)."""
    argv = [daemon, "status", "--json"]
    if socket_path:
        argv += ["--socket", socket_path]
    return _shell_line(argv)


def reload_command(daemon=DAEMON, socket_path=None):
    """Shell line that asks the running daemon to re-read its config."""
    argv = [daemon, "status", "--reload"]
    if socket_path:
        argv += ["--socket", socket_path]
    return _shell_line(argv)


def service_command(action, init_script=INIT_SCRIPT):
    """Shell line that starts, stops or restarts the service. Raises ValueError on another
    action."""
    if action not in SERVICE_ACTIONS:
        raise ValueError("unknown service action %r" % (action,))
    return _shell_line([init_script, action])


def import_command(source, softcam_config=None, daemon=DAEMON):
    """Shell line that prints the JSON config `source` (CCcam.cfg or oscam.server) maps to, and
    with `softcam_config` also rewrites that softcam file to point at stbfailover."""
    argv = [daemon, "import", "--from", source]
    if softcam_config:
        argv += ["--softcam-config", softcam_config]
    return _shell_line(argv)


def control_socket(doc):
    """The control socket a config names, or None for the daemon's default."""
    if isinstance(doc, dict) and isinstance(doc.get("control_socket"), str):
        return doc["control_socket"] or None
    return None


def output_text(data):
    """Console output as text: images hand over str or bytes."""
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


def command_failure(data, retval, what):
    """One line saying why a command failed, or None when it succeeded."""
    if retval == 0:
        return None
    text = output_text(data).strip()
    if retval == EXIT_NOT_FOUND:
        return _("%s: program not found (is stbfailover installed?)") % what
    if not text:
        text = _("no output")
    return _("%s failed (exit code %s): %s") % (what, retval, text)


def check_command(config_path, daemon=DAEMON):
    """Shell line that checks the config at `config_path` without applying it (exit code 0
    when the daemon would load it; else it prints FILE:LINE: message)."""
    return _shell_line([daemon, "check", "-c", config_path])


def _root_args(root):
    return [] if root in (None, "", "/") else ["--root", root]


def setup_command(daemon=DAEMON, root="/"):
    """Shell line that points the softcam at stbfailover: finds the softcam's config, writes
    the stbfailover config from it, rewrites the softcam's to the local ports (a backup is
    kept) and restarts stbfailover and the softcam. `root`: the box's root folder (a fake
    root in tests)."""
    return _shell_line([daemon, "setup"] + _root_args(root))


def restore_command(daemon=DAEMON, root="/"):
    """Shell line that gives the softcam its own config back from the backup `setup` kept and
    restarts the softcam."""
    return _shell_line([daemon, "restore"] + _root_args(root))


ADMIN_ACTIONS = ("drain", "disable", "enable")


def server_command(action, group, server, daemon=DAEMON, socket_path=None):
    """Shell line that drains, disables or enables one server of a group at runtime (kept
    across reloads and restarts until enabled again). Raises ValueError on another action."""
    if action not in ADMIN_ACTIONS:
        raise ValueError("unknown server action %r" % (action,))
    argv = [daemon, "server", action, group, server]
    if socket_path:
        argv += ["--socket", socket_path]
    return _shell_line(argv)


def events_command(daemon=DAEMON, socket_path=None):
    """Shell line that prints the daemon's event history (state changes, failovers, admin
    actions, reloads), newest last."""
    argv = [daemon, "status", "--events"]
    if socket_path:
        argv += ["--socket", socket_path]
    return _shell_line(argv)
