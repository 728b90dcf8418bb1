# The setup screen: per group the mode and check interval, per server enabled or not. Saving
# writes only those keys into the daemon's JSON config (atomically; every other key stays as it
# is) and asks the daemon to reload it.
from Components.ActionMap import ActionMap
from Components.ConfigList import ConfigListScreen
from Components.Console import Console
from Components.Label import Label
from Components.config import ConfigInteger, ConfigSelection, ConfigYesNo, getConfigListEntry
from Screens.MessageBox import MessageBox
from Screens.Screen import Screen

from . import _, logic
from .checked_save import CheckedSave
from .skin import button_widgets, desktop_skin

SKIN = """<screen name="StbFailoverSetup" position="center,center" size="1000,620" title="stbfailover setup">
<widget name="config" position="20,10" size="960,480" itemHeight="32" font="Regular;22" scrollbarMode="showOnDemand" />
<widget name="message" position="20,500" size="960,60" font="Regular;20" />
%s
</screen>""" % button_widgets(574, ["key_red", "key_green"])


class StbFailoverSetup(Screen, ConfigListScreen):
    """Edits the daemon's config. Red/cancel leaves without writing; green/save writes and
    reloads. The JSON config is read when the screen opens; a config that cannot be read is
    shown as an error and nothing is written."""

    def __init__(self, session, config_path=logic.CONFIG_PATH, daemon=logic.DAEMON):
        self.skin = desktop_skin(SKIN)
        Screen.__init__(self, session)
        self.setTitle(_("stbfailover setup"))
        self.config_path = config_path
        self.daemon = daemon
        self.doc = None
        # per group: (GroupSetting, mode element, interval element, [(ServerSetting, element)])
        self.groups = []
        self["message"] = Label("")
        self["key_red"] = Label(_("Cancel"))
        self["key_green"] = Label(_("Save"))
        ConfigListScreen.__init__(self, self.buildEntries(), session=session)
        self["actions"] = ActionMap(
            ["SetupActions", "ColorActions"],
            {"save": self.keySave, "cancel": self.keyCancel, "red": self.keyCancel,
             "green": self.keySave}, -2)
        self.console = Console()
        logic.track_close(self)

    def buildEntries(self):
        try:
            self.doc = logic.load_config(self.config_path)
            settings = logic.setup_groups(self.doc, self.config_path)
        except logic.ConfigFileError as error:
            self.doc = None
            self["message"].setText(str(error))
            return []
        if not settings:
            self["message"].setText(
                _("%s lists no groups and imports no file.") % self.config_path)
        entries = []
        low, high = logic.CHECK_INTERVAL_LIMITS_S
        for setting in settings:
            mode_choices = [(mode, logic.mode_label(mode)) for mode in logic.MODES]
            if setting.mode not in logic.MODES:
                mode_choices.append((setting.mode, setting.mode))
            mode = ConfigSelection(choices=mode_choices, default=setting.mode)
            interval = ConfigInteger(default=setting.check_interval_s, limits=(low, high))
            entries.append(getConfigListEntry(_("%s: mode") % setting.name, mode))
            entries.append(getConfigListEntry(_("%s: check every (s)") % setting.name, interval))
            servers = []
            for server in setting.servers:
                enabled = ConfigYesNo(default=server.enabled)
                entries.append(getConfigListEntry("    " + _("%s enabled") % server.label, enabled))
                servers.append((server, enabled))
            self.groups.append((setting, mode, interval, servers))
        return entries

    def editedSettings(self):
        """The settings as the screen's elements hold them now."""
        edited = []
        for setting, mode, interval, servers in self.groups:
            edited.append(setting._replace(
                mode=mode.value, check_interval_s=int(interval.value),
                servers=[server._replace(enabled=bool(element.value))
                         for server, element in servers]))
        return edited

    def keySave(self):
        if self.doc is None:
            self.close(False)
            return
        try:
            new_doc, changed = logic.apply_setup(self.doc, self.editedSettings(), self.config_path)
        except logic.ConfigFileError as error:
            self.session.open(MessageBox, _("Nothing was saved: %s") % error, MessageBox.TYPE_ERROR)
            return
        if not changed:
            self.close(False)
            return
        self["message"].setText(_("Checking the new config..."))
        self.saving = CheckedSave(self.console, self.daemon, self.config_path, new_doc,
                                  lambda failure: self.saved(new_doc, failure))
        self.saving.start()

    def saved(self, new_doc, failure):
        if not logic.is_open(self):
            return  # the box owner left; the file is saved (or was not, and nothing changed)
        if failure:
            self["message"].setText("")
            self.session.open(MessageBox, failure, MessageBox.TYPE_ERROR)
            return
        self.doc = new_doc
        self["message"].setText(_("Saved. Asking stbfailover to reload..."))
        socket_path = logic.control_socket(new_doc)
        self.console.ePopen(logic.reload_command(self.daemon, socket_path), self.reloadDone)

    def reloadDone(self, data, retval, extra_args=None):
        if not logic.is_open(self):
            return  # the box owner left while the daemon reloaded; the file is saved
        failure = logic.command_failure(data, retval, _("reload"))
        if failure:
            text = _("Saved %s, but the daemon did not reload it:\n%s") % (
                self.config_path, failure)
            kind = MessageBox.TYPE_ERROR
        else:
            text = _("Saved %s; stbfailover reloaded it.") % self.config_path
            kind = MessageBox.TYPE_INFO
        self.session.openWithCallback(self.closeSaved, MessageBox, text, kind)

    def closeSaved(self, answer=None):
        self.close(True)

    def keyCancel(self):
        self.close(False)
