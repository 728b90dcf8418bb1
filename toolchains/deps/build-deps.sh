#!/bin/bash
# build-deps.sh [--mbedtls 2|3] [--libc glibc|musl] ARCH...: build the target libraries
# stbfailover needs.
#
# For each ARCH (a toolchain file name: armv7ahf-neon, cortexa15hf-neon-vfpv4, cortexa7hf,
# mips32el, aarch64; or "host" for the build machine) this installs static libraries of
#   cJSON      from Debian's source package (bookworm)
#   mbedTLS    from Debian's source package: series 2 = 2.28 (bookworm), 3 = 3.6 (trixie)
#   GoogleTest from Debian's libgtest-dev sources in /usr/src/googletest (tests only; glibc)
#   the exec shim of qemu-run.sh (toolchains/qemu-exec, tests only; glibc)
#   musl       with --libc musl (the static drop-in flavour): Debian's musl source package
#              (bookworm) built with the cross compiler and the toolchain file's tune flags
#              (so mips32el gets MIPS32 release 1 code, unlike Debian's r2 libc), installed in
#              $STBF_DEPS_ROOT/ARCH-musl/musl with the glibc compat object of
#              toolchains/musl; cJSON/mbedTLS/GoogleTest are then built against it into
#              $STBF_DEPS_ROOT/ARCH-musl/mbedtls-SERIES. One musl build serves both series.
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
libc=glibc
jobs=${STBF_DEPS_JOBS:-2}

die() { echo "build-deps.sh: $*" >&2; exit 1; }
# shellcheck source=debian-sources.sh
. "$here/debian-sources.sh"
usage() {
    echo "usage: build-deps.sh [--mbedtls 2|3] [--libc glibc|musl] ARCH..." >&2
    echo "  ARCH: host or one of: $(cd "$toolchains" && ls ./*.cmake | sed 's|./||; s|\.cmake$||' |
        grep -v -e debian-cross -e oe-sdk | tr '\n' ' ')" >&2
    exit 2
}

archs=()
while [ $# -gt 0 ]; do
    case $1 in
        --mbedtls) [ $# -ge 2 ] || usage; series=$2; shift 2 ;;
        --libc) [ $# -ge 2 ] || usage; libc=$2; shift 2 ;;
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
musl_suite=bookworm
case $libc in glibc|musl) ;; *) die "--libc must be glibc or musl, not '$libc'" ;; esac

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
    # musl builds go only into the static drop-in binary (non-PIE, built for size, linked with
    # section GC): small code, every function in its own section. glibc builds stay PIC.
    local kind=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_POSITION_INDEPENDENT_CODE=ON)
    [ "$libc" = musl ] && kind=(-DCMAKE_BUILD_TYPE=MinSizeRel -DCMAKE_POSITION_INDEPENDENT_CODE=OFF
        "-DCMAKE_C_FLAGS_MINSIZEREL=-Os -DNDEBUG -ffunction-sections -fdata-sections -fno-unwind-tables -fno-asynchronous-unwind-tables")
    cmake -S "$src" -B "$build" -G Ninja "${kind[@]}" \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
        -DBUILD_SHARED_LIBS=OFF "$@" \
        >"$build.log" 2>&1 || die "configure of $src failed, see $build.log"
    cmake --build "$build" -j "$jobs" >>"$build.log" 2>&1 || die "build of $src failed, see $build.log"
    cmake --install "$build" >>"$build.log" 2>&1 || die "install of $src failed, see $build.log"
}

# toolchain_value ARCH NAME: a set(NAME value) of toolchains/ARCH.cmake (quotes removed).
toolchain_value() {
    sed -n "s/^set($2 \"\{0,1\}\([^\")]*\)\"\{0,1\})\$/\1/p" "$toolchains/$1.cmake" | head -1
}

# build_musl ARCH: musl for ARCH's compiler and tune flags in $deps_root/ARCH-musl/musl (cached).
build_musl() {
    local arch=$1 dir=$deps_root/$1-musl/musl triple flags src stamp_text cc
    triple=$(toolchain_value "$arch" STBF_CROSS_TRIPLE)
    flags=$(toolchain_value "$arch" STBF_CROSS_FLAGS)
    [ -n "$triple" ] || die "no STBF_CROSS_TRIPLE in $toolchains/$arch.cmake"
    command -v "$triple-gcc" >/dev/null || die "$triple-gcc not found (apt-get install g++-$triple)"
    # Only static, non-PIE binaries link this musl (debian-cross.cmake): no PIC code, and on MIPS
    # non-PIC abicalls code (-mplt), as for the binary's own objects.
    flags+=" -fno-pie"
    case $triple in mips*) flags+=" -mplt" ;; esac
    src=$(unpack_source musl "$musl_suite")
    stamp_text=$(printf '%s\n' "$(basename "$src")" "$triple" "$flags" "$(cat "$toolchains"/musl/*)" \
        "$("$triple-gcc" --version | head -1)" | sha256sum | cut -c1-16)
    if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp_text" ]; then
        echo "build-deps.sh: $arch $(basename "$src") up to date in $dir"
        return
    fi
    echo "build-deps.sh: building $(basename "$src") for $arch ($flags)"
    local work=$deps_root/work/$arch-musl
    rm -rf "$dir" "$work"
    mkdir -p "$work" "$dir"
    cc="$triple-gcc"
    command -v ccache >/dev/null && [ -n "${CMAKE_C_COMPILER_LAUNCHER:-}" ] && cc="ccache $cc"
    (cd "$work" && CC="$cc" CFLAGS="$flags" CROSS_COMPILE="$triple-" "$src/configure" \
        --target="$triple" --prefix="$dir" --disable-shared >"$work.log" 2>&1 &&
        make -j "$jobs" >>"$work.log" 2>&1 && make install >>"$work.log" 2>&1) ||
        die "musl build for $arch failed, see $work.log"
    # Linux UAPI headers (the socket and epoll code needs <linux/...>) from the cross sysroot.
    local d
    for d in linux asm asm-generic mtd; do
        [ -d "/usr/$triple/include/$d" ] && ln -sfn "/usr/$triple/include/$d" "$dir/include/$d"
    done
    rm -rf "$work"
    echo "$stamp_text" > "$dir/.stamp"
    echo "build-deps.sh: $arch musl installed in $dir"
}

# ---- glibc floor: an older suite's glibc as the link sysroot of the dynamic flavour --------
# The dynamic binary needs the glibc symbol versions of the headers and libc.so it is linked
# against. Linking against Debian 11's glibc 2.31 makes it run on every image with glibc >=
# 2.31 (the floor, toolchains/README.md; checked by tests/packaging/check_glibc_floor.sh).
# Debian 11's cross sysroot packages (libc6-ARCH-cross, libc6-dev-ARCH-cross,
# linux-libc-dev-ARCH-cross: Architecture all, listed in the host's own index, so no foreign
# architecture is needed) are downloaded through a private apt configuration with deb lines
# derived from the machine's sources, and unpacked with dpkg-deb into the build tree
# (nothing is installed). Their linker scripts name /usr/TRIPLE/lib/...: rewritten to the
# unpacked copy so the link cannot pick the machine's newer glibc.
glibc_floor_suite=bullseye
glibc_floor_version=2.31
debian_arch_of() {
    case $1 in
        arm-linux-gnueabihf) echo armhf ;;
        aarch64-linux-gnu) echo arm64 ;;
        mipsel-linux-gnu) echo mipsel ;;
        *) die "no Debian architecture known for $1" ;;
    esac
}
build_glibc_floor() {
    local arch=$1 triple debarch dir bin_dir opts pkg f
    triple=$(toolchain_value "$arch" STBF_CROSS_TRIPLE)
    debarch=$(debian_arch_of "$triple")
    dir=$deps_root/sysroot-glibc-$glibc_floor_version/$triple
    [ -f "$dir/.unpacked" ] && return 0
    echo "build-deps.sh: unpacking glibc $glibc_floor_version ($glibc_floor_suite cross sysroot, $debarch) into $dir"
    bin_dir=$deps_root/apt-$glibc_floor_suite
    mkdir -p "$bin_dir/lists/partial" "$bin_dir/cache/archives/partial" "$bin_dir/debs-$debarch"
    debian_apt_lines deb "$glibc_floor_suite" > "$bin_dir/sources.list" ||
        die "cannot derive deb lines from the apt configuration"
    opts=(-o "Dir::Etc::SourceList=$bin_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$bin_dir/lists" -o "Dir::Cache=$bin_dir/cache"
          -o "Dir::State::Status=/dev/null" -o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0")
    if [ -z "$(find "$bin_dir/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
        apt-get "${opts[@]}" -q update >"$bin_dir/update.log" 2>&1 ||
            die "apt-get update for $glibc_floor_suite failed, see $bin_dir/update.log"
    fi
    rm -f "$bin_dir/debs-$debarch"/*.deb
    (cd "$bin_dir/debs-$debarch" && apt-get "${opts[@]}" -q download "libc6-$debarch-cross" \
        "libc6-dev-$debarch-cross" "linux-libc-dev-$debarch-cross" >"$bin_dir/download-$debarch.log" 2>&1) ||
        die "downloading the $glibc_floor_suite glibc for $debarch failed, see $bin_dir/download-$debarch.log"
    rm -rf "$dir" && mkdir -p "$dir"
    for pkg in "$bin_dir/debs-$debarch"/*.deb; do
        dpkg-deb -x "$pkg" "$dir" || die "cannot unpack $pkg"
    done
    [ -f "$dir/usr/$triple/lib/libc.so.6" ] || die "$dir holds no libc.so.6 for $triple"
    for f in "$dir/usr/$triple"/lib/*.so; do
        if [ -f "$f" ] && [ ! -L "$f" ] && grep -q '^GROUP' "$f"; then
            sed -i "s|/usr/$triple/lib/|$dir/usr/$triple/lib/|g" "$f"
        fi
    done
    touch "$dir/.unpacked"
}

# runtime_objects ARCH LIBC_INCLUDE OUTDIR: the objects debian-cross.cmake links into every
# receiver binary, compiled for ARCH against the given libc headers:
#   stbf-glibc-compat.o   toolchains/musl/glibc_compat.c: what Debian's libstdc++.a and
#                         libgcc_eh.a take from a newer glibc than the one linked against
#   stbf-mips32r1-eh.o    MIPS32 release 1 tunes only: toolchains/musl/mips32r1_eh.c replaces
#                         the r2-built C++ exception runtime of Debian's mipsel libraries
runtime_objects() {
    local triple flags weak=
    triple=$(toolchain_value "$1" STBF_CROSS_TRIPLE)
    flags=$(toolchain_value "$1" STBF_CROSS_FLAGS)
    [ "$libc" = glibc ] && weak=-DSTBF_WEAK_PTHREAD
    local cc=("$triple-gcc" $flags $weak -Os -Wall -Wextra -Werror -nostdinc
              -isystem "$("$triple-gcc" -print-file-name=include)" -isystem "$2")
    "${cc[@]}" -c "$toolchains/musl/glibc_compat.c" -o "$3/stbf-glibc-compat.o" ||
        die "compat object for $1 failed"
    case " $flags " in *" -march=mips32 "*)
        "${cc[@]}" -c "$toolchains/musl/mips32r1_eh.c" -o "$3/stbf-mips32r1-eh.o" ||
            die "mips32r1 runtime object for $1 failed" ;;
    esac
}

build_arch() {
    local arch=$1 toolchain_args=() prefix stamp_text libc_stamp=
    if [ "$arch" != host ]; then
        [ -f "$toolchains/$arch.cmake" ] || die "unknown ARCH '$arch' (no $toolchains/$arch.cmake)"
        if [ "$libc" = glibc ]; then
            build_glibc_floor "$arch"
            local floor_triple
            floor_triple=$(toolchain_value "$arch" STBF_CROSS_TRIPLE)
            libc_stamp="glibc-$glibc_floor_version $floor_triple"
        fi
        if [ "$libc" = musl ]; then
            build_musl "$arch"
            libc_stamp=$(cat "$deps_root/$arch-musl/musl/.stamp")
            prefix=$deps_root/$arch-musl/mbedtls-$series
        else
            prefix=$deps_root/$arch/mbedtls-$series
        fi
        toolchain_args=(-DCMAKE_TOOLCHAIN_FILE="$toolchains/$arch.cmake" -DSTBF_DEPS_PREFIX="$prefix"
                        -DSTBF_LIBC="$libc")
    else
        [ "$libc" = glibc ] || die "--libc musl is for receiver architectures, not host"
        prefix=$deps_root/host/mbedtls-$series
    fi
    local cjson_src mbedtls_src
    cjson_src=$(unpack_source cjson "$cjson_suite")
    mbedtls_src=$(unpack_source mbedtls "$mbedtls_suite")
    stamp_text=$(printf '%s\n' "$(basename "$cjson_src")" "$(basename "$mbedtls_src")" \
        "$(cat "$0")" "$( [ "$arch" = host ] || cat "$toolchains/$arch.cmake" "$toolchains/debian-cross.cmake" \
            "$toolchains"/qemu-exec/*)" \
        "$(dpkg-query -W -f '${Version}' googletest 2>/dev/null || true)" "$libc_stamp" \
        "$(cat "$toolchains"/musl/*)" |
        sha256sum | cut -c1-16)
    if [ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$stamp_text" ]; then
        echo "build-deps.sh: $arch mbedtls-$series up to date in $prefix"
        return
    fi
    echo "build-deps.sh: building $(basename "$cjson_src") $(basename "$mbedtls_src") googletest for $arch ($libc)"
    rm -rf "$prefix"
    local work=$deps_root/work/$arch-$libc
    mkdir -p "$prefix" "$work"
    cmake_install "$cjson_src" "$work/cjson" "$prefix" "${toolchain_args[@]}" \
        -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF -DENABLE_TARGET_EXPORT=ON \
        -DENABLE_CUSTOM_COMPILER_FLAGS=OFF
    cmake_install "$mbedtls_src" "$work/mbedtls-$series" "$prefix" "${toolchain_args[@]}" \
        -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
        -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DMBEDTLS_FATAL_WARNINGS=OFF -DGEN_FILES=OFF
    # GoogleTest needs libstdc++'s iostreams, which on musl lack glibc's locale internals: the
    # musl flavour runs the packaging and smoke checks only (tests/CMakeLists.txt).
    if [ "$arch" != host ] && [ "$libc" = glibc ]; then
        [ -d /usr/src/googletest ] || die "/usr/src/googletest missing (apt-get install libgtest-dev)"
        cmake_install /usr/src/googletest "$work/googletest" "$prefix" "${toolchain_args[@]}" \
            -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON
        cmake_install "$toolchains/qemu-exec" "$work/qemu-exec" "$prefix" "${toolchain_args[@]}"
    fi
    if [ "$arch" != host ]; then
        local triple libc_include
        triple=$(toolchain_value "$arch" STBF_CROSS_TRIPLE)
        libc_include=$deps_root/sysroot-glibc-$glibc_floor_version/$triple/usr/$triple/include
        [ "$libc" = glibc ] || libc_include=$deps_root/$arch-musl/musl/include
        runtime_objects "$arch" "$libc_include" "$prefix/lib"
    fi
    rm -rf "$work"
    echo "$stamp_text" > "$prefix/.stamp"
    echo "build-deps.sh: $arch mbedtls-$series installed in $prefix"
}

fetch_index
for arch in "${archs[@]}"; do
    build_arch "$arch"
done
