# Numbers and spans as a box owner reads them.
from . import _


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


def address(host, port):
    if port is None:
        return host
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)
