"""The OpenEmbedded recipe firmware/oe/stbfailover_git.bb: the variables an image build needs,
consistent with what the CMake build installs and what the .ipk's maintainer scripts do."""
import glob
import os
import re

import pytest

SOURCE_DIR = os.environ["STBF_SOURCE_DIR"]
RECIPES = glob.glob(os.path.join(SOURCE_DIR, "firmware", "oe", "stbfailover_*.bb"))


def parse_bitbake(path):
    """{name: value} of the simple assignments (=, ?=, ??=, +=, =+) and the inherit list,
    with backslash continuations joined. += and =+ append/prepend to an earlier value."""
    values = {"inherit": []}
    text = open(path).read().replace("\\\n", " ")
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("inherit "):
            values["inherit"] += line.split()[1:]
            continue
        m = re.match(r'^([A-Za-z0-9_:${}\-]+)\s*(\?\?=|\?=|\+=|=\+|=)\s*"(.*)"$', line)
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


@pytest.fixture(scope="module")
def recipe():
    assert len(RECIPES) == 1, f"expected one stbfailover_*.bb in firmware/oe, found {RECIPES}"
    return parse_bitbake(RECIPES[0])


def test_builds_with_cmake_and_installs_an_init_script(recipe):
    assert {"cmake", "update-rc.d"} <= set(recipe["inherit"])


def test_depends_on_mbedtls_and_cjson(recipe):
    assert {"mbedtls", "cjson"} <= set(recipe["DEPENDS"].split())


def test_describes_and_licenses_the_package(recipe):
    for name in ("SUMMARY", "LICENSE", "SRC_URI", "PV", "S"):
        assert recipe.get(name), name


def test_init_script_variables_match_the_ipk_postinst(recipe):
    assert recipe["INITSCRIPT_NAME:${PN}"] == "stbfailover"
    params = recipe["INITSCRIPT_PARAMS:${PN}"]
    assert params.startswith("defaults ")
    with open(os.path.join(SOURCE_DIR, "firmware", "packaging", "stbfailover", "postinst")) as f:
        assert f"update-rc.d stbfailover {params}" in f.read()
    assert os.access(os.path.join(SOURCE_DIR, "firmware", "init", "stbfailover"), os.X_OK)


def test_config_is_a_conffile(recipe):
    assert "${sysconfdir}/stbfailover/stbfailover.json" in recipe["CONFFILES:${PN}"].split()


def test_plugin_is_its_own_package_at_the_enigma2_plugin_path(recipe):
    assert "enigma2-plugin-extensions-stbfailover" in recipe["PACKAGES"].split()
    files = recipe["FILES:enigma2-plugin-extensions-stbfailover"].split()
    assert "${libdir}/enigma2/python/Plugins/Extensions/StbFailover" in files
    assert "${PN}" in recipe["RDEPENDS:enigma2-plugin-extensions-stbfailover"].split()


def test_cmake_options_exist_in_the_project(recipe):
    options = set()
    for path in glob.glob(os.path.join(SOURCE_DIR, "**", "CMakeLists.txt"), recursive=True):
        if os.path.relpath(path, SOURCE_DIR).startswith("build"):
            continue
        options |= set(re.findall(r"^\s*option\((\w+)", open(path).read(), re.M))
    used = re.findall(r"-D(\w+)=", recipe["EXTRA_OECMAKE"])
    assert used, "EXTRA_OECMAKE sets no option"
    for name in used:
        assert name in options, f"EXTRA_OECMAKE sets {name}, which no CMakeLists.txt declares"


def test_license_is_mit_with_the_checksum_of_the_license_file(recipe):
    import hashlib
    assert recipe["LICENSE"] == "MIT"
    m = re.fullmatch(r"file://LICENSE;md5=([0-9a-f]{32})", recipe["LIC_FILES_CHKSUM"])
    assert m, recipe["LIC_FILES_CHKSUM"]
    with open(os.path.join(SOURCE_DIR, "LICENSE"), "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == m.group(1)
