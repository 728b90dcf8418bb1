#!/bin/bash
# debian_sources_test.sh: the private deb-src list of build-deps.sh is derived from the apt
# configuration a machine has (toolchains/deps/debian-sources.sh), as a new user's machine
# would carry it: one-line sources.list with options and comments, deb822 .sources with
# comment lines inside a stanza, a disabled stanza, and a machine with no Debian entry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script=$here/../../toolchains/deps/debian-sources.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
expect() {  # expect NAME EXPECTED ACTUAL
    if [ "$2" != "$3" ]; then
        echo "FAIL $1:"; echo "  expected: $2" | sed 's/^/  /'; echo "  actual:   $3" | sed 's/^/  /'; fail=1
    else
        echo "ok   $1"
    fi
}

# deb822 as Debian 12 installs it, behind a local mirror, with a disabled stanza first.
mkdir -p "$work/a/sources.list.d"
cat > "$work/a/sources.list.d/debian.sources" <<'S'
Types: deb
URIs: http://old.mirror.test/debian
Suites: bookworm
Enabled: no
Components: main

Types: deb deb-src
# a snapshot URI someone left as a note
URIs: http://mirror.test/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.mirror.test/debian-security
Suites: bookworm-security
Components: main
S
expect deb822 "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.test/debian trixie main
deb-src http://security.mirror.test/debian-security trixie-security main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.test/debian bookworm-updates main" \
    "$(STBF_APT_ETC=$work/a bash "$script" trixie trixie-security bookworm-updates)"

# One-line format with options, comments and a deb-src line that is not a deb entry.
mkdir -p "$work/b"
cat > "$work/b/sources.list" <<'S'
# deb http://commented.test/debian bookworm main
deb-src http://src-only.test/debian bookworm main
deb [arch=amd64 signed-by=/etc/apt/keyrings/m.gpg] http://proxy.test:3142/debian bookworm main contrib
deb http://proxy.test:3142/debian-security bookworm-security main # trailing note
S
expect one-line "deb-src [signed-by=/etc/apt/keyrings/m.gpg] http://proxy.test:3142/debian bookworm main
deb-src http://proxy.test:3142/debian-security bookworm-security main" \
    "$(STBF_APT_ETC=$work/b bash "$script" bookworm bookworm-security)"

# No Debian entry at all: a clear error, no guessed host.
mkdir -p "$work/c"
: > "$work/c/sources.list"
if out=$(STBF_APT_ETC=$work/c bash "$script" bookworm 2>&1); then
    echo "FAIL empty config: succeeded with: $out"; fail=1
else
    expect empty-config-error "debian-sources.sh: no Debian 'deb' entry in $work/c to derive deb-src lines from" "$out"
fi

# The tree itself names no mirror host (the lines above are derived, never written down).
if grep -rnE 'deb(-src)? +(\[[^]]*\] +)?https?://' "$here/../../toolchains" "$here/../../.ci" 2>/dev/null; then
    echo "FAIL a mirror host is written into the tree (above)"; fail=1
fi
exit $fail
