# stbfailover Enigma2 plugin: status, setup, import and service control for the stbfailover
# daemon. Enigma2 imports this package as Plugins.Extensions.StbFailover.
import builtins


def _(text):
    """Translates `text` with the image's gettext when Enigma2 installed one, else returns it."""
    translate = getattr(builtins, "_", None)
    if translate is None or translate is _:
        return text
    return translate(text)
