#!/bin/sh
# qemu-run.sh QEMU SYSROOT PROGRAM [ARGS...]: run a target program under qemu-user.
# Used as CMAKE_CROSSCOMPILING_EMULATOR by the toolchain files (gtest discovery, ctest).
#  - -L SYSROOT: the target's dynamic loader and libraries come from Debian's cross sysroot.
#  - LD_LIBRARY_PATH is set for the guest only (-E), so the guest's loader finds libstdc++ and
#    the sanitizer runtimes there instead of consulting the host's ld.so.cache.
#  - LeakSanitizer cannot run under qemu-user (it needs ptrace-like stop-the-world), and ASan
#    reads its options from /proc/self/environ, which qemu does not rewrite for -E: so
#    detect_leaks=0 goes into the real environment of the qemu process.
set -eu
if [ "$#" -lt 3 ]; then
    echo "usage: qemu-run.sh QEMU SYSROOT PROGRAM [ARGS...]" >&2
    exit 2
fi
qemu=$1
sysroot=$2
shift 2
if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "qemu-run.sh: $qemu not found (apt-get install qemu-user)" >&2
    exit 127
fi
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
exec "$qemu" -L "$sysroot" -E "LD_LIBRARY_PATH=$sysroot/lib:$sysroot/usr/lib" "$@"
