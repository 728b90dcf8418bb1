#!/bin/bash
# binary_sizes.sh [ARCH...]: stripped size of /usr/bin/stbfailover per architecture, dynamic
# and static (default: all five toolchain architectures). Release builds with TLS on, as the
# OE recipe builds; tests off; only the stbfailover target is built.
# Build dirs: $STBF_MATRIX_ROOT/<arch>-size-<flavour>; deps as for run_matrix.sh.
set -euo pipefail

source_dir=$(cd "$(dirname "$0")/../.." && pwd)
matrix_root=${STBF_MATRIX_ROOT:-$source_dir/build/matrix}
export STBF_DEPS_ROOT=${STBF_DEPS_ROOT:-$source_dir/build/deps}
series=${STBF_MBEDTLS_SERIES:-2}
[ $# -gt 0 ] || set -- armv7ahf-neon cortexa15hf-neon-vfpv4 cortexa7hf mips32el aarch64
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

# stripped_size ARCH FLAVOUR: builds stbfailover and prints its stripped size in bytes.
stripped_size() {
    local arch=$1 flavour=$2 build=$matrix_root/$1-size-$2 static=OFF strip
    [ "$flavour" = static ] && static=ON
    cmake -S "$source_dir" -B "$build" "${generator[@]}" \
        -DCMAKE_TOOLCHAIN_FILE="$source_dir/toolchains/$arch.cmake" \
        -DSTBF_DEPS_PREFIX="$STBF_DEPS_ROOT/$arch/mbedtls-$series" -DCMAKE_BUILD_TYPE=Release \
        -DSTBF_BUILD_TESTS=OFF -DSTBF_WITH_TLS=ON -DSTBF_STATIC=$static >"$build.log" 2>&1 ||
        { echo "configure failed, see $build.log" >&2; return 1; }
    cmake --build "$build" -j 2 --target stbfailover >>"$build.log" 2>&1 ||
        { echo "build failed, see $build.log" >&2; return 1; }
    strip=$(sed -n 's/^CMAKE_STRIP:FILEPATH=//p' "$build/CMakeCache.txt")
    "$strip" --strip-all -o "$build/stbfailover.stripped" "$build/firmware/daemon/stbfailover"
    stat -c %s "$build/stbfailover.stripped"
}

mkdir -p "$matrix_root"
rows=()
for arch in "$@"; do
    "$source_dir/toolchains/deps/build-deps.sh" --mbedtls "$series" "$arch" >/dev/null
    dynamic=$(stripped_size "$arch" dynamic)
    static=$(stripped_size "$arch" static)
    rows+=("$(printf '%-24s %10s %10s' "$arch" "$dynamic" "$static")")
done
printf '%-24s %10s %10s\n' "arch (mbedtls $series, TLS on)" "dynamic" "static"
printf '%s\n' "${rows[@]}"
