# The daemon's JSON config: reading it, the settings the setup screen edits, writing it back
# atomically with every other key kept, and merging an import into it.
import collections
import copy
import json
import os
import re
import shutil
import tempfile

from . import _
from .commands import CONFIG_PATH
from .formatting import address
from .jsontext import JsonError, decode_json

MODES = ("ordered", "random", "scored")
DEFAULT_MODE = "ordered"
DEFAULT_IMPORT_MODE = "random"  # the daemon's mode for imported groups (stbf::kImportedGroupMode)


def mode_label(mode):
    """A mode's name for a box owner (translated); an unknown mode as it is written."""
    labels = {"ordered": _("ordered"), "random": _("random"), "scored": _("scored")}
    return labels.get(mode, mode)
# The engine checks an idle server once a minute unless the config says otherwise (model.h).
DEFAULT_CHECK_INTERVAL_S = 60
CHECK_INTERVAL_LIMITS_S = (10, 3600)


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
    return address(str(host), port if isinstance(port, int) else None)


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
            # {"discover": true}: every softcam config the box has (stbfailover discover)
            name = _("servers from %s") % entry.get(
                "file", _("the softcam configs found on this box") if entry.get("discover") else "?")
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


def stage_config(path, doc):
    """Writes `doc` into a temporary file beside `path` (same folder, so relative paths in it
    mean the same), synced, with the old file's permissions (it holds passwords; 0600 for a
    new file), owner and indentation. Returns the temporary path: check it, then
    commit_config() or discard_config() it. A PATH that is a symlink: the file it points to is
    the one staged for. Raises OSError (nothing is left behind then)."""
    path = os.path.realpath(path)
    old_text = ""
    old_stat = None
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as old_file:
            old_text = old_file.read()
        old_stat = os.stat(path)
    except OSError:
        pass
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(prefix=".stbfailover.", suffix=".json", dir=directory)
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
    except BaseException:
        discard_config(temp_path)
        raise
    return temp_path


def discard_config(temp_path):
    """Removes a staged config that will not be used."""
    try:
        os.unlink(temp_path)
    except OSError:
        pass


def commit_config(temp_path, path, backup=False):
    """Renames the staged `temp_path` over `path`, so that a reader sees the old or the new
    file, never a part. With `backup`, the old file is first copied to PATH.bak. Raises OSError;
    the old file is then untouched and the staged one removed."""
    path = os.path.realpath(path)
    try:
        if backup and os.path.exists(path):
            shutil.copy2(path, path + ".bak")
        os.replace(temp_path, path)
    except BaseException:
        discard_config(temp_path)
        raise
    try:
        directory_fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is done


def write_config_atomic(path, doc, backup=False):
    """stage_config() and commit_config() in one step, without a check in between."""
    commit_config(stage_config(path, doc), path, backup)


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
