#!/bin/bash
# run_matrix.sh [--ci] [--flavour dynamic|static|floor|all] [ARCH...]: cross-build the whole tree and run
# its tests under qemu-user, per architecture (default: armv7ahf-neon mips32el aarch64).
#
# Flavours (both by default):
#   dynamic  Debug, tests on, sanitizers (ASan+UBSan; trap-mode UBSan on mips32el, which has no
#            libasan/libubsan); the FULL suite except tests labelled `netns` or `no-qemu`
#            (network namespaces and raw kernel features that qemu-user cannot emulate) and,
#            where the floor flavour runs, `packaging` (the package checks read the shipped
#            Release binary, which the floor and static flavours build and check).
#   static   Release, STBF_STATIC=ON: the drop-in binary, linked statically against musl built
#            from Debian's source package with the arch's tune flags (build-deps.sh --libc
#            musl; cached), built for size without the `simulate`/`demo` commands
#            (toolchains/README.md). Only the binary and its .ipk are built, then the `smoke` and
#            `packaging` labels run (the static binary starts under qemu; the .ipk is checked;
#            on mips32el the binary is checked for MIPS32 release 1 code only). The GoogleTest
#            suites need glibc's libstdc++ internals and run in the dynamic flavour.
#   floor    Release, glibc, as shipped: linked against the glibc 2.31 floor sysroot; the ipk
#            is built and the `smoke` and `packaging` labels run (packaging.glibc_floor reads
#            the binary's symbol versions). Skipped where the dynamic flavour already links
#            against the floor (no ASan there: mips32el).
# TLS is on (STBF_WITH_TLS) so both mbedTLS series get exercised: aarch64 builds against 3.6,
# the others against 2.28 (STBF_MATRIX_MBEDTLS=2|3 forces one series for all).
# Target libraries come from toolchains/deps/build-deps.sh (cached under $STBF_DEPS_ROOT).
# Build dirs: $STBF_MATRIX_ROOT/<arch>-<flavour> (default build/matrix in the source tree).
# A failed test is run once more before it counts (--repeat until-pass:2): emulation on a
# shared 2-core machine is slow enough to upset tests that assume some ordering of events;
# a test that fails twice is a failure.
# Prints each step's duration and a summary; exits non-zero if any step failed.
set -uo pipefail

source_dir=$(cd "$(dirname "$0")/../.." && pwd)
matrix_root=${STBF_MATRIX_ROOT:-$source_dir/build/matrix}
deps_root=${STBF_DEPS_ROOT:-$source_dir/build/deps}
export STBF_DEPS_ROOT=$deps_root
jobs=${STBF_MATRIX_JOBS:-2}
exclude_labels='netns|no-qemu'
# Tests whose assertions depend on timing that emulation changes, each with its reason (none
# at the moment; STBF_MATRIX_EXCLUDE adds a regex for a local run).
exclude_tests=${STBF_MATRIX_EXCLUDE:-}
flavours=(dynamic static floor)
archs=()
while [ $# -gt 0 ]; do
    case $1 in
        --flavour)
            [ $# -ge 2 ] || { echo "run_matrix.sh: --flavour needs a value" >&2; exit 2; }
            case $2 in
                dynamic|static|floor) flavours=("$2") ;;
                both|all) flavours=(dynamic static floor) ;;
                *) echo "run_matrix.sh: unknown flavour '$2'" >&2; exit 2 ;;
            esac
            shift 2 ;;
        --ci) shift ;;  # CI's budgeted run: the default architectures and flavours
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        -*) echo "run_matrix.sh: unknown option $1" >&2; exit 2 ;;
        *) archs+=("$1"); shift ;;
    esac
done
[ ${#archs[@]} -gt 0 ] || archs=(armv7ahf-neon mips32el aarch64)
echo "run_matrix.sh: leaving out labels /$exclude_labels/ and tests /$exclude_tests/ (see the script)"
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

summary=()
failed=0
total_passed=0
total_failed=0
# step NAME LOG COMMAND...: runs COMMAND with output in LOG, records its time and result.
step() {
    local name=$1 log=$2 start=$SECONDS rc
    shift 2
    "$@" >"$log" 2>&1
    rc=$?
    local took=$((SECONDS - start))
    if [ $rc -eq 0 ]; then
        summary+=("$(printf '%-40s ok     %4ds' "$name" "$took")")
    else
        summary+=("$(printf '%-40s FAILED %4ds  (%s)' "$name" "$took" "$log")")
        failed=1
        echo "---- $name failed; last lines of $log:"
        tail -n 40 "$log"
    fi
    echo "[$name] $( [ $rc -eq 0 ] && echo ok || echo FAILED ) in ${took}s"
    return $rc
}

for arch in "${archs[@]}"; do
    toolchain=$source_dir/toolchains/$arch.cmake
    if [ ! -f "$toolchain" ]; then
        echo "run_matrix.sh: no toolchain file $toolchain" >&2
        exit 2
    fi
    series=${STBF_MATRIX_MBEDTLS:-$([ "$arch" = aarch64 ] && echo 3 || echo 2)}
    mkdir -p "$matrix_root"
    for flavour in "${flavours[@]}"; do
        [ "$flavour" = floor ] && [ "$arch" = mips32el ] && continue  # dynamic covers it
        build=$matrix_root/$arch-$flavour
        libc=glibc
        [ "$flavour" = static ] && libc=musl
        prefix=$deps_root/$arch$([ "$libc" = musl ] && echo -musl)/mbedtls-$series
        step "$arch $libc deps (mbedtls $series)" "$matrix_root/$arch-$libc-deps.log" \
            "$source_dir/toolchains/deps/build-deps.sh" --mbedtls "$series" --libc "$libc" "$arch" ||
            continue
        options=(-DCMAKE_TOOLCHAIN_FILE="$toolchain" -DSTBF_DEPS_PREFIX="$prefix" -DSTBF_LIBC="$libc"
                 -DSTBF_BUILD_TESTS=ON -DSTBF_WITH_TLS=ON)
        labels=$exclude_labels
        [ "$arch" = mips32el ] || labels="$labels|packaging"  # the floor flavour runs them
        tests=(-LE "$labels")
        [ -z "$exclude_tests" ] || tests+=(-E "$exclude_tests")
        if [ "$flavour" = dynamic ]; then
            options+=(-DCMAKE_BUILD_TYPE=Debug -DSTBF_STATIC=OFF)
            if [ "$arch" = mips32el ]; then
                options+=(-DSTBF_SANITIZE=OFF -DSTBF_SANITIZE_UB_TRAP=ON)
            else
                options+=(-DSTBF_SANITIZE=ON -DSTBF_SANITIZE_UB_TRAP=OFF)
            fi
        else
            options+=(-DCMAKE_BUILD_TYPE=Release -DSTBF_SANITIZE=OFF -DSTBF_SANITIZE_UB_TRAP=OFF)
            if [ "$flavour" = static ]; then options+=(-DSTBF_STATIC=ON); else options+=(-DSTBF_STATIC=OFF); fi
            tests=(-L 'smoke|packaging')
        fi
        step "$arch $flavour configure" "$build.configure.log" \
            cmake --fresh -S "$source_dir" -B "$build" "${generator[@]}" "${options[@]}" || continue
        targets=()
        [ "$flavour" != dynamic ] && targets=(--target ipk)
        step "$arch $flavour build" "$build.build.log" \
            cmake --build "$build" -j "$jobs" "${targets[@]}" || continue
        step "$arch $flavour test" "$build.test.log" \
            ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 600 \
                --repeat until-pass:2 "${tests[@]}"
        # "95% tests passed, 3 tests failed out of 60"
        counts=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\)$/\1 \2/p' \
            "$build.test.log" | tail -1)
        if [ -n "$counts" ]; then
            set -- $counts
            total_failed=$((total_failed + $1))
            total_passed=$((total_passed + $2 - $1))
            echo "[$arch $flavour] $(($2 - $1)) passed, $1 failed"
        fi
        # The drop-in for the smallest boxes: static, no TLS, at most 400 KB stripped (#15).
        if [ "$flavour" = static ] && [ "$arch" = mips32el ]; then
            step "$arch static no-TLS size budget" "$matrix_root/$arch-size-budget.log" \
                env STBF_MATRIX_ROOT="$matrix_root" STBF_DEPS_ROOT="$deps_root" \
                "$source_dir/tests/cross/binary_sizes.sh" --budget 400000 "$arch" &&
                cat "$matrix_root/$arch-size-budget.log"
        fi
    done
done

echo
echo "==== cross matrix summary (${SECONDS}s total) ===="
printf '%s\n' "${summary[@]}"
echo "cross: $total_passed passed, $total_failed failed"
exit $failed
