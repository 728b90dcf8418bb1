# The plugin's logic, kept free of Enigma2 so it can be tested on any machine. It lives in one
# module per job; this module gathers them so screens and tests use one name (logic.X):
#   commands     the shell lines the plugin runs and reading their answers
#   jsontext     JSON with key order, repeated keys and error positions
#   formatting   numbers, spans and addresses for a box owner
#   status_view  status JSON to rows and text for the status screen
#   softcam      the softcam's config files and how the image restarts it
#   config_file  the daemon's JSON config: read, edit, validate, write, merge an import
#   e2glue       timers, closed screens, skin scaling
# Python 3.9 syntax (images ship 3.9 up to 3.13).
from .commands import *  # noqa: F401,F403
from .config_file import *  # noqa: F401,F403
from .e2glue import *  # noqa: F401,F403
from .formatting import *  # noqa: F401,F403
from .jsontext import *  # noqa: F401,F403
from .softcam import *  # noqa: F401,F403
from .status_view import *  # noqa: F401,F403
