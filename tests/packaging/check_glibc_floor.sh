#!/bin/sh
# check_glibc_floor.sh OBJDUMP BINARY FLOOR: fails if BINARY needs a glibc symbol version above
# FLOOR (e.g. 2.31), or a libstdc++ / libgcc from the image at all (those are linked into the
# binary, as an image with an older glibc also has an older libstdc++). Reads the dynamic
# symbol table (objdump -T) and the version needs (objdump -p) of the binary.
set -eu
[ $# -eq 3 ] || { echo "usage: check_glibc_floor.sh OBJDUMP BINARY FLOOR" >&2; exit 2; }
objdump=$1
binary=$2
floor=$3
symbols=$("$objdump" -T "$binary") || { echo "$objdump -T $binary failed" >&2; exit 1; }
needs=$("$objdump" -p "$binary") || { echo "$objdump -p $binary failed" >&2; exit 1; }
printf '%s\n' "$needs" | grep -q 'NEEDED *libc\.so' ||
    { echo "$binary: not dynamically linked against glibc" >&2; exit 1; }
# "00000000      DF *UND*  00000000 (GLIBC_2.33) stat" -> "2.33 stat"
versions=$(printf '%s\n' "$symbols" | sed -n 's/.*[( ]GLIBC_\([0-9][0-9.]*\)[) ].* \([^ ]*\)$/\1 \2/p')
[ -n "$versions" ] || { echo "$binary: no GLIBC_ symbol versions found" >&2; exit 1; }
above=$(printf '%s\n' "$versions" | awk -v floor="$floor" '
    function newer(a, b,   x, y, n, i) {
        n = split(a, x, "."); split(b, y, ".")
        for (i = 1; i <= 3; i++) { if ((x[i] + 0) != (y[i] + 0)) return (x[i] + 0) > (y[i] + 0) }
        return 0
    }
    newer($1, floor) { print "GLIBC_" $1 " " $2 }')
fail=0
if [ -n "$above" ]; then
    echo "$binary needs glibc above $floor:" >&2
    printf '%s\n' "$above" | sed 's/^/  /' >&2
    fail=1
fi
if printf '%s\n' "$needs" | grep -E 'NEEDED *(libstdc\+\+|libgcc_s)' >&2; then
    echo "$binary needs the image's libstdc++/libgcc_s (above), which on a glibc $floor image is too old" >&2
    fail=1
fi
[ $fail -eq 0 ] || exit 1
highest=$(printf '%s\n' "$versions" | awk '{print $1}' | sort -t. -k1,1n -k2,2n -k3,3n | tail -1)
echo "$binary: highest glibc symbol version $highest (floor $floor)"
