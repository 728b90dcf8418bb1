"""The OpenEmbedded recipes in firmware/oe: a versioned recipe per package consuming the release
tarball with its sha256, a _git recipe per package versioned with gitpkgv, the variables an
image build needs, consistent with the CMake build and the .ipk maintainer scripts; new `:`
override syntax only. And the release tarball (`--target dist`): reproducible, and it extracts,
configures, builds and passes the smoke tests in a clean folder."""
import glob
import hashlib
import os
import re
import shutil
import subprocess

import pytest

SOURCE_DIR = os.environ["STBF_SOURCE_DIR"]
OE_DIR = os.path.join(SOURCE_DIR, "firmware", "oe")
BUILD_DIR = os.environ.get("STBF_BUILD_DIR", "")
VERSION = os.environ.get("STBF_VERSION", "")
DAEMON, PLUGIN = "stbfailover", "enigma2-plugin-extensions-stbfailover"


def parse_bitbake(path, values=None):
    """{name: value} of the simple assignments (=, ?=, ??=, +=, =+), the inherit list and the
    function bodies (name -> text), with `require`/`include` files read in place and backslash
    continuations joined. += and =+ append/prepend to an earlier value."""
    if values is None:
        values = {"inherit": [], "functions": {}, "lines": []}
    text = open(path).read().replace("\\\n", " ")
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        values["lines"].append(line)
        if line.startswith(("require ", "include ")):
            parse_bitbake(os.path.join(os.path.dirname(path), line.split()[1]), values)
            continue
        if line.startswith("inherit "):
            values["inherit"] += line.split()[1:]
            continue
        fn = re.match(r"^(?:python\s+)?([\w:${}\-\[\]]+)\s*\(\)\s*\{$", line)
        if fn:
            body = []
            while i < len(lines) and lines[i] != "}":
                body.append(lines[i])
                i += 1
            i += 1
            values["functions"][fn.group(1)] = "\n".join(body)
            continue
        m = re.match(r'^([A-Za-z0-9_:${}\-\[\]]+)\s*(\?\?=|\?=|\+=|=\+|=)\s*"(.*)"$', line)
        if not m:
            continue
        name, op, value = m.groups()
        if op == "+=":
            values[name] = (values.get(name, "") + " " + value).strip()
        elif op == "=+":
            values[name] = (value + " " + values.get(name, "")).strip()
        elif op in ("?=", "??=") and name in values:
            continue
        else:
            values[name] = value
    return values


def recipe_path(package, kind):
    name = f"{package}_git.bb" if kind == "git" else f"{package}_{VERSION}.bb"
    return os.path.join(OE_DIR, name)


RECIPES = [pytest.param((p, k), id=f"{p}_{k}") for p in (DAEMON, PLUGIN) for k in ("release", "git")]


@pytest.fixture(params=RECIPES)
def any_recipe(request):
    package, kind = request.param
    path = recipe_path(package, kind)
    assert os.path.exists(path), f"missing recipe {os.path.relpath(path, SOURCE_DIR)}"
    return package, kind, parse_bitbake(path)


def test_every_recipe_is_mit_with_the_checksum_of_the_license_file(any_recipe):
    _, _, r = any_recipe
    assert r["LICENSE"] == "MIT"
    m = re.fullmatch(r"file://LICENSE;md5=([0-9a-f]{32})", r["LIC_FILES_CHKSUM"])
    assert m, r["LIC_FILES_CHKSUM"]
    with open(os.path.join(SOURCE_DIR, "LICENSE"), "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == m.group(1)
    for name in ("SUMMARY", "SRC_URI", "S", "SECTION"):
        assert r.get(name), name


def test_only_the_new_override_syntax_is_used(any_recipe):
    _, _, r = any_recipe
    for line in r["lines"]:
        # Old style: VAR_append, VAR_${PN}, VAR_pn-foo (bitbake since honister wants VAR:...).
        assert not re.search(r"\w_(append|prepend|remove)\b|\w_\$\{PN\}|\w_pn-", line), line


def test_release_recipes_fetch_the_dist_tarball_with_its_sha256(any_recipe):
    package, kind, r = any_recipe
    if kind != "release":
        pytest.skip("git recipe")
    assert r["SRC_URI"].endswith("/stbfailover-${PV}.tar.gz")
    assert re.fullmatch(r"[0-9a-f]{64}", r["SRC_URI[sha256sum]"])
    assert r["S"] == "${WORKDIR}/stbfailover-${PV}"
    assert "PV" not in r, "the version comes from the file name"


def test_git_recipes_are_versioned_with_gitpkgv(any_recipe):
    _, kind, r = any_recipe
    if kind != "git":
        pytest.skip("release recipe")
    assert "gitpkgv" in r["inherit"]
    assert r["PV"] == "1.0+git${SRCPV}"
    assert r["PKGV"] == "1.0+git${GITPKGV}"
    assert r["SRC_URI"].startswith("git://") and "branch=" in r["SRC_URI"]
    assert r["SRCREV"] and r["S"] == "${WORKDIR}/git"
    assert r["DEFAULT_PREFERENCE"] == "-1", "releases first unless an image asks for git"


def daemon_recipe(kind):
    return parse_bitbake(recipe_path(DAEMON, kind))


@pytest.mark.parametrize("kind", ["release", "git"])
def test_daemon_builds_with_cmake_tls_optional_and_starts_before_the_softcam(kind):
    r = daemon_recipe(kind)
    assert {"cmake", "update-rc.d"} <= set(r["inherit"])
    assert "cjson" in r["DEPENDS"].split()
    assert "tls" in r["PACKAGECONFIG"].split(), "TLS on by default"
    on, off, deps = r["PACKAGECONFIG[tls]"].split(",")[:3]
    assert (on, off, deps) == ("-DSTBF_WITH_TLS=ON", "-DSTBF_WITH_TLS=OFF", "mbedtls")
    assert "STBF_WITH_TLS" not in r["EXTRA_OECMAKE"], "PACKAGECONFIG decides"
    assert r["INITSCRIPT_NAME"] == "stbfailover"
    params = r["INITSCRIPT_PARAMS"]
    start = int(params.split()[1])
    assert params.startswith("defaults ") and start < 50, "softcam scripts start at 50"
    with open(os.path.join(SOURCE_DIR, "firmware", "packaging", "stbfailover", "postinst")) as f:
        assert f"stbfailover {params}" in f.read(), "the .ipk postinst uses the same order"
    assert os.access(os.path.join(SOURCE_DIR, "firmware", "init", "stbfailover"), os.X_OK)
    assert "${sysconfdir}/stbfailover/stbfailover.json" in r["CONFFILES:${PN}"].split()
    prerm = r["functions"]["pkg_prerm:${PN}"]
    assert "restore" in prerm and '"upgrade"' in prerm and "$D" in prerm


@pytest.mark.parametrize("kind", ["release", "git"])
def test_plugin_is_its_own_allarch_recipe_depending_on_the_daemon(kind):
    r = parse_bitbake(recipe_path(PLUGIN, kind))
    assert "allarch" in r["inherit"]
    assert "cmake" not in r["inherit"]
    assert {"stbfailover", "enigma2"} <= set(r["RDEPENDS:${PN}"].split())
    assert r["PLUGINDIR"] == "${libdir}/enigma2/python/Plugins/Extensions/StbFailover"
    assert "${PLUGINDIR}" in r["FILES:${PN}"].split()
    assert "msgfmt" in r["functions"]["do_compile"] and "gettext-native" in r["DEPENDS"]
    assert "__pycache__" in r["functions"]["pkg_postrm:${PN}"]
    # The files it installs exist where it takes them from.
    for pattern in ("firmware/enigma2/StbFailover/*.py", "firmware/enigma2/po/*.po"):
        assert glob.glob(os.path.join(SOURCE_DIR, pattern)), pattern


@pytest.mark.parametrize("kind", ["release", "git"])
def test_cmake_options_exist_in_the_project(kind):
    options = set()
    for path in glob.glob(os.path.join(SOURCE_DIR, "**", "CMakeLists.txt"), recursive=True):
        if os.path.relpath(path, SOURCE_DIR).startswith("build"):
            continue
        options |= set(re.findall(r"^\s*option\((\w+)", open(path).read(), re.M))
    r = daemon_recipe(kind)
    used = re.findall(r"-D(\w+)=", r["EXTRA_OECMAKE"] + " " + r["PACKAGECONFIG[tls]"])
    assert used, "EXTRA_OECMAKE sets no option"
    for name in used:
        assert name in options, f"the recipe sets {name}, which no CMakeLists.txt declares"


# ---- the release tarball -------------------------------------------------------------------
def build_dist():
    result = subprocess.run(["cmake", "--build", BUILD_DIR, "--target", "dist"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    tarball = os.path.join(BUILD_DIR, "dist", f"stbfailover-{VERSION}.tar.gz")
    with open(tarball, "rb") as f:
        return tarball, f.read(), result.stdout


@pytest.fixture(scope="module")
def dist():
    if not BUILD_DIR:
        pytest.skip("STBF_BUILD_DIR not set")
    if os.environ.get("STBF_CROSSCOMPILING", "").upper() in ("ON", "1", "TRUE", "YES"):
        pytest.skip("the tarball is the same for every target: the host build checks it")
    return build_dist()


def test_dist_is_reproducible_and_prints_the_recipe_line(dist):
    tarball, first, out = dist
    os.utime(os.path.join(SOURCE_DIR, "LICENSE"))  # a new mtime must not change the tarball
    _, second, _ = build_dist()
    assert first == second
    digest = hashlib.sha256(first).hexdigest()
    assert f'SRC_URI[sha256sum] = "{digest}"' in out
    with open(tarball + ".sha256") as f:
        assert f.read().split()[0] == digest


def test_dist_builds_and_passes_the_smoke_tests_from_a_clean_folder(dist):
    tarball, _, _ = dist
    work = os.path.join(BUILD_DIR, "dist-check")  # inside the build tree: ccache finds it
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    subprocess.run(["tar", "-xzf", tarball, "-C", work], check=True, timeout=120)
    src = os.path.join(work, f"stbfailover-{VERSION}")
    assert os.path.exists(os.path.join(src, "LICENSE"))
    assert not os.path.exists(os.path.join(src, ".git"))
    build = os.path.join(work, "build")
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    steps = [
        ["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DSTBF_WITH_TLS=ON"],
        ["cmake", "--build", build, "-j2", "--target", "stbfailover"],
        ["ctest", "--test-dir", build, "-L", "smoke", "--output-on-failure"],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, timeout=900, env=env)
        assert result.returncode == 0, " ".join(step) + "\n" + result.stdout[-3000:] + result.stderr[-3000:]
    assert "100% tests passed" in result.stdout, result.stdout
    assert not re.search(r"\b0 tests passed|No tests were found", result.stdout), result.stdout
    shutil.rmtree(work, ignore_errors=True)
