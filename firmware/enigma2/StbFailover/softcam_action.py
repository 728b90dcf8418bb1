# Setup and Restore from the plugin: `stbfailover setup` points the softcam at stbfailover
# (`restore` gives it its own config back) and restarts stbfailover and the softcam itself, so
# the softcam reads the new config once. When the command says its files are written but a
# restart failed (exit code 3), the plugin restarts the softcam the way the image's own softcam
# manager does it (softcam.softcam_restart_steps). A progress message stays on screen while
# this runs; the result replaces it.
from enigma import eTimer
from Components.Console import Console
from Screens.MessageBox import MessageBox

from . import _, logic


class SoftcamAction(object):
    """One setup or restore, step by step through its own Console and timer (it finishes even
    when the menu that started it closes). `action` is "setup" or "restore"."""

    def __init__(self, session, action, root="/", daemon=logic.DAEMON):
        if action not in ("setup", "restore"):
            raise ValueError("unknown softcam action %r" % (action,))
        self.session = session
        self.action = action
        self.root = root
        self.daemon = daemon
        self.console = Console()
        self.timer = eTimer()
        self.timer_connection = logic.connect_timer(self.timer, self.nextStep)
        self.steps = []
        self.notes = []
        self.failed = False
        self.progress = None

    def start(self):
        if self.action == "setup":
            text = _("Setting up the softcam for stbfailover, please wait...")
            command = logic.setup_command(self.daemon, self.root)
        else:
            text = _("Giving the softcam its own config back, please wait...")
            command = logic.restore_command(self.daemon, self.root)
        self.progress = self.session.open(MessageBox, text, MessageBox.TYPE_INFO,
                                          enable_input=False)
        self.console.ePopen(command, self.commandDone)

    def commandDone(self, data, retval, extra_args=None):
        what = "stbfailover " + self.action
        if retval not in (0, logic.EXIT_RESTART_FAILED):
            self.failed = True
            self.notes.append(logic.command_failure(data, retval, what))
            self.finish()  # refused: the softcam config is as it was, nothing to restart
            return
        self.notes.append(logic.output_text(data).strip() or _("%s: done.") % what)
        if retval == 0:
            self.finish()  # the command restarted the softcam (or had nothing to change)
            return
        self.steps = logic.softcam_restart_steps(self.root)
        if not self.steps:
            self.notes.append(_("This image has no /etc/init.d/softcam: restart the softcam "
                                "yourself so it reads its config again."))
            self.finish()
            return
        self.notes.append(_("Restarting the softcam..."))
        self.nextStep()

    def nextStep(self):
        if not self.steps:
            self.notes.append(_("The softcam was restarted."))
            self.finish()
            return
        step = self.steps.pop(0)
        if isinstance(step, int):
            self.timer.start(step, True)  # stop, wait, start: as the image's softcam setup
            return
        self.console.ePopen(step, self.stepDone, step)

    def stepDone(self, data, retval, step=None):
        failure = logic.command_failure(data, retval, step.replace(" 2>&1", ""))
        if failure:
            self.failed = True
            self.notes.append(failure)
            self.finish()
            return
        self.nextStep()

    def finish(self):
        logic.disconnect_timer(self.timer, self.nextStep, self.timer_connection)
        self.timer_connection = None
        if self.progress is not None and not getattr(self.progress, "is_closed", False):
            self.progress.close()
        self.progress = None
        self.session.open(MessageBox, "\n".join(self.notes),
                          MessageBox.TYPE_ERROR if self.failed else MessageBox.TYPE_INFO)
