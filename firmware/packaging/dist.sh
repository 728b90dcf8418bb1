#!/bin/bash
# dist.sh SOURCE_DIR OUT_DIR VERSION EPOCH
#
# Writes OUT_DIR/stbfailover-VERSION.tar.gz (every file under stbfailover-VERSION/) and its
# .sha256, and prints the recipe line SRC_URI[sha256sum] = "...".
# Files: in a git work tree the tracked files as they are in the tree (edits included); outside
# git (a tree unpacked from a tarball) every file except build outputs. Reproducible: names
# sorted, mtimes EPOCH, owners 0/0, modes 0755/0644 (executable bit kept), gzip -n.
set -euo pipefail
die() { echo "dist.sh: $*" >&2; exit 1; }
[ $# -eq 4 ] || die "usage: dist.sh SOURCE_DIR OUT_DIR VERSION EPOCH"
src=$(cd "$1" && pwd)
out=$2
version=$3
epoch=$4
name=stbfailover-$version

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
list=$stage/files
if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1 &&
   [ "$(git -C "$src" rev-parse --show-toplevel)" = "$src" ]; then
    # -z: names as they are; deleted-but-tracked files are skipped below.
    git -C "$src" ls-files -z > "$list"
else
    (cd "$src" && find . -path ./.git -prune -o -path './build*' -prune -o -type f -print0 |
        sed -z 's|^\./||') > "$list"
fi
mkdir -p "$stage/$name"
while IFS= read -r -d '' file; do
    [ -f "$src/$file" ] || continue
    mode=0644
    [ -x "$src/$file" ] && mode=0755
    install -D -m "$mode" "$src/$file" "$stage/$name/$file"
done < "$list"
[ -f "$stage/$name/CMakeLists.txt" ] || die "$src: no CMakeLists.txt (not the stbfailover tree?)"
find "$stage/$name" -type d -exec chmod 0755 {} +

mkdir -p "$out"
tarball=$(cd "$out" && pwd)/$name.tar.gz
tar -C "$stage" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
    --format=gnu -cf - "$name" | gzip -n -9 > "$tarball.tmp"
mv "$tarball.tmp" "$tarball"
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
echo "$sum  $name.tar.gz" > "$tarball.sha256"
echo "$tarball"
echo "SRC_URI[sha256sum] = \"$sum\""
