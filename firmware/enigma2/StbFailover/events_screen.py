# The event history: what the daemon logged as events (state changes, failovers, panics, admin
# actions, reloads), newest last, from `stbfailover status --events`.
from Components.ActionMap import ActionMap
from Components.Console import Console
from Components.Label import Label
from Components.ScrollLabel import ScrollLabel
from Screens.Screen import Screen

from . import _, logic
from .skin import button_widgets, desktop_skin
from .status_screen import config_socket

SKIN = """<screen name="StbFailoverEvents" position="center,center" size="1240,680" title="stbfailover events">
<widget name="events" position="20,10" size="1200,610" font="Regular;20" />
%s
</screen>""" % button_widgets(634, ["key_red", "key_green"])


class StbFailoverEvents(Screen):
    """Red closes, green/OK reads the history again; up/down scroll."""

    def __init__(self, session, daemon=logic.DAEMON, config_path=logic.CONFIG_PATH):
        self.skin = desktop_skin(SKIN)
        Screen.__init__(self, session)
        self.setTitle(_("stbfailover events"))
        self.daemon = daemon
        self.socket_path = config_socket(config_path)
        self["events"] = ScrollLabel(_("Reading the event history..."))
        self["key_red"] = Label(_("Close"))
        self["key_green"] = Label(_("Refresh"))
        self["actions"] = ActionMap(
            ["OkCancelActions", "ColorActions", "DirectionActions"],
            {"cancel": self.close, "red": self.close, "ok": self.refresh,
             "green": self.refresh, "up": self["events"].pageUp,
             "down": self["events"].pageDown}, -1)
        self.console = Console()
        logic.track_close(self)
        self.onLayoutFinish.append(self.refresh)

    def refresh(self):
        self.console.ePopen(logic.events_command(self.daemon, self.socket_path), self.arrived)

    def arrived(self, data, retval, extra_args=None):
        if not logic.is_open(self):
            return
        failure = logic.command_failure(data, retval, _("stbfailover status --events"))
        text = failure or logic.output_text(data).strip() or _("No events yet.")
        self["events"].setText(text)
