"""Structure and reproducibility of the .ipk packages the build produced (target `ipk`).

Inputs come from tests/packaging/CMakeLists.txt through the environment (STBF_*)."""
import os
import shutil
import struct
import subprocess

import pytest

from ipk_reader import Ipk

ENV = os.environ
DAEMON_IPK = ENV["STBF_DAEMON_IPK"]
PLUGIN_IPK = ENV.get("STBF_PLUGIN_IPK", "")
DEV_IPK = ENV.get("STBF_DEV_IPK", "")
CROSS = ENV.get("STBF_CROSSCOMPILING", "").upper() in ("ON", "1", "TRUE", "YES")
# A sanitized test build instruments the core library too: a program linking it needs the same.
SANITIZE = ENV.get("STBF_SANITIZE", "").upper() in ("ON", "1", "TRUE", "YES")
PLUGIN_FILES = [f for f in ENV.get("STBF_PLUGIN_FILES", "").split(":") if f]
# locale/<lang>/LC_MESSAGES/StbFailover.mo=<compiled file>, one per translation
PLUGIN_MO_FILES = dict(item.split("=", 1) for item in
                       ENV.get("STBF_PLUGIN_MO_FILES", "").split(":") if item)
VERSION = ENV["STBF_VERSION"]
ARCH = ENV["STBF_PACKAGE_ARCH"]
STATIC = ENV["STBF_STATIC"].upper() in ("ON", "1", "TRUE", "YES")
EPOCH = int(ENV["STBF_SOURCE_DATE_EPOCH"])
BUILD_IPK = ENV["STBF_IPK_SCRIPT"]
SOURCE_DIR = ENV["STBF_SOURCE_DIR"]
STAGED_BINARY = ENV["STBF_STAGED_BINARY"]
DAEMON_CONTROL = ENV["STBF_DAEMON_CONTROL"]
DEFAULT_CONFIG = os.path.join(SOURCE_DIR, "conf", "stbfailover.json")
INIT_SCRIPT = os.path.join(SOURCE_DIR, "firmware", "init", "stbfailover")
SCRIPTS_DIR = os.path.join(SOURCE_DIR, "firmware", "packaging", "stbfailover")
PLUGIN_DIR = "/usr/lib/enigma2/python/Plugins/Extensions/StbFailover"

# ELF e_machine of each package architecture (the binary must match the name on the package).
ELF_MACHINE = {"armv7ahf-neon": 40, "cortexa15hf-neon-vfpv4": 40, "cortexa7hf": 40,
               "arm": 40, "aarch64": 183, "mips32el": 8, "mipsel": 8, "x86_64": 62}


def elf_info(blob):
    """(e_machine, section names) of a little-endian ELF file."""
    assert blob[:4] == b"\x7fELF", "not an ELF file"
    is64 = blob[4] == 2
    assert blob[5] == 1, "expected little-endian ELF"
    machine = struct.unpack_from("<H", blob, 18)[0]
    if is64:
        shoff, = struct.unpack_from("<Q", blob, 40)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 58)
    else:
        shoff, = struct.unpack_from("<I", blob, 32)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 46)

    def section(index):
        base = shoff + index * shentsize
        if is64:
            name, = struct.unpack_from("<I", blob, base)
            offset, size = struct.unpack_from("<QQ", blob, base + 24)
        else:
            name, = struct.unpack_from("<I", blob, base)
            offset, size = struct.unpack_from("<II", blob, base + 16)
        return name, offset, size

    _, str_off, str_size = section(shstrndx)
    strtab = blob[str_off:str_off + str_size]
    names = set()
    for i in range(shnum):
        name_off = section(i)[0]
        names.add(strtab[name_off:strtab.index(b"\0", name_off)].decode())
    return machine, names


def packages():
    found = [DAEMON_IPK] + [p for p in (PLUGIN_IPK, DEV_IPK) if p]
    return [pytest.param(p, id=os.path.basename(p)) for p in found]


@pytest.fixture(scope="module")
def daemon():
    return Ipk(DAEMON_IPK)


@pytest.fixture(scope="module")
def plugin():
    if not PLUGIN_IPK:
        pytest.skip("no plugin files in firmware/enigma2/StbFailover, so no plugin package")
    return Ipk(PLUGIN_IPK)


@pytest.mark.parametrize("path", packages())
def test_is_ar_of_debian_binary_control_data_in_order(path):
    ipk = Ipk(path)
    assert [name for name, _, _ in ipk.members] == ["debian-binary", "control.tar.gz", "data.tar.gz"]
    assert ipk.debian_binary == b"2.0\n"
    for name, fields, _ in ipk.members:
        assert (fields["uid"], fields["gid"]) == (0, 0), name


@pytest.mark.parametrize("path", packages())
def test_tarballs_are_normalised(path):
    ipk = Ipk(path)
    for entries, order in ((ipk.control_entries, ipk.control_order),
                           (ipk.data_entries, ipk.data_order)):
        assert order == sorted(order), "names must be sorted"
        for name, (info, _) in entries.items():
            assert (info.uid, info.gid) == (0, 0), name
            assert info.mtime == EPOCH, name
            if info.isdir():
                assert info.mode == 0o755, name


@pytest.mark.parametrize("path", packages())
def test_file_name_matches_control(path):
    control = Ipk(path).control
    expected = f"{control['Package']}_{control['Version']}_{control['Architecture']}.ipk"
    assert os.path.basename(path) == expected


def test_daemon_control_fields(daemon):
    c = daemon.control
    assert c["Package"] == "stbfailover"
    assert c["Version"] == VERSION
    assert c["Architecture"] == ARCH
    assert "<" in c["Maintainer"] and c["Maintainer"].endswith(">")
    assert c["Description"].strip()
    if STATIC:
        assert "Depends" not in c, "a static binary needs no library from the image"
    else:
        depends = [d.strip().split(" ")[0] for d in c["Depends"].split(",")]
        assert {"libc6", "libstdc++6"} <= set(depends)


def test_daemon_data_paths_and_modes(daemon):
    files = daemon.data_files()
    expected = {"/usr/bin/stbfailover": 0o755, "/etc/init.d/stbfailover": 0o755}
    if os.path.exists(DEFAULT_CONFIG):
        expected["/etc/stbfailover/stbfailover.json"] = 0o644
    assert {path: info.mode for path, (info, _) in files.items()} == expected


def test_daemon_files_match_their_sources(daemon):
    files = daemon.data_files()
    with open(INIT_SCRIPT, "rb") as f:
        assert files["/etc/init.d/stbfailover"][1] == f.read()
    if os.path.exists(DEFAULT_CONFIG):
        with open(DEFAULT_CONFIG, "rb") as f:
            assert files["/etc/stbfailover/stbfailover.json"][1] == f.read()


def test_daemon_binary_is_stripped_and_for_the_package_architecture(daemon):
    machine, sections = elf_info(daemon.data_files()["/usr/bin/stbfailover"][1])
    assert machine == ELF_MACHINE[ARCH]
    assert ".symtab" not in sections and ".debug_info" not in sections
    assert ".text" in sections


def test_conffiles_list_exactly_the_config_files(daemon):
    config_files = {p for p in daemon.data_files() if p.startswith("/etc/stbfailover/")}
    listed = daemon.control_file("conffiles")
    listed = set(listed.decode().split()) if listed else set()
    assert listed == config_files


def test_maintainer_scripts_are_executable_shell_scripts(daemon):
    for name in ("postinst", "prerm"):
        info, content = daemon.control_entries["./" + name]
        assert info.mode == 0o755, name
        assert content.startswith(b"#!/bin/sh\n"), name
        assert b"/etc/init.d/stbfailover" in content, name
    assert b"restart" in daemon.control_file("postinst")
    assert b"stop" in daemon.control_file("prerm")


def test_plugin_control_fields(plugin):
    c = plugin.control
    assert c["Package"] == "enigma2-plugin-extensions-stbfailover"
    assert c["Version"] == VERSION
    assert c["Architecture"] == "all"
    assert c["Maintainer"] and c["Description"].strip()
    assert "stbfailover" in [d.strip().split(" ")[0] for d in c["Depends"].split(",")]


def test_plugin_holds_every_shipped_file_under_the_plugin_dir(plugin):
    files = plugin.data_files()
    expected = {f"{PLUGIN_DIR}/{os.path.basename(src)}": src for src in PLUGIN_FILES}
    expected.update({f"{PLUGIN_DIR}/{dest}": src for dest, src in PLUGIN_MO_FILES.items()})
    assert {"de", "it", "nl"} <= {dest.split("/")[1] for dest in PLUGIN_MO_FILES}
    assert set(files) == set(expected)
    for path, src in expected.items():
        with open(src, "rb") as f:
            assert files[path][1] == f.read(), path
        assert files[path][0].mode == 0o644, path


def daemon_args(work):
    """Arguments of build-ipk.sh for the daemon package, from copies of the build's inputs."""
    def copy(src, name):
        dst = os.path.join(work, name)
        shutil.copyfile(src, dst)  # new mtime, default mode: the output must not care
        return dst
    args = [copy(DAEMON_CONTROL, "control"),
            "--control", "postinst", copy(os.path.join(SCRIPTS_DIR, "postinst"), "postinst"),
            "--control", "prerm", copy(os.path.join(SCRIPTS_DIR, "prerm"), "prerm"),
            "--data", copy(STAGED_BINARY, "bin"), "/usr/bin/stbfailover", "0755",
            "--data", copy(INIT_SCRIPT, "init"), "/etc/init.d/stbfailover", "0755"]
    if os.path.exists(DEFAULT_CONFIG):
        conffiles = os.path.join(work, "conffiles")
        with open(conffiles, "w") as f:
            f.write("/etc/stbfailover/stbfailover.json\n")
        args += ["--control", "conffiles", conffiles,
                 "--data", copy(DEFAULT_CONFIG, "config"), "/etc/stbfailover/stbfailover.json", "0644"]
    return args


def run_build_ipk(out_dir, args, umask):
    env = dict(ENV, SOURCE_DATE_EPOCH=str(EPOCH))
    old = os.umask(umask)
    try:
        result = subprocess.run([BUILD_IPK, out_dir] + args, env=env, capture_output=True,
                                text=True, timeout=120)
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_builds_are_byte_identical_to_the_build_output(tmp_path):
    outputs = []
    for attempt, umask in (("a", 0o022), ("b", 0o077)):
        work = tmp_path / attempt
        work.mkdir()
        outputs.append(run_build_ipk(str(work / "out"), daemon_args(str(work)), umask))
    with open(outputs[0], "rb") as a, open(outputs[1], "rb") as b, open(DAEMON_IPK, "rb") as built:
        first = a.read()
        assert first == b.read()
        assert first == built.read()


def test_control_without_maintainer_is_refused_with_the_file_named(tmp_path):
    control = tmp_path / "control"
    control.write_text("Package: x\nVersion: 1\nArchitecture: all\nDescription: d\n")
    result = subprocess.run([BUILD_IPK, str(tmp_path / "out"), str(control)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert str(control) in result.stderr and "Maintainer" in result.stderr
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out")


@pytest.mark.parametrize("path", packages())
def test_every_package_says_it_is_mit_licensed(path):
    assert Ipk(path).control.get("License") == "MIT"
    with open(os.path.join(SOURCE_DIR, "LICENSE")) as f:
        assert f.readline().strip() == "MIT License"


@pytest.mark.parametrize("path", packages())
def test_source_field_names_the_recipe_as_oe_writes_it(path):
    c = Ipk(path).control
    recipe = {"stbfailover-dev": "stbfailover"}.get(c["Package"], c["Package"])  # ${PN}-dev
    assert c["Source"] == f"{recipe}_{VERSION}.bb"


def test_plugin_postrm_is_an_executable_shell_script(plugin):
    info, content = plugin.control_entries["./postrm"]
    assert info.mode == 0o755
    assert content.startswith(b"#!/bin/sh\n") and b"__pycache__" in content



@pytest.fixture(scope="module")
def dev():
    assert DEV_IPK, "no -dev package in this build"
    return Ipk(DEV_IPK)


def test_dev_package_holds_headers_static_library_and_pkg_config(dev):
    c = dev.control
    assert c["Package"] == "stbfailover-dev" and c["Architecture"] == ARCH
    assert c["License"] == "MIT" and c["Depends"] == f"stbfailover (= {VERSION})"
    files = dev.data_files()
    headers = {p for p in files if p.startswith("/usr/include/stbf/")}
    for folder in ("core/include/stbf", "platform/include/stbf"):
        for name in os.listdir(os.path.join(SOURCE_DIR, folder)):
            path = "/usr/include/stbf/" + name
            assert path in headers, path
            with open(os.path.join(SOURCE_DIR, folder, name), "rb") as f:
                assert files[path][1] == f.read(), path
    assert files["/usr/lib/libstbf_core.a"][1].startswith(b"!<arch>\n")
    pc = files["/usr/lib/pkgconfig/stbfailover.pc"][1].decode()
    assert "prefix=/usr\n" in pc and f"Version: {VERSION}\n" in pc
    assert "Libs: -L${libdir} -lstbf_core" in pc and "Cflags: -I${includedir}" in pc
    assert set(files) == headers | {"/usr/lib/libstbf_core.a", "/usr/lib/pkgconfig/stbfailover.pc"}


def test_dev_package_builds_a_program_against_the_c_api(dev, tmp_path):
    if CROSS:
        pytest.skip("the host cannot link the target's library")
    root = tmp_path / "root"
    for path, (info, content) in dev.data_files().items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    program = tmp_path / "embed.c"
    program.write_text('#include <stdio.h>\n#include <stbf/stbf.h>\n'
                       'int main(void) {\n'
                       '    printf("%u %u\\n", (unsigned)(stbf_config_size() > 0),\n'
                       '           (unsigned)(stbf_engine_size() > 0));\n'
                       '    return 0;\n}\n')
    env = dict(ENV, PKG_CONFIG_SYSROOT_DIR=str(root),
               PKG_CONFIG_LIBDIR=str(root / "usr/lib/pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "stbfailover"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert flags.returncode == 0, flags.stderr
    obj = tmp_path / "embed.o"
    subprocess.run(["cc", "-c", str(program), "-o", str(obj)] + flags.stdout.split(),
                   check=True, timeout=120)
    exe = tmp_path / "embed"
    sanitize = ["-fsanitize=address,undefined"] if SANITIZE else []
    subprocess.run(["c++", str(obj), "-o", str(exe)] + flags.stdout.split() + sanitize,
                   check=True, timeout=120)
    assert subprocess.run([str(exe)], capture_output=True, text=True,
                          timeout=30).stdout == "1 1\n"
