# Translations: every string the plugin shows goes through its gettext domain "StbFailover",
# and German, Italian and Dutch translate every one of them (a string added without its
# translations fails here), with the same placeholders. The compiled catalogues are used by
# the plugin's `_` in the box's language, and a text the domain lacks falls back to enigma2's.
import ast
import builtins
import glob
import os
import re
import shutil
import subprocess

import pytest

from conftest import PLUGIN_DIR

PO_DIR = os.path.join(os.path.dirname(PLUGIN_DIR), "po")
LANGUAGES = ("de", "it", "nl")
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrfix%]")


def source_msgids():
    """{msgid: "file:line"} of every _("...") in the plugin; non-literal _() calls fail."""
    found = {}
    for path in sorted(glob.glob(os.path.join(PLUGIN_DIR, "*.py"))):
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read(), path)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "_"):
                continue
            where = "%s:%d" % (os.path.basename(path), node.lineno)
            assert len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str), \
                "%s: _() needs a string literal, or no catalogue can hold it" % where
            found.setdefault(node.args[0].value, where)
    return found


def unquote(text):
    return ast.literal_eval(text)


def read_po(path):
    """{msgid: (msgstr, flags)} of a .po file (header left out)."""
    entries = {}
    flags, msgid, msgstr, field = set(), None, None, None

    def flush():
        if msgid is not None and msgid != "":
            entries[msgid] = (msgstr, flags)
    with open(path, encoding="utf-8") as po:
        for line in po:
            line = line.strip()
            if line.startswith("#,"):
                flush()
                flags, msgid, msgstr, field = set(f.strip() for f in line[2:].split(",")), \
                    None, None, None
            elif line.startswith("msgid "):
                if msgid is not None:
                    flush()
                    flags = set()
                msgid, msgstr, field = unquote(line[6:]), None, "id"
            elif line.startswith("msgstr "):
                msgstr, field = unquote(line[7:]), "str"
            elif line.startswith('"'):
                if field == "id":
                    msgid += unquote(line)
                elif field == "str":
                    msgstr += unquote(line)
        flush()
    return entries


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated_with_the_same_placeholders(lang):
    path = os.path.join(PO_DIR, lang + ".po")
    assert os.path.isfile(path), "no %s translation (firmware/enigma2/po/%s.po)" % (lang, lang)
    catalogue = read_po(path)
    msgids = source_msgids()
    assert len(msgids) > 50
    untranslated = ["%s %r" % (where, msgid) for msgid, where in msgids.items()
                    if msgid not in catalogue or not catalogue[msgid][0]
                    or "fuzzy" in catalogue[msgid][1]]
    assert not untranslated, "untranslated in %s.po:\n" % lang + "\n".join(untranslated)
    for msgid, (msgstr, flags) in catalogue.items():
        assert msgid in msgids, "%s.po: %r is no longer used by the plugin" % (lang, msgid)
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), \
            "%s.po: placeholders of %r differ in %r" % (lang, msgid, msgstr)
        assert ("python-format" in flags) == ("%" in msgid), "%s.po: %r" % (lang, msgid)


@pytest.fixture
def catalogues(tmp_path, monkeypatch):
    """The .po files compiled as the package build does, bound as the plugin's domain."""
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.fail("msgfmt not found (Debian package gettext)")
    for lang in LANGUAGES:
        folder = tmp_path / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        subprocess.run([msgfmt, "--check-format", "-o", str(folder / "StbFailover.mo"),
                        os.path.join(PO_DIR, lang + ".po")], check=True, timeout=60)
    import StbFailover
    StbFailover.bind_locale(str(tmp_path))
    yield StbFailover
    StbFailover.bind_locale()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_plugin_speaks_the_box_language(catalogues, lang, monkeypatch, session, console,
                                            tmp_path):
    monkeypatch.setenv("LANGUAGE", lang)
    catalogue = read_po(os.path.join(PO_DIR, lang + ".po"))
    assert catalogues._("Event history") == catalogue["Event history"][0]
    from StbFailover import plugin
    menu = session.open(plugin.StbFailoverMenu, str(tmp_path))
    texts = [text for text, _key in menu["menu"].list]
    assert texts[0] == catalogue["Status"][0]
    assert texts[4] == catalogue[
        "Point the softcam at stbfailover (setup and softcam restart)"][0]
    assert menu["key_green"].getText() == catalogue["Set up softcam"][0]
    assert plugin.cam_menu("cam")[0][0] == catalogue["stbfailover"][0]


def test_english_box_and_fallback_to_the_enigma2_catalogue(catalogues, monkeypatch):
    monkeypatch.setenv("LANGUAGE", "en")
    assert catalogues._("Event history") == "Event history"
    monkeypatch.setenv("LANGUAGE", "de")
    monkeypatch.setattr(builtins, "_", lambda text: "[enigma2] " + text, raising=False)
    assert catalogues._("OK") == "[enigma2] OK", "a text the domain lacks: enigma2's catalogue"
    assert catalogues._("Close") == "Schließen", "the plugin's own catalogue comes first"


def test_domain_and_locale_folder_follow_the_plugin_layout():
    import StbFailover
    assert StbFailover.DOMAIN == "StbFailover"
    assert StbFailover.LOCALE_DIR == os.path.join(PLUGIN_DIR, "locale")
