"""toolchains/oe-sdk.cmake against a stand-in for a sourced OpenEmbedded SDK environment: the
variables an environment-setup-cortexa15hf-neon-vfpv4-oe-linux-gnueabi script exports, with
Debian's ARM cross compiler and a sysroot made of links into its target directory."""
import os
import re
import shutil
import subprocess

import pytest

SOURCE_DIR = os.environ["STBF_SOURCE_DIR"]
TOOLCHAIN = os.path.join(SOURCE_DIR, "toolchains", "oe-sdk.cmake")
PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oe_sdk_probe")
TRIPLE = "arm-linux-gnueabihf"
TUNE = "-march=armv7ve -mcpu=cortex-a15 -mfpu=neon-vfpv4 -mfloat-abi=hard"


@pytest.fixture
def sdk_env(tmp_path):
    for tool in (f"{TRIPLE}-g++", f"{TRIPLE}-gcc", "qemu-arm", "cmake"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} not found (Debian: g++-{TRIPLE} qemu-user cmake)")
    sysroot = tmp_path / "sysroots" / "cortexa15hf-neon-vfpv4-oe-linux-gnueabi"
    (sysroot / "usr").mkdir(parents=True)
    (sysroot / "lib").symlink_to(f"/usr/{TRIPLE}/lib")
    (sysroot / "usr" / "lib").symlink_to(f"/usr/{TRIPLE}/lib")
    (sysroot / "usr" / "include").symlink_to(f"/usr/{TRIPLE}/include")
    env = dict(os.environ)
    env.update({
        "SDKTARGETSYSROOT": str(sysroot),
        "OECORE_NATIVE_SYSROOT": str(tmp_path / "sysroots" / "x86_64-oesdk-linux"),
        "OECORE_TARGET_ARCH": "arm",
        "OECORE_TARGET_OS": "linux-gnueabi",
        "CC": f"{TRIPLE}-gcc {TUNE} --sysroot={sysroot}",
        "CXX": f"{TRIPLE}-g++ {TUNE} --sysroot={sysroot}",
        "CFLAGS": "-O2 -pipe -g",
        "CXXFLAGS": "-O2 -pipe -g",
        "LDFLAGS": "-Wl,-O1 -Wl,--hash-style=gnu -Wl,--as-needed",
        "STBF_PACKAGE_ARCH": "cortexa15hf-neon-vfpv4",
    })
    return env, sysroot


def cmake(args, env, cwd=None):
    return subprocess.run(["cmake"] + args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def cache(build):
    values = {}
    for line in open(os.path.join(build, "CMakeCache.txt")):
        m = re.match(r"^([A-Za-z_]+):[A-Z]+=(.*)$", line.strip())
        if m:
            values[m.group(1)] = m.group(2)
    return values


def test_sdk_environment_configures_builds_and_runs_under_qemu(sdk_env, tmp_path):
    env, sysroot = sdk_env
    build = str(tmp_path / "build")
    result = cmake(["-S", PROBE, "-B", build, f"-DCMAKE_TOOLCHAIN_FILE={TOOLCHAIN}"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    values = cache(build)
    assert values["CMAKE_CXX_COMPILER_AR"].startswith(f"/usr/bin/{TRIPLE}-")
    flags = values["CMAKE_CXX_FLAGS"].split()
    assert "-mcpu=cortex-a15" in flags and "-mfpu=neon-vfpv4" in flags
    assert not [f for f in flags if f.startswith("--sysroot")]  # CMAKE_SYSROOT passes it once
    assert flags.count("-pipe") == 1
    assert values["STBF_PACKAGE_ARCH"] == "cortexa15hf-neon-vfpv4"
    assert values["PROBE_STDIO_DIR"].startswith(str(sysroot))
    with open(os.path.join(build, "CTestTestfile.cmake")) as f:
        assert "qemu-run.sh" in f.read()
    result = cmake(["--build", build], env)
    assert result.returncode == 0, result.stdout + result.stderr
    test = subprocess.run(["ctest", "--test-dir", build, "--output-on-failure"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert test.returncode == 0, test.stdout + test.stderr


def test_missing_sdk_environment_is_a_clear_error(sdk_env, tmp_path):
    env, _ = sdk_env
    del env["CC"]
    result = cmake(["-S", PROBE, "-B", str(tmp_path / "build"),
                    f"-DCMAKE_TOOLCHAIN_FILE={TOOLCHAIN}"], env)
    assert result.returncode != 0
    assert "CC is not set" in result.stderr and "environment-setup" in result.stderr
