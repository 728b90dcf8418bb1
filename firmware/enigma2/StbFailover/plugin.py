# Entry point Enigma2 loads: Plugins() puts stbfailover into the plugin menu and the extensions
# menu. The menu screen leads to status, setup, import and service control.
from Components.ActionMap import ActionMap
from Components.Console import Console
from Components.MenuList import MenuList
from Plugins.Plugin import PluginDescriptor
from Screens.MessageBox import MessageBox
from Screens.Screen import Screen

from . import _, logic
from .import_action import SoftcamImport
from .setup_screen import StbFailoverSetup
from .skin import desktop_skin
from .status_screen import StbFailoverStatus

SKIN = """<screen name="StbFailoverMenu" position="center,center" size="640,360" title="stbfailover">
<widget name="menu" position="20,10" size="600,340" itemHeight="40" font="Regular;24" scrollbarMode="showOnDemand" />
</screen>"""


class StbFailoverMenu(Screen):
    """Choose what to do; OK runs the selected entry, cancel closes."""

    def __init__(self, session, root="/", daemon=logic.DAEMON, config_path=logic.CONFIG_PATH,
                 init_script=logic.INIT_SCRIPT):
        self.skin = desktop_skin(SKIN)
        Screen.__init__(self, session)
        self.setTitle(_("stbfailover"))
        self.root = root
        self.daemon = daemon
        self.config_path = config_path
        self.init_script = init_script
        self["menu"] = MenuList([
            (_("Status"), "status"),
            (_("Setup"), "setup"),
            (_("Import servers from the softcam config"), "import"),
            (_("Start stbfailover"), "start"),
            (_("Stop stbfailover"), "stop"),
            (_("Restart stbfailover"), "restart"),
        ])
        self["actions"] = ActionMap(["OkCancelActions"],
                                    {"ok": self.select, "cancel": self.close}, -1)
        self.console = Console()
        self.importer = None
        logic.track_close(self)

    def select(self):
        current = self["menu"].getCurrent()
        if not current:
            return
        self.run(current[1])

    def run(self, action):
        if action == "status":
            self.session.open(StbFailoverStatus, self.daemon, self.config_path)
        elif action == "setup":
            self.session.open(StbFailoverSetup, self.config_path, self.daemon)
        elif action == "import":
            self.importer = SoftcamImport(self.session, self.root, self.daemon,
                                          self.config_path)
            self.importer.start()
        else:
            self.console.ePopen(logic.service_command(action, self.init_script),
                                self.serviceDone, action)

    def serviceDone(self, data, retval, action=None):
        if not logic.is_open(self):
            return  # the service command ran; the menu that asked for it is gone
        failure = logic.command_failure(data, retval, "%s %s" % (self.init_script, action))
        if failure:
            self.session.open(MessageBox, failure, MessageBox.TYPE_ERROR)
            return
        text = logic.output_text(data).strip() or _("Done.")
        self.session.open(MessageBox, text, MessageBox.TYPE_INFO, timeout=5)


def main(session, **kwargs):
    session.open(StbFailoverMenu)


def status(session, **kwargs):
    session.open(StbFailoverStatus)


def Plugins(**kwargs):
    """The plugin's menu entries: the full menu in the plugin browser, the status screen in
    the extensions menu (blue button) for a quick look."""
    description = _("Failover for softcam lines: status, setup, import")
    return [
        PluginDescriptor(name="stbfailover", description=description,
                         where=PluginDescriptor.WHERE_PLUGINMENU, icon="plugin.png", fnc=main),
        PluginDescriptor(name=_("stbfailover status"), description=description,
                         where=PluginDescriptor.WHERE_EXTENSIONSMENU, fnc=status),
    ]
