#!/bin/bash
# debian-sources.sh: sourced by build-deps.sh (and usable alone to print the lines).
#
# Fetching Debian source packages needs deb-src lines, but a build machine is configured with
# `deb` lines for whatever mirror it uses (a cloud mirror, a proxy, a snapshot). So the private
# deb-src list is derived from the machine's own apt configuration instead of naming a host:
#   - every enabled `deb` entry of /etc/apt/sources.list (one-line format, [options] kept) and of
#     /etc/apt/sources.list.d/*.list and *.sources (deb822, Enabled: no skipped);
#   - an entry whose suite is <codename>-security gives the security archive's URI, any other
#     Debian suite (<codename>, <codename>-updates, ...) the main archive's URI;
#   - each wanted suite is then written once against that URI, with the entry's Signed-By.
# Wanted suites are given as arguments (bookworm, bookworm-updates, trixie-security, ...).
# STBF_APT_ETC overrides /etc/apt (tests point it at a fake configuration).
#
# debian_deb_entries: prints "URI<TAB>SUITE<TAB>SIGNED_BY" for every enabled deb entry.
debian_deb_entries() {
    local etc=${STBF_APT_ETC:-/etc/apt} f
    for f in "$etc/sources.list" "$etc"/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        # deb [opt=val ...] URI SUITE COMPONENT...
        sed -e 's/#.*//' "$f" | awk '
            $1 != "deb" { next }
            {
                signed = ""; i = 2
                if ($2 ~ /^\[/) {
                    for (; i <= NF; i++) {
                        opt = $i; gsub(/[][]/, "", opt)
                        if (opt ~ /^signed-by=/) { signed = substr(opt, 11) }
                        if ($i ~ /\]$/) { i++; break }
                    }
                }
                if (i + 1 <= NF) printf "%s\t%s\t%s\n", $i, $(i + 1), signed
            }'
    done
    for f in "$etc"/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # deb822 stanzas separated by blank lines; fields may be folded (leading blank); a
        # comment line is dropped whole (it does not end a stanza).
        sed -e '/^[[:space:]]*#/d' "$f" | awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
                    n = split(uris, u, " "); m = split(suites, s, " ")
                    for (a = 1; a <= n; a++) for (b = 1; b <= m; b++)
                        printf "%s\t%s\t%s\n", u[a], s[b], signed
                }
                types = uris = suites = signed = enabled = ""; key = ""
            }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]/ { sub(/^[ \t]+/, ""); val[key] = val[key] " " $0; set(key, val[key]); next }
            {
                key = tolower(substr($0, 1, index($0, ":") - 1))
                v = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
                val[key] = v; set(key, v)
            }
            function set(k, v) {
                if (k == "types") types = v; else if (k == "uris") uris = v
                else if (k == "suites") suites = v; else if (k == "signed-by") signed = v
                else if (k == "enabled") enabled = v
            }
            END { flush() }'
    done
}

# debian_deb_src_lines SUITE...: prints one-line deb-src entries for the wanted suites, or fails
# (status 1, message on stderr) when the machine has no Debian entry to derive them from.
debian_deb_src_lines() { debian_apt_lines deb-src "$@"; }

# debian_apt_lines TYPE SUITE...: the same with entry type TYPE (deb-src, or deb for binary
# packages of another suite, e.g. an older glibc).
debian_apt_lines() {
    local type=$1 entries main_uri main_signed sec_uri sec_signed suite uri signed
    shift
    entries=$(debian_deb_entries)
    # First entry of each kind wins, as apt prefers the first source listed.
    main_uri=$(printf '%s\n' "$entries" | awk -F'\t' '$2 !~ /-security$/ && $2 ~ /^[a-z]+(-[a-z]+)?$/ {print $1; exit}')
    main_signed=$(printf '%s\n' "$entries" | awk -F'\t' -v u="$main_uri" '$1 == u {print $3; exit}')
    sec_uri=$(printf '%s\n' "$entries" | awk -F'\t' '$2 ~ /-security$/ {print $1; exit}')
    sec_signed=$(printf '%s\n' "$entries" | awk -F'\t' -v u="$sec_uri" '$1 == u {print $3; exit}')
    if [ -z "$main_uri" ]; then
        echo "debian-sources.sh: no Debian 'deb' entry in ${STBF_APT_ETC:-/etc/apt} to derive deb-src lines from" >&2
        return 1
    fi
    for suite in "$@"; do
        uri=$main_uri signed=$main_signed
        case $suite in
            *-security)
                [ -n "$sec_uri" ] || { echo "debian-sources.sh: no security archive configured, skipping $suite" >&2; continue; }
                uri=$sec_uri signed=$sec_signed ;;
        esac
        if [ -n "$signed" ]; then
            echo "$type [signed-by=$signed] $uri $suite main"
        else
            echo "$type $uri $suite main"
        fi
    done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    [ $# -gt 0 ] || set -- bookworm bookworm-updates bookworm-security
    debian_deb_src_lines "$@"
fi
