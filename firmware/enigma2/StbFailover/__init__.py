# stbfailover Enigma2 plugin: status, setup, import and service control for the stbfailover
# daemon. Enigma2 imports this package as Plugins.Extensions.StbFailover.
#
# Translations: the plugin's own gettext domain "StbFailover", catalogues in
# locale/<lang>/LC_MESSAGES/StbFailover.mo beside this file (compiled from firmware/enigma2/po
# when the package is built). A text the domain does not translate falls back to enigma2's
# catalogue (the `_` Enigma2 installs), then to the text itself. The language is the one
# Enigma2 set (it sets LANGUAGE, which gettext reads at every lookup).
import builtins
import gettext
import os

DOMAIN = "StbFailover"
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")


def bind_locale(locale_dir=LOCALE_DIR):
    """Points the StbFailover domain at `locale_dir` (the plugin's own folder by default)."""
    gettext.bindtextdomain(DOMAIN, locale_dir)


def _(text):
    """`text` in the box's language: the plugin's catalogue first, then enigma2's."""
    translated = gettext.dgettext(DOMAIN, text)
    if translated != text:
        return translated
    enigma2 = getattr(builtins, "_", None)
    if enigma2 is not None and enigma2 is not _:
        return enigma2(text)
    return gettext.gettext(text)


bind_locale()
try:  # Enigma2 calls back when the box owner picks another language
    from Components.Language import language
    language.addCallback(bind_locale)
except ImportError:
    pass  # not on a box (tests), or an image without Components.Language
