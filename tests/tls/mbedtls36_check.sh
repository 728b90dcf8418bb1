#!/bin/sh
# Builds and runs the TLS tests against mbedTLS 3.6 (what current OpenEmbedded ships), next to
# the Debian 12 build that uses 2.28. Debian 12 has no 3.6 package, so the source comes from
# Debian 13 (trixie) through a private apt configuration (no change to the system's sources),
# is built as static libraries under $WORK, and the project is configured against it.
#
#   tests/tls/mbedtls36_check.sh [WORK_DIR]      (default /tmp/stbf-mbedtls36)
#
# Needs: apt-get, cmake, ninja, a C/C++ compiler, python3, openssl. About a minute on 2 cores.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/stbf-mbedtls36}
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
# deb-src line derived from the machine's configured Debian mirror (no host named here).
bash "$repo/toolchains/deps/debian-sources.sh" trixie > "$work/apt/sources.list"
apt_opts="-o Dir::Etc::sourcelist=$work/apt/sources.list -o Dir::Etc::sourceparts=-
 -o Dir::State::Lists=$work/apt/lists -o Dir::Cache=$work/apt/cache"
# shellcheck disable=SC2086
apt-get $apt_opts update >/dev/null
cd "$work/src"
# shellcheck disable=SC2086
apt-get $apt_opts source --download-only mbedtls >/dev/null 2>&1
tarball=$(ls mbedtls_3.6*.orig.tar.* | head -n 1)
[ -n "$tarball" ] || { echo "no mbedtls 3.6 source in trixie" >&2; exit 1; }
rm -rf mbedtls-src && mkdir mbedtls-src && tar xf "$tarball" -C mbedtls-src --strip-components=1
cmake -S mbedtls-src -B mbedtls-build -G Ninja -DCMAKE_BUILD_TYPE=Release -DENABLE_TESTING=OFF \
    -DENABLE_PROGRAMS=OFF -DCMAKE_INSTALL_PREFIX="$work/mbedtls" >/dev/null
cmake --build mbedtls-build -j2 >/dev/null
cmake --install mbedtls-build >/dev/null

m=$work/mbedtls
cmake -S "$repo" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTBF_SANITIZE=ON \
    -DSTBF_WITH_TLS=ON -DMBEDTLS_INCLUDE_DIR="$m/include" \
    -DMBEDTLS_TLS_LIBRARY="$m/lib/libmbedtls.a" -DMBEDTLS_X509_LIBRARY="$m/lib/libmbedx509.a" \
    -DMBEDTLS_CRYPTO_LIBRARY="$m/lib/libmbedcrypto.a" >/dev/null
cmake --build "$work/build" -j2 --target tls_stream_test tls_transport_test https_fetch_test \
    server_list_test
cd "$work/build" && ctest -L tls --output-on-failure
