# Entry point Enigma2 loads: Plugins() puts stbfailover into the plugin menu, the extensions
# menu and the image's softcam ("cam") menu. The menu screen leads to status, settings, the
# event history, import, softcam setup and restore, and service control.
from Components.ActionMap import ActionMap
from Components.Console import Console
from Components.Label import Label
from Components.MenuList import MenuList
from Plugins.Plugin import PluginDescriptor
from Screens.MessageBox import MessageBox
from Screens.Screen import Screen

from . import _, logic
from .events_screen import StbFailoverEvents
from .import_action import SoftcamImport
from .setup_screen import StbFailoverSetup
from .skin import button_widgets, desktop_skin
from .softcam_action import SoftcamAction
from .status_screen import StbFailoverStatus

SKIN = """<screen name="StbFailoverMenu" position="center,center" size="1240,520" title="stbfailover">
<widget name="menu" position="20,10" size="1200,440" itemHeight="40" font="Regular;24" scrollbarMode="showOnDemand" />
%s
</screen>""" % button_widgets(474, ["key_red", "key_green", "key_yellow"])


class StbFailoverMenu(Screen):
    """Choose what to do; OK runs the selected entry, red/cancel closes, green sets the
    softcam up for stbfailover, yellow restores the softcam's own config."""

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
            (_("Event history"), "events"),
            (_("Import servers from the softcam config"), "import"),
            (_("Point the softcam at stbfailover (setup and softcam restart)"), "softcam-setup"),
            (_("Give the softcam its own config back (restore and softcam restart)"),
             "softcam-restore"),
            (_("Start stbfailover"), "start"),
            (_("Stop stbfailover"), "stop"),
            (_("Restart stbfailover"), "restart"),
        ])
        self["key_red"] = Label(_("Close"))
        self["key_green"] = Label(_("Set up softcam"))
        self["key_yellow"] = Label(_("Restore softcam"))
        self["actions"] = ActionMap(
            ["OkCancelActions", "ColorActions"],
            {"ok": self.select, "cancel": self.close, "red": self.close,
             "green": lambda: self.run("softcam-setup"),
             "yellow": lambda: self.run("softcam-restore")}, -1)
        self.console = Console()
        self.importer = None
        self.softcam = None
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
        elif action == "events":
            self.session.open(StbFailoverEvents, self.daemon, self.config_path)
        elif action in ("softcam-setup", "softcam-restore"):
            self.softcam = SoftcamAction(self.session, action.split("-")[1], self.root,
                                         self.daemon)
            self.softcam.start()
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


# Images list softcam tools in the menu whose id is "cam" (OpenPLi's "Softcam / CI" setup
# menu, OpenATV's "Decryption & Parental Control"); weight: after the image's own entries.
CAM_MENU_ID = "cam"
CAM_MENU_WEIGHT = 50


def cam_menu(menuid, **kwargs):
    """WHERE_MENU: Enigma2 asks every plugin with each menu's id; stbfailover answers only the
    softcam menu. An image without one never asks for "cam"; the plugin browser entry is
    there on every image."""
    if menuid != CAM_MENU_ID:
        return []
    return [(_("stbfailover"), main, "stbfailover", CAM_MENU_WEIGHT)]


def Plugins(**kwargs):
    """The plugin's menu entries: the full menu in the plugin browser and in the softcam
    menu, the status screen in the extensions menu (blue button) for a quick look."""
    description = _("Failover for softcam lines: status, setup, import")
    return [
        PluginDescriptor(name="stbfailover", description=description,
                         where=PluginDescriptor.WHERE_PLUGINMENU, icon="plugin.png", fnc=main),
        PluginDescriptor(name=_("stbfailover status"), description=description,
                         where=PluginDescriptor.WHERE_EXTENSIONSMENU, fnc=status),
        PluginDescriptor(name="stbfailover", description=description,
                         where=PluginDescriptor.WHERE_MENU, fnc=cam_menu),
    ]
