#!/bin/bash
# build_and_check.sh SOURCE_DIR WORK_DIR CHECK_SYMBOLS_CMAKE CMAKE CORE_SOURCE...: the bare-metal
# proof of the core. Compiles every core source for a Cortex-M3 with Debian's arm-none-eabi
# g++ (-ffreestanding, no exceptions/RTTI, newlib's headers never reach core: the core's own
# freestanding poison headers come first), then
#  1. checks the core's undefined symbols against the freestanding allowlist
#     (tests/freestanding/check_symbols.cmake: mem*/str* and libgcc helpers only);
#  2. links the core with the stub port and startup code (firmware.cpp, stub_port.c, link.ld)
#     into an image with -nostdlib: libgcc, plus newlib's libc.a for mem*/str* only, and fails
#     if any other libc member was pulled in;
#  3. prints the image's text/data/bss sizes.
set -euo pipefail
src=$1 work=$2 check=$3 cmake=$4
shift 4
here=$src/tests/baremetal
cross=arm-none-eabi
cflags=(-mcpu=cortex-m3 -mthumb -Os -ffreestanding -fno-asynchronous-unwind-tables
        -fno-stack-protector -ffunction-sections -fdata-sections -Wall -Wextra -Werror)
# Table sizes an image maintainer of a small RTOS box would pick (limits.h upper bounds, the
# same -D for the core and the image): the defaults size the tables for a Linux receiver.
capacities=(-DSTBF_MAX_GROUPS=16 -DSTBF_MAX_SERVERS=64 -DSTBF_MAX_SESSIONS=32)
flags=("${cflags[@]}" "${capacities[@]}" -fno-exceptions -fno-rtti -fno-threadsafe-statics)
includes=(-I"$src/core/include" -I"$src/platform/include")
rm -rf "$work" && mkdir -p "$work/core"
for f in "$@"; do
    "$cross-g++" -std=c++17 "${flags[@]}" -isystem "$src/tests/freestanding/poison" "${includes[@]}" \
        -isystem "$here/include" -c "$f" -o "$work/core/$(basename "$f" .cpp).o"
done
"$cross-ar" rcs "$work/libstbf_core_baremetal.a" "$work"/core/*.o
"$cmake" -DNM="$(command -v "$cross-nm")" -DLIB="$work/libstbf_core_baremetal.a" -P "$check"

"$cross-gcc" -std=c11 "${cflags[@]}" "${includes[@]}" -c "$here/stub_port.c" -o "$work/stub_port.o"
"$cross-g++" -std=c++17 "${flags[@]}" -isystem "$here/include" "${includes[@]}" -c "$here/firmware.cpp" -o "$work/firmware.o"
libc=$("$cross-gcc" -mcpu=cortex-m3 -mthumb -print-file-name=libc.a)
[ -f "$libc" ] || { echo "newlib's libc.a not found (apt-get install libnewlib-arm-none-eabi)" >&2; exit 1; }
"$cross-g++" -mcpu=cortex-m3 -mthumb -nostdlib -Wl,--gc-sections -T "$here/link.ld" \
    -Wl,-Map,"$work/firmware.map" -o "$work/firmware.elf" \
    "$work/firmware.o" "$work/stub_port.o" "$work/libstbf_core_baremetal.a" "$libc" -lgcc
# Which libc members the image needed: mem*/str* only.
members=$(sed -n '/^Archive member included/,/^Discarded input sections/p' "$work/firmware.map" |
    grep -o 'libc\.a([^)]*)' | sed 's/.*(\(.*\))/\1/' | sort -u || true)
bad=$(printf '%s\n' "$members" | grep -vE '^(lib_a-)?(mem|str)[a-z]*\.o$' | grep -v '^$' || true)
if [ -n "$bad" ]; then
    echo "the image pulls libc members beyond mem*/str*:" >&2
    printf '  %s\n' $bad >&2
    exit 1
fi
echo "libc members used: $(printf '%s ' $members)"
"$cross-size" "$work/firmware.elf"
