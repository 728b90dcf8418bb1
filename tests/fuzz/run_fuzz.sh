#!/bin/sh
# Build every fuzz target (tests/fuzz/CMakeLists.txt, STBF_FUZZ=ON) with clang's libFuzzer +
# ASan + UBSan and run each for SECONDS (default 60). Seeds come from tests/fuzz/corpus/<target>/
# (read only); new inputs go to a work corpus under OUT; tests/fuzz/<target>.dict, where there
# is one, holds the format's words. The build is the project's own (CMake decides what each
# target links), so the script never lists sources. Exit status is non-zero if any target found
# a crash.
#
#   tests/fuzz/run_fuzz.sh [SECONDS] [OUT]        (OUT default: build/fuzz)
set -eu
SECONDS_PER_TARGET=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${2:-$ROOT/build/fuzz}
CC_FUZZ=${CC_FUZZ:-clang-14}
CXX_FUZZ=${CXX_FUZZ:-clang++-14}
TARGETS=$(sed -n 's/^ *foreach(t \(.*\))$/\1/p' "$ROOT/tests/fuzz/CMakeLists.txt" | grep cccam_cfg)
[ -n "$TARGETS" ] || { echo "run_fuzz.sh: no target list in tests/fuzz/CMakeLists.txt" >&2; exit 2; }
mkdir -p "$OUT"
CC=$CC_FUZZ CXX=$CXX_FUZZ cmake -S "$ROOT" -B "$OUT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTBF_FUZZ=ON -DSTBF_SANITIZE=ON >"$OUT/configure.log" 2>&1 ||
    { echo "configure failed, see $OUT/configure.log" >&2; exit 2; }
build_targets=""
for target in $TARGETS; do build_targets="$build_targets --target fuzz_$target"; done
# shellcheck disable=SC2086
cmake --build "$OUT/build" -j 2 $build_targets >"$OUT/build.log" 2>&1 ||
    { echo "build failed, see $OUT/build.log" >&2; exit 2; }
status=0
for target in $TARGETS; do
    mkdir -p "$OUT/work/$target" "$OUT/artifacts/$target"
    dict=""
    [ -f "$ROOT/tests/fuzz/$target.dict" ] && dict="-dict=$ROOT/tests/fuzz/$target.dict"
    echo "== fuzz_$target for ${SECONDS_PER_TARGET}s"
    # shellcheck disable=SC2086
    if ! "$OUT/build/tests/fuzz/fuzz_$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 \
            -timeout=10 -artifact_prefix="$OUT/artifacts/$target/" -print_final_stats=1 $dict \
            "$OUT/work/$target" "$ROOT/tests/fuzz/corpus/$target" 2>"$OUT/$target.log"; then
        status=1
        echo "   FOUND A CRASH: see $OUT/$target.log and $OUT/artifacts/$target/"
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^Done" "$OUT/$target.log" || true
done
exit $status
