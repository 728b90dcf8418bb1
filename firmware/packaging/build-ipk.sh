#!/bin/bash
# build-ipk.sh OUT_DIR CONTROL [--control NAME SRC]... [--data SRC DEST MODE]...
#
# Builds OUT_DIR/<Package>_<Version>_<Architecture>.ipk (fields read from the CONTROL file):
# an ar archive of debian-binary ("2.0\n"), control.tar.gz and data.tar.gz, in that order.
#   --control NAME SRC   adds SRC as control member NAME (conffiles, postinst, prerm, ...);
#                        maintainer scripts keep their executable bit, other files get 0644
#   --data SRC DEST MODE adds SRC at absolute path DEST with octal MODE
# Reproducible: mtimes are SOURCE_DATE_EPOCH (default 0), owners 0/0, names sorted, gzip -n,
# deterministic ar; directory modes are 0755 and file modes exactly as given, whatever the
# umask or the sources' timestamps.
set -euo pipefail

die() { echo "build-ipk.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: build-ipk.sh OUT_DIR CONTROL [--control NAME SRC]... [--data SRC DEST MODE]..."
out_dir=$1
control=$2
shift 2
epoch=${SOURCE_DATE_EPOCH:-0}
[ -f "$control" ] || die "$control: no such control file"

field() {
    local value
    value=$(sed -n "s/^$1: *//p" "$control" | head -1)
    [ -n "$value" ] || die "$control: missing field '$1'"
    echo "$value"
}
package=$(field Package)
version=$(field Version)
arch=$(field Architecture)
field Maintainer >/dev/null
field Description >/dev/null

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
umask 022
mkdir -p "$stage/control" "$stage/data"
install -m 0644 "$control" "$stage/control/control"

while [ $# -gt 0 ]; do
    case $1 in
        --control)
            [ $# -ge 3 ] || die "--control needs NAME SRC"
            [ -f "$3" ] || die "$3: no such file (control member $2)"
            case $2 in
                preinst|postinst|prerm|postrm) install -m 0755 "$3" "$stage/control/$2" ;;
                *) install -m 0644 "$3" "$stage/control/$2" ;;
            esac
            shift 3 ;;
        --data)
            [ $# -ge 4 ] || die "--data needs SRC DEST MODE"
            [ -f "$2" ] || die "$2: no such file (for $3)"
            case $3 in /*) ;; *) die "--data destination '$3' must be absolute" ;; esac
            install -D -m "$4" "$2" "$stage/data$3"
            shift 4 ;;
        *) die "unknown argument '$1'" ;;
    esac
done

# tar_gz DIR OUT: the reproducible tarball of DIR's content as ./...
tar_gz() {
    find "$1" -type d -exec chmod 0755 {} +
    tar -C "$1" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
        --format=gnu -cf - . | gzip -n -9 > "$2"
}
printf '2.0\n' > "$stage/debian-binary"
tar_gz "$stage/control" "$stage/control.tar.gz"
tar_gz "$stage/data" "$stage/data.tar.gz"
touch -d "@$epoch" "$stage/debian-binary" "$stage/control.tar.gz" "$stage/data.tar.gz"

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
ipk=$out_dir/${package}_${version}_${arch}.ipk
rm -f "$ipk.tmp"
(cd "$stage" && ar rcD "$ipk.tmp" debian-binary control.tar.gz data.tar.gz)
mv "$ipk.tmp" "$ipk"
echo "$ipk"
