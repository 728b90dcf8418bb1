#!/bin/bash
# binary_sizes.sh [ARCH...]: stripped size of /usr/bin/stbfailover per architecture, dynamic
# (glibc) and static (musl) (default: all five toolchain architectures). Release builds with TLS on, as the
# OE recipe builds, and with STBF_SIZE_TLS=both also without TLS (the smallest boxes' build);
# tests off; only the stbfailover target is built.
# Build dirs: $STBF_MATRIX_ROOT/<arch>-size-<flavour>; deps as for run_matrix.sh.
#
# binary_sizes.sh --budget BYTES ARCH...: only the static binary without TLS (the drop-in for
# the smallest boxes); prints its size and fails when it is larger than BYTES (run_matrix.sh
# holds mips32el to issue #15's 400 KB with it).
set -euo pipefail

budget=
if [ "${1:-}" = --budget ]; then
    budget=$2
    shift 2
fi

source_dir=$(cd "$(dirname "$0")/../.." && pwd)
matrix_root=${STBF_MATRIX_ROOT:-$source_dir/build/matrix}
export STBF_DEPS_ROOT=${STBF_DEPS_ROOT:-$source_dir/build/deps}
series=${STBF_MBEDTLS_SERIES:-2}
[ $# -gt 0 ] || set -- armv7ahf-neon cortexa15hf-neon-vfpv4 cortexa7hf mips32el aarch64
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

# stripped_size ARCH FLAVOUR: builds stbfailover and prints its stripped size in bytes.
stripped_size() {
    local arch=$1 flavour=$2 tls=${3:-ON} build=$matrix_root/$1-size-$2-tls$3 static=OFF strip
    local prefix=$STBF_DEPS_ROOT/$arch/mbedtls-$series
    [ "$flavour" = static ] && static=ON prefix=$STBF_DEPS_ROOT/$arch-musl/mbedtls-$series
    cmake -S "$source_dir" -B "$build" "${generator[@]}" \
        -DCMAKE_TOOLCHAIN_FILE="$source_dir/toolchains/$arch.cmake" \
        -DSTBF_DEPS_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release \
        -DSTBF_BUILD_TESTS=OFF -DSTBF_WITH_TLS=$tls -DSTBF_STATIC=$static >"$build.log" 2>&1 ||
        { echo "configure failed, see $build.log" >&2; return 1; }
    cmake --build "$build" -j 2 --target stbfailover >>"$build.log" 2>&1 ||
        { echo "build failed, see $build.log" >&2; return 1; }
    strip=$(sed -n 's/^CMAKE_STRIP:FILEPATH=//p' "$build/CMakeCache.txt")
    "$strip" --strip-all -o "$build/stbfailover.stripped" "$build/firmware/daemon/stbfailover"
    stat -c %s "$build/stbfailover.stripped"
}

mkdir -p "$matrix_root"
if [ -n "$budget" ]; then
    over=0
    for arch in "$@"; do
        "$source_dir/toolchains/deps/build-deps.sh" --mbedtls "$series" --libc musl "$arch" >/dev/null
        size=$(stripped_size "$arch" static OFF)
        verdict="within $budget"
        [ "$size" -le "$budget" ] || { verdict="OVER the budget of $budget"; over=1; }
        echo "$arch static without TLS: $size bytes stripped, $verdict"
    done
    exit $over
fi
rows=()
for arch in "$@"; do
    "$source_dir/toolchains/deps/build-deps.sh" --mbedtls "$series" "$arch" >/dev/null
    "$source_dir/toolchains/deps/build-deps.sh" --mbedtls "$series" --libc musl "$arch" >/dev/null
    dynamic=$(stripped_size "$arch" dynamic ON)
    static=$(stripped_size "$arch" static ON)
    row=$(printf '%-24s %10s %10s' "$arch" "$dynamic" "$static")
    if [ "${STBF_SIZE_TLS:-on}" = both ]; then
        row+=$(printf ' %12s %12s' "$(stripped_size "$arch" dynamic OFF)" \
            "$(stripped_size "$arch" static OFF)")
    fi
    rows+=("$row")
done
header=$(printf '%-24s %10s %10s' "arch (mbedtls $series)" "dynamic" "static")
[ "${STBF_SIZE_TLS:-on}" = both ] && header+=$(printf ' %12s %12s' "dyn no-TLS" "static no-TLS")
printf '%s\n' "$header"
printf '%s\n' "${rows[@]}"
