# The status screen: what the daemon reports for each group and server, refreshed every few
# seconds from `stbfailover status --json`. Reading and formatting live in logic.py.
from enigma import eTimer
from Components.ActionMap import ActionMap
from Components.Console import Console
from Components.Label import Label
from Components.ScrollLabel import ScrollLabel
from Screens.ChoiceBox import ChoiceBox
from Screens.Screen import Screen

from . import _, logic
from .skin import button_widgets, desktop_skin

REFRESH_MS = 5000

SKIN = """<screen name="StbFailoverStatus" position="center,center" size="1240,680" title="stbfailover">
<widget name="summary" position="20,10" size="1200,60" font="Regular;22" />
<widget name="status" position="20,80" size="1200,500" font="Regular;20" />
<widget name="message" position="20,590" size="1200,30" font="Regular;20" />
%s
</screen>""" % button_widgets(634, ["key_red", "key_green", "key_yellow", "key_blue"])


def config_socket(config_path):
    """The control socket named in the config, or None (daemon default, or config unreadable:
    the daemon then still answers on its default socket)."""
    try:
        return logic.control_socket(logic.load_config(config_path))
    except logic.ConfigFileError:
        return None


class StbFailoverStatus(Screen):
    """Groups and servers as the daemon sees them. Red closes, green/OK refreshes now, yellow
    asks the daemon to reload its config, blue drains, disables or enables a server; up/down
    scroll."""

    def __init__(self, session, daemon=logic.DAEMON, config_path=logic.CONFIG_PATH):
        self.skin = desktop_skin(SKIN)
        Screen.__init__(self, session)
        self.setTitle(_("stbfailover status"))
        self.daemon = daemon
        self.socket_path = config_socket(config_path)
        self.view = None
        self.pending = False
        logic.track_close(self)
        self["summary"] = Label(_("Reading the status..."))
        self["status"] = ScrollLabel("")
        self["message"] = Label("")
        self["key_red"] = Label(_("Close"))
        self["key_green"] = Label(_("Refresh"))
        self["key_yellow"] = Label(_("Reload config"))
        self["key_blue"] = Label(_("Server"))
        self["actions"] = ActionMap(
            ["OkCancelActions", "ColorActions", "DirectionActions"],
            {"cancel": self.close, "red": self.close, "ok": self.refresh,
             "green": self.refresh, "yellow": self.reloadDaemon, "blue": self.chooseServer,
             "up": self["status"].pageUp, "down": self["status"].pageDown,
             "left": self["status"].pageUp, "right": self["status"].pageDown}, -1)
        self.console = Console()
        self.timer = eTimer()
        self.timer_connection = logic.connect_timer(self.timer, self.refresh)
        self.onLayoutFinish.append(self.startRefreshing)
        self.onClose.append(self.stopRefreshing)

    def startRefreshing(self):
        self.refresh()
        self.timer.start(REFRESH_MS, False)

    def stopRefreshing(self):
        logic.disconnect_timer(self.timer, self.refresh, self.timer_connection)
        self.timer_connection = None

    def refresh(self):
        # One status command at a time: a slow answer must not pile up shells on a small box.
        if self.pending or not logic.is_open(self):
            return
        self.pending = True
        self.console.ePopen(logic.status_command(self.daemon, self.socket_path),
                            self.statusArrived)

    def statusArrived(self, data, retval, extra_args=None):
        if not logic.is_open(self):
            return
        self.pending = False
        self.view = logic.read_status(data, retval)
        self["summary"].setText(self.view.summary)
        self["status"].setText(logic.status_text(self.view))

    def reloadDaemon(self):
        self["message"].setText(_("Asking stbfailover to reload its config..."))
        self.console.ePopen(logic.reload_command(self.daemon, self.socket_path),
                            self.reloadDone)

    def reloadDone(self, data, retval, extra_args=None):
        if not logic.is_open(self):
            return
        failure = logic.command_failure(data, retval, _("reload"))
        self["message"].setText(failure or _("Reload requested."))
        self.refresh()

    def chooseServer(self):
        """Blue: pick a server of the last status, then what to do with it."""
        servers = [row for row in (self.view.rows if self.view else [])
                   if isinstance(row, logic.ServerRow)]
        if not servers:
            self["message"].setText(_("No server to choose: the status has none yet."))
            return
        choices = [("%s / %s (%s)" % (row.group, row.label, logic.admin_text(row)), row)
                   for row in servers]
        self.session.openWithCallback(self.serverChosen, ChoiceBox,
                                      title=_("Which server?"), list=choices)

    def serverChosen(self, choice):
        if not choice or not logic.is_open(self):
            return
        row = choice[1]
        actions = [
            (_("Drain: no new sessions, live ones finish"), ("drain", row)),
            (_("Disable: no sessions, live ones are cut"), ("disable", row)),
            (_("Enable: back into service (after its checks)"), ("enable", row)),
        ]
        self.session.openWithCallback(self.actionChosen, ChoiceBox,
                                      title="%s / %s" % (row.group, row.label), list=actions)

    def actionChosen(self, choice):
        if not choice or not logic.is_open(self):
            return
        action, row = choice[1]
        asking = {"drain": _("Asking stbfailover to drain %s..."),
                  "disable": _("Asking stbfailover to disable %s..."),
                  "enable": _("Asking stbfailover to enable %s...")}
        self["message"].setText(asking[action] % row.label)
        self.console.ePopen(logic.server_command(action, row.group, row.label, self.daemon,
                                                 self.socket_path),
                            self.actionDone, (action, row))

    def actionDone(self, data, retval, extra_args=None):
        if not logic.is_open(self):
            return
        action, row = extra_args
        failure = logic.command_failure(data, retval, "stbfailover server %s" % action)
        self["message"].setText(failure or logic.output_text(data).strip() or
                                _("%s: done.") % row.label)
        self.refresh()
