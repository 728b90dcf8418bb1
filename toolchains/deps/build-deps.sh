#!/bin/bash
# build-deps.sh [--mbedtls 2|3] ARCH...: build the target libraries stbfailover needs.
#
# For each ARCH (a toolchain file name: armv7ahf-neon, cortexa15hf-neon-vfpv4, cortexa7hf,
# mips32el, aarch64; or "host" for the build machine) this installs static libraries of
#   cJSON      from Debian's source package (bookworm)
#   mbedTLS    from Debian's source package: series 2 = 2.28 (bookworm), 3 = 3.6 (trixie)
#   GoogleTest from Debian's libgtest-dev sources in /usr/src/googletest (tests only)
#   the exec shim of qemu-run.sh (toolchains/qemu-exec, tests only)
# into $STBF_DEPS_ROOT/ARCH/mbedtls-SERIES (default build/deps/... in the source tree), which
# is where the toolchain files look. No third-party source is committed and nothing comes
# from outside Debian: the sources are fetched with `apt-get source` through a private apt
# configuration (deb-src lines only, derived from the machine's configured Debian mirrors by
# debian-sources.sh) under $STBF_DEPS_ROOT/apt; the host's apt setup and package
# architectures are left untouched.
#
# Cached: a prefix whose stamp matches (versions, toolchain file, this script) is reused.
# Needs: apt-get, dpkg-source (dpkg-dev), cmake, and the cross g++ for ARCH.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
toolchains=$(dirname "$here")
source_tree=$(dirname "$toolchains")
deps_root=${STBF_DEPS_ROOT:-$source_tree/build/deps}
series=${STBF_MBEDTLS_SERIES:-2}
jobs=${STBF_DEPS_JOBS:-2}

die() { echo "build-deps.sh: $*" >&2; exit 1; }
# shellcheck source=debian-sources.sh
. "$here/debian-sources.sh"
usage() {
    echo "usage: build-deps.sh [--mbedtls 2|3] ARCH..." >&2
    echo "  ARCH: host or one of: $(cd "$toolchains" && ls ./*.cmake | sed 's|./||; s|\.cmake$||' |
        grep -v -e debian-cross -e oe-sdk | tr '\n' ' ')" >&2
    exit 2
}

archs=()
while [ $# -gt 0 ]; do
    case $1 in
        --mbedtls) [ $# -ge 2 ] || usage; series=$2; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "build-deps.sh: unknown option $1" >&2; usage ;;
        *) archs+=("$1"); shift ;;
    esac
done
[ ${#archs[@]} -gt 0 ] || usage
case $series in
    2) mbedtls_suite=bookworm ;;
    3) mbedtls_suite=trixie ;;
    *) die "--mbedtls must be 2 (2.28) or 3 (3.6), not '$series'" ;;
esac
cjson_suite=bookworm

# ---- sources through a private apt configuration --------------------------------------------
apt_dir=$deps_root/apt
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1")
fetch_index() {
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    # deb-src lines for the suites the packages come from, derived from the machine's own
    # apt sources (debian-sources.sh): the tree names no mirror host.
    debian_deb_src_lines bookworm bookworm-updates bookworm-security trixie trixie-security \
        > "$apt_dir/sources.list.new" || die "cannot derive deb-src lines from the apt configuration"
    if ! cmp -s "$apt_dir/sources.list.new" "$apt_dir/sources.list"; then
        rm -f "$apt_dir"/lists/*Sources* "$apt_dir"/lists/*Release*  # another mirror: fetch anew
    fi
    mv "$apt_dir/sources.list.new" "$apt_dir/sources.list"
    # One index download per day is enough: source versions in a stable suite rarely move.
    if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Sources*' -mmin -1440 2>/dev/null)" ]; then
        apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1 ||
            die "apt-get update for deb-src failed, see $apt_dir/update.log"
    fi
}

# Prints the version of source package $1 that apt picks in suite $2 (from its .dsc name).
source_version() {
    apt-get "${apt_opts[@]}" source --print-uris "$1/$2" 2>/dev/null |
        sed -n "s/^'[^']*' $1_\\([^ ]*\\)\\.dsc .*/\\1/p" | head -1
}

# Unpacks source package $1 from suite $2 (Debian patches applied) below $deps_root/src and
# prints the directory.
unpack_source() {
    local pkg=$1 suite=$2 version dir
    version=$(source_version "$pkg" "$suite")
    [ -n "$version" ] || die "no source package $pkg in $suite (see $apt_dir/update.log)"
    dir=$deps_root/src/${pkg}_$version
    if [ ! -f "$dir/.unpacked" ]; then
        rm -rf "$dir" "$dir.tmp"
        mkdir -p "$dir.tmp"
        (cd "$dir.tmp" && apt-get "${apt_opts[@]}" -q source "$pkg/$suite" >fetch.log 2>&1) ||
            die "apt-get source $pkg/$suite failed, see $dir.tmp/fetch.log"
        local unpacked
        unpacked=$(find "$dir.tmp" -mindepth 1 -maxdepth 1 -type d | head -1)
        [ -n "$unpacked" ] || die "apt-get source $pkg/$suite unpacked nothing"
        mv "$unpacked" "$dir"
        rm -rf "$dir.tmp"
        touch "$dir/.unpacked"
    fi
    echo "$dir"
}

# ---- build -------------------------------------------------------------------------------
# cmake_install SRC BUILD PREFIX TOOLCHAIN_ARGS... -- CMAKE_ARGS...
cmake_install() {
    local src=$1 build=$2 prefix=$3
    shift 3
    rm -rf "$build"
    cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
        -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_SHARED_LIBS=OFF "$@" \
        >"$build.log" 2>&1 || die "configure of $src failed, see $build.log"
    cmake --build "$build" -j "$jobs" >>"$build.log" 2>&1 || die "build of $src failed, see $build.log"
    cmake --install "$build" >>"$build.log" 2>&1 || die "install of $src failed, see $build.log"
}

build_arch() {
    local arch=$1 toolchain_args=() prefix stamp_text
    if [ "$arch" != host ]; then
        [ -f "$toolchains/$arch.cmake" ] || die "unknown ARCH '$arch' (no $toolchains/$arch.cmake)"
        prefix=$deps_root/$arch/mbedtls-$series
        toolchain_args=(-DCMAKE_TOOLCHAIN_FILE="$toolchains/$arch.cmake" -DSTBF_DEPS_PREFIX="$prefix")
    else
        prefix=$deps_root/host/mbedtls-$series
    fi
    local cjson_src mbedtls_src
    cjson_src=$(unpack_source cjson "$cjson_suite")
    mbedtls_src=$(unpack_source mbedtls "$mbedtls_suite")
    stamp_text=$(printf '%s\n' "$(basename "$cjson_src")" "$(basename "$mbedtls_src")" \
        "$(cat "$0")" "$( [ "$arch" = host ] || cat "$toolchains/$arch.cmake" "$toolchains/debian-cross.cmake" \
            "$toolchains"/qemu-exec/*)" \
        "$(dpkg-query -W -f '${Version}' googletest 2>/dev/null || true)" | sha256sum | cut -c1-16)
    if [ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$stamp_text" ]; then
        echo "build-deps.sh: $arch mbedtls-$series up to date in $prefix"
        return
    fi
    echo "build-deps.sh: building $(basename "$cjson_src") $(basename "$mbedtls_src") googletest for $arch"
    rm -rf "$prefix"
    mkdir -p "$prefix" "$deps_root/work/$arch"
    local work=$deps_root/work/$arch
    cmake_install "$cjson_src" "$work/cjson" "$prefix" "${toolchain_args[@]}" \
        -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF -DENABLE_TARGET_EXPORT=ON \
        -DENABLE_CUSTOM_COMPILER_FLAGS=OFF
    cmake_install "$mbedtls_src" "$work/mbedtls-$series" "$prefix" "${toolchain_args[@]}" \
        -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
        -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DMBEDTLS_FATAL_WARNINGS=OFF -DGEN_FILES=OFF
    if [ "$arch" != host ]; then
        [ -d /usr/src/googletest ] || die "/usr/src/googletest missing (apt-get install libgtest-dev)"
        cmake_install /usr/src/googletest "$work/googletest" "$prefix" "${toolchain_args[@]}" \
            -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON
        cmake_install "$toolchains/qemu-exec" "$work/qemu-exec" "$prefix" "${toolchain_args[@]}"
    fi
    rm -rf "$work"
    echo "$stamp_text" > "$prefix/.stamp"
    echo "build-deps.sh: $arch mbedtls-$series installed in $prefix"
}

fetch_index
for arch in "${archs[@]}"; do
    build_arch "$arch"
done
