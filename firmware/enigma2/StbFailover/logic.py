# The plugin's logic, kept free of Enigma2 so it can be tested on any machine: the commands the
# plugin runs, reading `stbfailover status --json` into rows for the status screen, finding the
# softcam's config files, and editing the daemon's JSON config. The screens only show what this
# module computes. Python 3.9 syntax (images ship 3.9 up to 3.13).
import collections
import copy
import glob
import json
import os
import re
import shlex
import shutil
import tempfile

from . import _

DAEMON = "/usr/bin/stbfailover"
INIT_SCRIPT = "/etc/init.d/stbfailover"
CONFIG_PATH = "/etc/stbfailover/stbfailover.json"
STATUS_VERSION = 1
MODES = ("ordered", "random", "scored")
DEFAULT_MODE = "ordered"
DEFAULT_IMPORT_MODE = "random"  # the daemon's mode for imported groups (stbf::kImportedGroupMode)
# The engine checks an idle server once a minute unless the config says otherwise (model.h).
DEFAULT_CHECK_INTERVAL_S = 60
CHECK_INTERVAL_LIMITS_S = (10, 3600)
SERVICE_ACTIONS = ("start", "stop", "restart")
# The shell answers 127 when it cannot find the program.
EXIT_NOT_FOUND = 127


# ---- commands -------------------------------------------------------------------------------
# Every command is one shell line for Console().ePopen; stderr joins stdout so an error message
# reaches the box owner (Console collects stdout only).

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


# ---- JSON a command printed ------------------------------------------------------------------

class JsonError(ValueError):
    """Text that is not JSON, with the 1-based line and column where reading stopped."""

    def __init__(self, line, column, message):
        ValueError.__init__(self, "%s:%s: %s" % (line, column, message))
        self.line = line
        self.column = column
        self.message = message


class RepeatedKey(str):
    """A key that an object holds more than once (several "//" comments, say). Equal only to
    itself, so the object keeps every occurrence and writes each back, while lookups by the
    plain name find the first."""

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


def _json_object(pairs):
    members = collections.OrderedDict()
    for key, value in pairs:
        members[RepeatedKey(key) if key in members else key] = value
    return members


def decode_json(text):
    """The JSON document in `text`, objects as OrderedDict: key order and repeated keys are
    kept when written back. Raises JsonError."""
    try:
        return json.loads(text, object_pairs_hook=_json_object)
    except ValueError as error:
        raise JsonError(getattr(error, "lineno", "?"), getattr(error, "colno", "?"),
                        getattr(error, "msg", str(error)))


def split_notes(output):
    """(json_text, notes) of a command's output whose stderr joined stdout: the JSON object
    starts at the first line that begins with '{'; lines before it (warnings such as a
    world-readable file) are notes. json_text keeps their line breaks so error lines match the
    output's. Without such a line all of it is json_text (the parser then says what is
    wrong)."""
    match = re.search(r"^\{", output, re.MULTILINE)
    if match is None:
        return output, ""
    notes = output[:match.start()]
    return "\n" * notes.count("\n") + output[match.start():], notes.strip()


# ---- formatting -----------------------------------------------------------------------------

def format_ms(value):
    """A latency for a box owner: '-' when unknown, '4.2 ms', '38 ms', '1.5 s'."""
    if value is None:
        return "-"
    if value < 10:
        return "%.1f ms" % value
    if value < 1000:
        return "%d ms" % int(round(value))
    return "%.1f s" % (value / 1000.0)


def format_duration(seconds):
    """A span in the two largest units: '42 s', '2 min 5 s', '3 h 10 min', '2 d 4 h'."""
    seconds = int(seconds)
    if seconds < 60:
        return "%d s" % seconds
    if seconds < 3600:
        return "%d min %d s" % (seconds // 60, seconds % 60)
    if seconds < 86400:
        return "%d h %d min" % (seconds // 3600, seconds % 3600 // 60)
    return "%d d %d h" % (seconds // 86400, seconds % 86400 // 3600)


def format_ago(seconds):
    """'never' for None, else '<duration> ago'."""
    if seconds is None:
        return _("never")
    return _("%s ago") % format_duration(seconds)


# ---- status JSON ----------------------------------------------------------------------------

class StatusError(ValueError):
    """The status output cannot be shown; the message says why and where."""


_KINDS = {
    "str": ((str,), "a string"),
    "int": ((int,), "an integer"),
    "num": ((int, float), "a number"),
    "bool": ((bool,), "true or false"),
    "list": ((list,), "a list"),
    "object": ((dict,), "an object"),
}


def _field(obj, key, kind, where, default=None, required=False, nullable=False):
    if key not in obj:
        if required:
            raise StatusError(_("%s.%s is missing") % (where, key))
        return default
    value = obj[key]
    if value is None and nullable:
        return None
    types, described = _KINDS[kind]
    # JSON true/false arrive as bool, which Python also counts as int.
    if not isinstance(value, types) or (kind in ("int", "num") and isinstance(value, bool)):
        raise StatusError(_("%s.%s must be %s") % (where, key, described))
    return value


GroupRow = collections.namedtuple("GroupRow", [
    "name", "listen", "mode", "active_server", "live_sessions", "sessions_total", "failovers",
    "last_failover", "panic"])

ServerRow = collections.namedtuple("ServerRow", [
    "group", "label", "address", "protocol", "state", "enabled", "backup", "active", "connect",
    "response", "live_sessions", "fail_streak", "last_failure", "probes_ok", "probes_failed",
    "next_check"])

StatusView = collections.namedtuple("StatusView", ["ok", "summary", "rows", "message"])


def _last_failover_text(event, where):
    if event is None:
        return _("never")
    if not isinstance(event, dict):
        raise StatusError(_("%s.last_failover must be an object or null") % where)
    where = where + ".last_failover"
    text = _("%s from %s to %s") % (
        format_ago(_field(event, "ago_s", "int", where, nullable=True)),
        _field(event, "from", "str", where, default="?"),
        _field(event, "to", "str", where, nullable=True) or _("nothing"))
    reason = _field(event, "reason", "str", where, default="")
    if reason:
        text += " (%s)" % reason
    return text


def _address(host, port):
    if port is None:
        return host
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


def _server_row(group, active, server, where):
    if not isinstance(server, dict):
        raise StatusError(_("%s must be an object") % where)
    label = _field(server, "label", "str", where, required=True)
    next_check = _field(server, "next_check_s", "num", where, nullable=True)
    return ServerRow(
        group=group,
        label=label,
        address=_address(_field(server, "host", "str", where, default=""),
                         _field(server, "port", "int", where)),
        protocol=_field(server, "protocol", "str", where, default=""),
        state=_field(server, "state", "str", where, required=True),
        enabled=_field(server, "enabled", "bool", where, default=True),
        backup=_field(server, "backup", "bool", where, default=False),
        active=(label == active),
        connect=format_ms(_field(server, "ewma_connect_ms", "num", where, nullable=True)),
        response=format_ms(_field(server, "ewma_response_ms", "num", where, nullable=True)),
        live_sessions=_field(server, "live_sessions", "int", where, default=0),
        fail_streak=_field(server, "fail_streak", "int", where, default=0),
        last_failure=_field(server, "last_failure", "str", where, default=""),
        probes_ok=_field(server, "probes_ok", "int", where, default=0),
        probes_failed=_field(server, "probes_failed", "int", where, default=0),
        next_check="-" if next_check is None else _("in %s") % format_duration(next_check))


def _group_rows(group, where):
    if not isinstance(group, dict):
        raise StatusError(_("%s must be an object") % where)
    name = _field(group, "name", "str", where, required=True)
    active = _field(group, "active_server", "str", where, nullable=True)
    rows = [GroupRow(
        name=name,
        listen=_field(group, "listen", "str", where, default=""),
        mode=_field(group, "mode", "str", where, default=""),
        active_server=active,
        live_sessions=_field(group, "live_sessions", "int", where, default=0),
        sessions_total=_field(group, "sessions_total", "int", where, default=0),
        failovers=_field(group, "failovers", "int", where, default=0),
        last_failover=_last_failover_text(group.get("last_failover"), where),
        panic=_field(group, "panic", "bool", where, default=False))]
    servers = _field(group, "servers", "list", where, required=True)
    for index, server in enumerate(servers):
        rows.append(_server_row(name, active, server, "%s.servers[%d]" % (where, index)))
    return rows


def _daemon_summary(daemon):
    where = "daemon"
    if not isinstance(daemon, dict):
        raise StatusError(_("daemon must be an object"))
    summary = _("stbfailover running (pid %s, up %s), config %s, generation %s") % (
        _field(daemon, "pid", "int", where, default="?"),
        format_duration(_field(daemon, "uptime_s", "int", where, default=0)),
        _field(daemon, "config", "str", where, default="?"),
        _field(daemon, "config_generation", "int", where, default="?"))
    reload_info = _field(daemon, "last_reload", "object", where, nullable=True)
    if reload_info:
        where += ".last_reload"
        ago = _field(reload_info, "ago_s", "int", where, nullable=True)
        if ago is not None:
            ok = _field(reload_info, "ok", "bool", where, default=True)
            message = _field(reload_info, "message", "str", where, default="")
            if message.lower() == "ok":
                message = ""
            summary += "\n" + (_("last reload %s: ok") if ok else _("last reload %s FAILED")) % (
                format_ago(ago))
            if message:
                summary += ": " + message
    return summary


def parse_status(text):
    """Reads status JSON (version 1) into (summary, rows). Rows are a GroupRow followed by the
    group's ServerRows, for each group in daemon order. Raises StatusError naming the line and
    column of bad JSON or the path of a bad field."""
    try:
        doc = decode_json(split_notes(text)[0])
    except JsonError as error:
        raise StatusError(_("status output is not JSON: line %s, column %s: %s") % (
            error.line, error.column, error.message))
    if not isinstance(doc, dict):
        raise StatusError(_("status output must be a JSON object"))
    version = doc.get("version")
    if version != STATUS_VERSION:
        raise StatusError(_("status version %r is not supported (this plugin reads version %d)")
                          % (version, STATUS_VERSION))
    summary = _daemon_summary(_field(doc, "daemon", "object", "status", default={}))
    rows = []
    for index, group in enumerate(_field(doc, "groups", "list", "status", required=True)):
        rows.extend(_group_rows(group, "groups[%d]" % index))
    return summary, rows


def read_status(data, retval):
    """What the status screen shows for one run of status_command(): never raises."""
    failure = command_failure(data, retval, _("stbfailover status"))
    if failure:
        return StatusView(False, _("stbfailover is not running or did not answer"), [], failure)
    try:
        summary, rows = parse_status(output_text(data))
    except StatusError as error:
        return StatusView(False, _("cannot read the daemon's status"), [], str(error))
    if not rows:
        return StatusView(True, summary, [], _("no groups configured"))
    return StatusView(True, summary, rows, "")


def row_text(row):
    """One line of the status screen for a GroupRow or ServerRow."""
    if isinstance(row, GroupRow):
        text = _("%s on %s, %s: active %s, sessions %d/%d, failovers %d, last failover %s") % (
            row.name, row.listen, row.mode, row.active_server or _("none"), row.live_sessions,
            row.sessions_total, row.failovers, row.last_failover)
        if row.panic:
            text += "  " + _("NO USABLE SERVER")
        return text
    flags = []
    if row.backup:
        flags.append(_("backup"))
    if not row.enabled:
        flags.append(_("disabled"))
    text = "%s %s %s %s: %s, response %s, connect %s, sessions %d" % (
        "  >" if row.active else "   ", row.label, row.address, row.protocol, row.state,
        row.response, row.connect, row.live_sessions)
    if flags:
        text += " [%s]" % ", ".join(flags)
    if row.last_failure:
        text += ", " + _("last failure: %s") % row.last_failure
    return text


def status_text(view):
    """The status screen's body for a StatusView."""
    lines = [row_text(row) for row in view.rows]
    if view.message:
        lines.append(view.message)
    return "\n".join(lines)


# ---- softcam configs ------------------------------------------------------------------------

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


# ---- the daemon's JSON config ---------------------------------------------------------------

class ConfigFileError(ValueError):
    """The JSON config cannot be read or has an unexpected shape; the message names the file
    and the line, column or key path."""


def parse_config(text, path=CONFIG_PATH):
    """The config document from JSON text (key order kept). Raises ConfigFileError with
    FILE:LINE:COL on bad JSON."""
    try:
        doc = decode_json(text)
    except JsonError as error:
        raise ConfigFileError("%s:%s:%s: %s" % (path, error.line, error.column, error.message))
    if not isinstance(doc, dict):
        raise ConfigFileError(_("%s: the config must be a JSON object") % path)
    return doc


def load_config(path=CONFIG_PATH):
    """Reads and parses the config file. Raises ConfigFileError (also for a missing file)."""
    try:
        with open(path, "r", encoding="utf-8") as config_file:
            text = config_file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigFileError(_("%s: cannot read: %s") % (path, error))
    return parse_config(text, path)


ServerSetting = collections.namedtuple("ServerSetting", ["index", "label", "enabled"])
# `section` is "groups" (a group written out in the config) or "import" (the groups an imported
# CCcam.cfg / oscam.server forms; their servers are in that file, so only mode and interval).
GroupSetting = collections.namedtuple("GroupSetting", [
    "section", "index", "name", "mode", "check_interval_s", "servers"])

SECTIONS = ("groups", "import")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_DURATION_MS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, None: 1}


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_interval_s(check, where, path):
    """Seconds between checks that a `check` object sets, or None when it sets none. The
    loader takes `interval_s` (seconds) or `inter` (milliseconds, or "500ms" / "2s" / "1m" /
    "1h")."""
    if "interval_s" in check:
        if not _is_number(check["interval_s"]):
            raise ConfigFileError(_("%s: %s.check.interval_s must be a number") % (path, where))
        return int(round(check["interval_s"]))
    if "inter" in check:
        value = check["inter"]
        if _is_number(value):
            return int(round(value / 1000.0))
        match = _DURATION.match(value) if isinstance(value, str) else None
        if not match:
            raise ConfigFileError(_('%s: %s.check.inter must be milliseconds or a duration '
                                    'such as "60s"') % (path, where))
        return int(round(float(match.group(1)) * _DURATION_MS[match.group(2)] / 1000.0))
    return None


def _set_check_interval(entry, seconds, defaults_check):
    """Writes the interval into the key the entry already uses, in its style; an entry that
    sets none follows the style of the config's defaults (the loader takes one key per
    object, so the key the entry has is the one replaced)."""
    check = entry.get("check")
    if not isinstance(check, dict):
        check = collections.OrderedDict()
        entry["check"] = check
    style = check if ("inter" in check or "interval_s" in check) else defaults_check
    if "inter" in style and "interval_s" not in style:
        check["inter"] = "%ds" % seconds if isinstance(style["inter"], str) else seconds * 1000
    else:
        check["interval_s"] = seconds


def _sections(doc, path):
    """(section, index, entry) for every group and import entry, after checking their shape."""
    found = []
    for section in SECTIONS:
        entries = doc.get(section, [])
        if not isinstance(entries, list):
            raise ConfigFileError(_("%s: %s must be a list") % (path, section))
        for index, entry in enumerate(entries):
            where = "%s[%d]" % (section, index)
            if not isinstance(entry, dict):
                raise ConfigFileError(_("%s: %s must be an object") % (path, where))
            if not isinstance(entry.get("servers", []), list):
                raise ConfigFileError(_("%s: %s.servers must be a list") % (path, where))
            if not isinstance(entry.get("check", {}), dict):
                raise ConfigFileError(_("%s: %s.check must be an object") % (path, where))
            found.append((section, index, entry))
    return found


def _defaults(doc, path):
    """(mode, check interval s) every entry gets unless it says otherwise: the config's
    `defaults` object, else the engine's."""
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, dict) or not isinstance(defaults.get("check", {}), dict):
        raise ConfigFileError(_("%s: defaults and defaults.check must be objects") % path)
    interval = _check_interval_s(defaults.get("check", {}), "defaults", path)
    return (defaults.get("mode"), DEFAULT_CHECK_INTERVAL_S if interval is None else interval)


def _effective(entry, where, path, defaults):
    interval = _check_interval_s(entry.get("check", {}), where, path)
    unset = DEFAULT_IMPORT_MODE if where.startswith("import") else DEFAULT_MODE
    return (entry.get("mode", defaults[0] or unset),
            defaults[1] if interval is None else interval)


def _server_label(server):
    if isinstance(server.get("label"), str) and server["label"]:
        return server["label"]
    host = server.get("host", "?")
    port = server.get("port")
    return _address(str(host), port if isinstance(port, int) else None)


def setup_groups(doc, path=CONFIG_PATH):
    """The settings the setup screen edits: for each group of the config its mode, check
    interval in seconds and which servers are enabled; for each import entry its mode and
    check interval. Values not written read as the config's `defaults`, else the engine's.
    Raises ConfigFileError when an entry has the wrong shape."""
    defaults = _defaults(doc, path)
    settings = []
    for section, index, entry in _sections(doc, path):
        where = "%s[%d]" % (section, index)
        mode, interval = _effective(entry, where, path, defaults)
        servers = []
        for server_index, server in enumerate(entry.get("servers", [])):
            if not isinstance(server, dict):
                raise ConfigFileError(_("%s: %s.servers[%d] must be an object")
                                      % (path, where, server_index))
            servers.append(ServerSetting(server_index, _server_label(server),
                                         server.get("enabled", True) is not False))
        if section == "groups":
            name = str(entry.get("name", where))
        else:
            name = _("servers from %s") % entry.get("file", "?")
        settings.append(GroupSetting(section, index, name, mode, interval, servers))
    return settings


def apply_setup(doc, settings, path=CONFIG_PATH):
    """A copy of `doc` with the edited settings written in; every other key is kept as it is.
    A value is written (into the group's or import entry's own keys) only when it differs
    from what the entry had in effect. Returns (new_doc, number of values changed). Raises
    ConfigFileError when a changed setting is out of range or the document's shape changed."""
    new_doc = copy.deepcopy(doc)
    defaults = _defaults(new_doc, path)
    entries = dict(((section, index), entry) for section, index, entry
                   in _sections(new_doc, path))
    changed = 0
    for setting in settings:
        where = "%s[%d]" % (setting.section, setting.index)
        entry = entries.get((setting.section, setting.index))
        if entry is None:
            raise ConfigFileError(_("%s: %s no longer exists") % (path, where))
        mode, interval = _effective(entry, where, path, defaults)
        # Only a changed value is checked: the box owner may keep what the file says.
        if mode != setting.mode:
            if setting.mode not in MODES:
                raise ConfigFileError(_("mode %r is not one of %s") % (
                    setting.mode, ", ".join(MODES)))
            entry["mode"] = setting.mode
            changed += 1
        if interval != setting.check_interval_s:
            low, high = CHECK_INTERVAL_LIMITS_S
            if not low <= setting.check_interval_s <= high:
                raise ConfigFileError(_("check interval %d s is outside %d..%d s") % (
                    setting.check_interval_s, low, high))
            _set_check_interval(entry, setting.check_interval_s,
                                new_doc.get("defaults", {}).get("check", {}))
            changed += 1
        servers = entry.get("servers", [])
        for server_setting in setting.servers:
            if server_setting.index >= len(servers):
                raise ConfigFileError(_("%s: %s.servers[%d] no longer exists") % (
                    path, where, server_setting.index))
            server = servers[server_setting.index]
            if (server.get("enabled", True) is not False) != server_setting.enabled:
                server["enabled"] = server_setting.enabled
                changed += 1
    return new_doc, changed


def _indent_of(text):
    match = re.search(r"^( +)\S", text, re.MULTILINE)
    return len(match.group(1)) if match else 2


def config_text(doc, like=""):
    """JSON text of `doc`, indented like the text `like` (2 spaces if it has no indentation)."""
    return json.dumps(doc, indent=_indent_of(like), ensure_ascii=False) + "\n"


def write_config_atomic(path, doc, backup=False):
    """Replaces the config file with `doc` so that a reader sees the old or the new file, never
    a part: writes a temporary file beside it, syncs it and renames it over. The new file keeps
    the old one's permissions (it holds passwords; 0600 for a new file) and indentation. With
    `backup`, the old file is first copied to PATH.bak. A PATH that is a symlink stays one:
    the file it points to is replaced (and backed up). Raises OSError; the old file is then
    untouched."""
    path = os.path.realpath(path)
    old_text = ""
    old_stat = None
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as old_file:
            old_text = old_file.read()
        old_stat = os.stat(path)
    except OSError:
        pass
    if backup and old_stat is not None:
        shutil.copy2(path, path + ".bak")
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(prefix=".stbfailover.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as temp_file:
            temp_file.write(config_text(doc, old_text))
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.chmod(temp_path, (old_stat.st_mode & 0o7777) if old_stat else 0o600)
        if old_stat is not None:
            try:
                os.chown(temp_path, old_stat.st_uid, old_stat.st_gid)
            except OSError:
                pass  # not root: the file stays ours, which is who runs the plugin
        os.replace(temp_path, path)
    except BaseException:
        try:
            os.unlink(temp_path)
        except OSError:
            pass
        raise
    try:
        directory_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is done


# Keys of an import entry that say how its groups behave (the rest say where the file is).
GROUP_SETTING_KEYS = ("mode", "sticky", "check", "session", "score")


def _names_file(entry, source_path, config_dir):
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        return False
    # relative import paths are next to the config file
    return os.path.normpath(os.path.join(config_dir, entry["file"])) == \
        os.path.normpath(source_path)


def merge_imported(current, imported, source_path, config_dir="/etc/stbfailover"):
    """The config after importing `source_path`. The imported groups join the current ones
    (a current group of the same name is replaced); the current settings stay as they are
    and the import's other keys only fill in what the current config lacks. Import entries
    that pulled the same file in are dropped, since its servers are now listed directly;
    what such an entry set for its groups (mode, check, session, ..., and ports pinned in its
    `listen` map) is carried over to the imported groups."""
    merged = copy.deepcopy(current) if isinstance(current, dict) else collections.OrderedDict()
    for key, value in imported.items():
        if key != "groups" and key not in merged:
            merged[key] = copy.deepcopy(value)
    new_groups = [copy.deepcopy(g) for g in imported.get("groups", []) if isinstance(g, dict)]
    new_names = set(g.get("name") for g in new_groups)
    old_groups = merged.get("groups") if isinstance(merged.get("groups"), list) else []
    merged["groups"] = [g for g in old_groups
                        if not (isinstance(g, dict) and g.get("name") in new_names)] + new_groups
    if not isinstance(merged.get("import"), list):
        return merged
    dropped = [e for e in merged["import"] if _names_file(e, source_path, config_dir)]
    kept = [e for e in merged["import"] if not _names_file(e, source_path, config_dir)]
    if kept:
        merged["import"] = kept
    else:
        del merged["import"]
    for entry in dropped:
        pinned = entry.get("listen") if isinstance(entry.get("listen"), dict) else {}
        for group in new_groups:
            for key, value in entry.items():
                if key in GROUP_SETTING_KEYS:
                    group[key] = copy.deepcopy(value)
            if group.get("name") in pinned:
                group["listen"] = pinned[group["name"]]
    return merged


def config_summary(doc):
    """'N groups, M servers' for a config document."""
    groups = doc.get("groups", []) if isinstance(doc, dict) else []
    if not isinstance(groups, list):
        groups = []
    servers = sum(len(g.get("servers", [])) for g in groups
                  if isinstance(g, dict) and isinstance(g.get("servers", []), list))
    return "%s, %s" % (_count(len(groups), _("group"), _("groups")),
                       _count(servers, _("server"), _("servers")))


def _count(number, one, many):
    return "%d %s" % (number, one if number == 1 else many)


# ---- Enigma2 glue that needs no Enigma2 -----------------------------------------------------

def connect_timer(timer, function):
    """Makes eTimer `timer` call `function`. Most images have `timer.callback` (a list);
    DreamOS has `timer.timeout.connect`, whose returned connection must be kept alive: the
    caller keeps the return value (None on other images)."""
    callbacks = getattr(timer, "callback", None)
    if callbacks is not None:
        callbacks.append(function)
        return None
    return timer.timeout.connect(function)


def disconnect_timer(timer, function, connection):
    """Undoes connect_timer: stops the timer and drops the callback or connection."""
    timer.stop()
    callbacks = getattr(timer, "callback", None)
    if callbacks is not None and function in callbacks:
        callbacks.remove(function)
    if connection is not None and hasattr(connection, "disconnect"):
        connection.disconnect()


def track_close(screen):
    """Marks `screen` open until it closes. Enigma2 empties a closed screen (its widgets and
    attributes are gone), but a command started from it still answers later: callbacks ask
    is_open() first."""
    screen.closed = False

    def mark_closed():
        screen.closed = True
    screen.onClose.append(mark_closed)


def is_open(screen):
    """False once `screen` closed, also after Enigma2 emptied it."""
    return getattr(screen, "closed", True) is False


_SKIN_PAIR = re.compile(r'\b(position|size)="(\d+),(\d+)"')
_SKIN_FONT = re.compile(r'\b(font="[^";]+;)(\d+)"')
_SKIN_NUMBER = re.compile(r'\b(itemHeight)="(\d+)"')


def scale_skin(skin, factor):
    """The skin XML with positions, sizes and font sizes multiplied by `factor` (1.5 turns a
    1280x720 skin into a 1920x1080 one)."""
    if factor == 1:
        return skin

    def scaled(number):
        return str(int(round(int(number) * factor)))

    skin = _SKIN_PAIR.sub(
        lambda m: '%s="%s,%s"' % (m.group(1), scaled(m.group(2)), scaled(m.group(3))), skin)
    skin = _SKIN_FONT.sub(lambda m: '%s%s"' % (m.group(1), scaled(m.group(2))), skin)
    return _SKIN_NUMBER.sub(lambda m: '%s="%s"' % (m.group(1), scaled(m.group(2))), skin)
