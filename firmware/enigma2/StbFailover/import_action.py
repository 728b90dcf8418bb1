# The import action: find the softcam's config, let the box owner pick it, run
# `stbfailover import --from FILE`, and on confirmation make the result the daemon's config and
# point the softcam at stbfailover (`--softcam-config FILE`; the command keeps a backup).
import os

from Components.Console import Console
from Screens.ChoiceBox import ChoiceBox
from Screens.MessageBox import MessageBox

from . import _, logic
from .checked_save import CheckedSave


class SoftcamImport(object):
    """One import, step by step; every step answers through a callback of the session's
    dialogs or of its own Console (so it finishes even when the menu that started it closes).
    Nothing is written before the box owner said yes."""

    def __init__(self, session, root="/", daemon=logic.DAEMON, config_path=logic.CONFIG_PATH):
        self.session = session
        self.console = Console()
        self.root = root
        self.daemon = daemon
        self.config_path = config_path
        self.source = None
        self.imported = None
        self.notes = []
        self.failed = False

    def start(self):
        found = logic.find_softcam_configs(self.root)
        if not found:
            self.session.open(MessageBox, _(
                "No softcam config found. Looked for /etc/CCcam.cfg, "
                "/etc/tuxbox/config/oscam*/oscam.server, /etc/tuxbox/config/oscam.server and "
                "the running OSCam's ConfigDir."), MessageBox.TYPE_INFO)
            return
        choices = [("%s (%s)" % (config.shown, config.origin), config) for config in found]
        self.session.openWithCallback(self.sourceChosen, ChoiceBox,
                                      title=_("Import servers from"), list=choices)

    def sourceChosen(self, choice):
        if not choice:
            return
        self.source = choice[1]
        self.console.ePopen(logic.import_command(self.source.path, daemon=self.daemon),
                            self.importPrinted)

    def importPrinted(self, data, retval, extra_args=None):
        failure = logic.command_failure(data, retval, _("import"))
        if failure:
            self.session.open(MessageBox, failure, MessageBox.TYPE_ERROR)
            return
        json_text, notes = logic.split_notes(logic.output_text(data))
        try:
            self.imported = logic.parse_config(json_text, _("output of stbfailover import"))
        except logic.ConfigFileError as error:
            self.session.open(MessageBox, str(error), MessageBox.TYPE_ERROR)
            return
        question = _("%s holds %s.\nUse them as the stbfailover config? The current config is "
                     "kept as %s.bak.") % (self.source.shown,
                                           logic.config_summary(self.imported), self.config_path)
        if notes:
            question += "\n\n" + notes
        self.session.openWithCallback(self.useConfirmed, MessageBox, question,
                                      MessageBox.TYPE_YESNO)

    def currentConfig(self):
        """The config now, or None when it is missing or broken (the import then replaces it;
        a backup is kept)."""
        try:
            return logic.load_config(self.config_path)
        except logic.ConfigFileError:
            return None

    def useConfirmed(self, answer):
        if not answer:
            return
        current = self.currentConfig()
        merged = logic.merge_imported(current, self.imported, self.source.shown,
                                      os.path.dirname(os.path.abspath(self.config_path)))
        self.saving = CheckedSave(self.console, self.daemon, self.config_path, merged,
                                  lambda failure: self.written(merged, failure), backup=True)
        self.saving.start()

    def written(self, merged, failure):
        if failure:
            self.session.open(MessageBox, failure, MessageBox.TYPE_ERROR)
            return
        self.notes.append(_("Wrote %s (%s).") % (self.config_path, logic.config_summary(merged)))
        self.console.ePopen(logic.reload_command(self.daemon, logic.control_socket(merged)),
                            self.reloaded)

    def reloaded(self, data, retval, extra_args=None):
        failure = logic.command_failure(data, retval, _("reload"))
        self.failed = self.failed or failure is not None
        self.notes.append(failure or _("stbfailover reloaded its config."))
        self.session.openWithCallback(self.softcamConfirmed, MessageBox, _(
            "Point the softcam at stbfailover? %s is rewritten to use the local ports "
            "(a backup is kept); restart the softcam afterwards.") % self.source.shown,
            MessageBox.TYPE_YESNO)

    def softcamConfirmed(self, answer):
        if not answer:
            self.finish()
            return
        self.console.ePopen(logic.import_command(self.source.path, self.source.path,
                                                 daemon=self.daemon), self.softcamWritten)

    def softcamWritten(self, data, retval, extra_args=None):
        failure = logic.command_failure(data, retval, _("writing the softcam config"))
        self.failed = self.failed or failure is not None
        self.notes.append(failure or _("Rewrote %s; restart the softcam to use stbfailover.")
                          % self.source.shown)
        self.finish()

    def finish(self):
        """Everything that happened, as an error if any step failed."""
        self.session.open(MessageBox, "\n".join(self.notes),
                          MessageBox.TYPE_ERROR if self.failed else MessageBox.TYPE_INFO)
