#!/bin/sh
# check_mips32r1.sh OBJDUMP BINARY: fails if BINARY holds MIPS32 release 2 instructions
# (ext, ins, seb, seh, wsbh, rotr, rotrv), which old Broadcom MIPS32r1 boxes cannot run.
# Debian's mipsel compiler defaults to mips32r2; mips32el.cmake passes -march=mips32.
# Dynamic and static binaries: the static one is linked against musl built with -march=mips32
# and without Debian's r2-built C++ exception runtime (toolchains/musl/mips32r1_eh.c).
set -eu
[ $# -eq 2 ] || { echo "usage: check_mips32r1.sh OBJDUMP BINARY" >&2; exit 2; }
objdump=$1
binary=$2
listing=$("$objdump" -d "$binary") || { echo "$objdump -d $binary failed" >&2; exit 1; }
[ -n "$listing" ] || { echo "$binary: empty disassembly" >&2; exit 1; }
r2=$(printf '%s\n' "$listing" | grep -wE 'ext|ins|seb|seh|wsbh|rotr|rotrv' || true)
if [ -n "$r2" ]; then
    echo "$binary: $(printf '%s\n' "$r2" | wc -l) MIPS32r2 instructions, e.g.:" >&2
    printf '%s\n' "$r2" | head -5 >&2
    exit 1
fi
echo "$binary: MIPS32 release 1 only"
