# Replacing the daemon's config only with one the daemon accepts: the new config is written to
# a temporary file beside it, `stbfailover check -c TEMP` reads it as the daemon would, and only
# then is it renamed over the config. A rejected config never reaches the disk under the real
# name (a reload of it would be refused and leave the bad file behind for the next boot).
from . import _, logic


class CheckedSave(object):
    """One save through `console` (Components.Console.Console). `done(failure)` is called once:
    failure None when the config was replaced, else one text saying why nothing was saved
    (the check's FILE:LINE: message names the config's own path)."""

    def __init__(self, console, daemon, config_path, doc, done, backup=False):
        self.console = console
        self.daemon = daemon
        self.config_path = config_path
        self.doc = doc
        self.done = done
        self.backup = backup
        self.temp_path = None

    def start(self):
        try:
            self.temp_path = logic.stage_config(self.config_path, self.doc)
        except OSError as error:
            self.done(_("Nothing was saved: %s") % error)
            return
        self.console.ePopen(logic.check_command(self.temp_path, self.daemon), self.checked)

    def checked(self, data, retval, extra_args=None):
        failure = logic.command_failure(data, retval, _("stbfailover check"))
        if failure:
            logic.discard_config(self.temp_path)
            self.done(_("Nothing was saved: %s") % failure.replace(self.temp_path,
                                                                  self.config_path))
            return
        try:
            logic.commit_config(self.temp_path, self.config_path, self.backup)
        except OSError as error:
            self.done(_("Nothing was saved: %s") % error)
            return
        self.done(None)
