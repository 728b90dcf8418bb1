#!/bin/sh
# Build the config-reader fuzz targets with clang's libFuzzer + ASan + UBSan and run each for
# SECONDS (default 60). Seeds come from tests/fuzz/corpus/<target>/ (read only); new inputs
# go to a work corpus under OUT; tests/fuzz/<target>.dict holds each format's words. Exit
# status is non-zero if any target found a crash.
#
#   tests/fuzz/run_fuzz.sh [SECONDS] [OUT]        (OUT default: build/fuzz)
set -eu
SECONDS_PER_TARGET=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${2:-$ROOT/build/fuzz}
CXX=${CXX_FUZZ:-clang++-14}
mkdir -p "$OUT"
FLAGS="-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -I$ROOT/core/include -I$ROOT/platform/include -I$ROOT/firmware/daemon"
# The whole core as an archive: the linker takes only the objects the readers need.
mkdir -p "$OUT/obj"
rm -f "$OUT/libcore.a"
for src in "$ROOT"/core/src/*.cpp; do
    # shellcheck disable=SC2086
    $CXX $FLAGS -c "$src" -o "$OUT/obj/core_$(basename "$src" .cpp).o"
done
ar rcs "$OUT/libcore.a" "$OUT"/obj/core_*.o
# config_json.cpp reads discovered imports and recognises files setup rewrote
SOURCES="$ROOT/firmware/daemon/config_json.cpp $ROOT/firmware/daemon/discovery.cpp
         $ROOT/firmware/daemon/softcam_writer.cpp $ROOT/tests/fuzz/fuzz_targets.cpp"
status=0
for target in cccam_cfg oscam_server config_json; do
    # shellcheck disable=SC2086
    $CXX $FLAGS $SOURCES "$ROOT/tests/fuzz/fuzz_$target.cpp" "$OUT/libcore.a" -lcjson \
        -o "$OUT/fuzz_$target"
    mkdir -p "$OUT/work/$target" "$OUT/artifacts/$target"
    echo "== fuzz_$target for ${SECONDS_PER_TARGET}s"
    if ! "$OUT/fuzz_$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -timeout=10 \
            -artifact_prefix="$OUT/artifacts/$target/" -print_final_stats=1 \
            -dict="$ROOT/tests/fuzz/$target.dict" \
            "$OUT/work/$target" "$ROOT/tests/fuzz/corpus/$target" 2>"$OUT/$target.log"; then
        status=1
        echo "   FOUND A CRASH: see $OUT/$target.log and $OUT/artifacts/$target/"
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^Done" "$OUT/$target.log" || true
done
exit $status
