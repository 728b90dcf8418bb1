#!/bin/sh
# qemu-run.sh [--preload SHIM] QEMU SYSROOT PROGRAM [ARGS...]: run a target program under
# qemu-user. Used as CMAKE_CROSSCOMPILING_EMULATOR by the toolchain files (gtest discovery,
# ctest).
#  - -L SYSROOT: the target's dynamic loader and libraries come from the cross sysroot.
#  - LD_LIBRARY_PATH is set for the guest only (-E), so the guest's loader finds libstdc++ and
#    the sanitizer runtimes there instead of consulting the host's ld.so.cache.
#  - SHIM (qemu-exec/qemu_exec_shim.c, built by build-deps.sh) is preloaded into the guest so
#    that target programs it starts (tests run the real daemon) run under qemu too.
#  - LeakSanitizer cannot run under qemu-user (it needs ptrace-like stop-the-world), and ASan
#    reads its options from /proc/self/environ, which qemu does not rewrite for -E: so
#    ASAN_OPTIONS goes into the real environment of the qemu process; the preloaded shim comes
#    before the ASan runtime, hence verify_asan_link_order=0.
set -eu
shim=
if [ "${1:-}" = --preload ]; then
    shim=$2
    shift 2
fi
if [ "$#" -lt 3 ]; then
    echo "usage: qemu-run.sh [--preload SHIM] QEMU SYSROOT PROGRAM [ARGS...]" >&2
    exit 2
fi
qemu=$(command -v "$1" || true)
sysroot=$2
shift 2
if [ -z "$qemu" ]; then
    echo "qemu-run.sh: qemu-user binary not found (apt-get install qemu-user)" >&2
    exit 127
fi
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
#  - 32-bit ARM guests: ASan's shadow covers user memory up to 0xbfffffff (the kernel's 3G/1G
#    split), but qemu-arm gives the guest all 4 GiB and hands out mmap addresses top-down
#    without reusing holes until it wraps above 0xc0000000. Freed chunks held in ASan's
#    quarantine make it wrap within a few hundred MiB of churn, and ASan then crashes on an
#    address outside its shadow. No quarantine (freed memory is unmapped at once and its
#    address reused) keeps every mapping inside the shadow; use-after-free of heap memory is
#    still caught by the host's full ASan run.
case ${qemu##*/} in
    qemu-arm|qemu-armeb) ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0" ;;
esac
export ASAN_OPTIONS
library_path=$sysroot/lib:$sysroot/usr/lib
if [ -n "$shim" ] && [ -f "$shim" ]; then
    exec "$qemu" -L "$sysroot" -E "LD_LIBRARY_PATH=$library_path" -E "LD_PRELOAD=$shim" \
        -E "STBF_QEMU_BIN=$qemu" -E "STBF_QEMU_SYSROOT=$sysroot" "$@"
fi
exec "$qemu" -L "$sysroot" -E "LD_LIBRARY_PATH=$library_path" "$@"
