# `stbfailover status --json` (version 1) read into rows for the status screen, and the
# screen's text. Never trusts the shape: a bad field is an error naming its path.
import collections

from . import _
from .commands import command_failure, output_text
from .formatting import address, format_ago, format_duration, format_ms
from .jsontext import JsonError, decode_json, split_notes

STATUS_VERSION = 1


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
    "next_check", "admin"])

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




def _server_row(group, active, server, where):
    if not isinstance(server, dict):
        raise StatusError(_("%s must be an object") % where)
    label = _field(server, "label", "str", where, required=True)
    next_check = _field(server, "next_check_s", "num", where, nullable=True)
    return ServerRow(
        group=group,
        label=label,
        address=address(_field(server, "host", "str", where, default=""),
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
        next_check="-" if next_check is None else _("in %s") % format_duration(next_check),
        admin=_admin_state(server.get("admin"), where))


def _admin_state(admin, where):
    """The admin state a box owner or the web page set ("enabled", "drain", "disabled"): a
    string, or an object whose "state" is one (with who and when); absent means enabled."""
    if admin is None:
        return "enabled"
    if isinstance(admin, dict):
        admin = admin.get("state", "enabled")
    if not isinstance(admin, str):
        raise StatusError(_("%s.admin must be a string or an object") % where)
    return admin


def _admin_label(admin):
    labels = {"drain": _("draining"), "disabled": _("disabled by admin")}
    return labels.get(admin, admin)


def admin_text(row):
    """The server's state for a box owner, with its admin state when not plain enabled."""
    if row.admin in ("enabled", ""):
        return row.state
    return "%s, %s" % (row.state, _admin_label(row.admin))


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
    restarts = _field(daemon, "restarts", "int", where, default=0)
    if restarts:
        summary += "\n" + _("restarted %d time(s) after a crash, last: %s") % (
            restarts, _field(daemon, "last_restart_reason", "str", where, nullable=True) or "?")
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
    if row.admin not in ("enabled", ""):
        flags.append(_admin_label(row.admin))
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
