# The plugin ships as .py source for images with Python 3.9 up to 3.14: every file must compile
# and import there. Checked in-process (3.9 grammar, a stdlib allow-list) and with every other
# Python 3.9+ interpreter this machine has.
import ast
import glob
import os
import shutil
import subprocess
import sys

import pytest

from conftest import HERE, PLUGIN_DIR

PLUGIN_FILES = sorted(glob.glob(os.path.join(PLUGIN_DIR, "*.py")))
# Standard modules present from 3.9 to 3.14, plus what Enigma2 provides.
ALLOWED_IMPORTS = {
    "builtins", "collections", "copy", "glob", "json", "os", "re", "shlex", "shutil",
    "tempfile", "enigma", "Components", "Screens", "Plugins",
    "gettext"}  # gettext: Enigma2 itself translates with it (Components/Language.py)
VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]


def test_plugin_files_exist():
    names = [os.path.basename(path) for path in PLUGIN_FILES]
    assert "__init__.py" in names and "plugin.py" in names and "logic.py" in names


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=os.path.basename)
def test_compiles_with_python_3_9_grammar(path):
    with open(path, "r", encoding="utf-8") as source_file:
        source = source_file.read()
    compile(source, path, "exec")
    tree = ast.parse(source, path, feature_version=(3, 9))
    for node in ast.walk(tree):
        assert type(node).__name__ not in ("Match", "TryStar", "TypeAlias"), \
            "%s:%d: syntax newer than 3.9" % (path, node.lineno)
        annotations = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations = [a.annotation for a in node.args.args + node.args.kwonlyargs
                           if a.annotation is not None] + [node.returns]
        elif isinstance(node, ast.AnnAssign):
            annotations = [node.annotation]
        for annotation in annotations:
            for inner in ast.walk(annotation) if annotation is not None else []:
                # `int | None` fails at run time on 3.9
                assert not (isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.BitOr)), \
                    "%s:%d: X | Y annotation needs 3.10" % (path, inner.lineno)
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module]
        else:
            modules = []
        for module in modules:
            assert module.split(".")[0] in ALLOWED_IMPORTS, \
                "%s:%d: import of %s (not in every image's Python)" % (path, node.lineno, module)


def find_interpreter(version):
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for candidate in sorted(glob.glob(os.path.join(pyenv_root, "versions", version + ".*",
                                                   "bin", "python" + version))):
        return candidate
    found = shutil.which("python" + version)
    # a pyenv shim answers for versions it does not have: only a real interpreter counts
    if found and "shims" not in found.split(os.sep):
        return found
    return None


SMOKE = os.path.join(HERE, "smoke_other_python.py")


@pytest.mark.parametrize("version", VERSIONS)
def test_imports_and_runs_on_python(version, tmp_path):
    python = find_interpreter(version)
    if python is None:
        pytest.skip("no python%s on this machine" % version)
    # -W error: invalid escape sequences and other deprecations fail here, not on the box.
    result = subprocess.run([python, "-B", "-W", "error", SMOKE], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=60, cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout.decode("utf-8", "replace")
    assert result.stdout.decode().split() == ["3", "7", "1"]
