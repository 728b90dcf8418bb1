#!/bin/sh
# Makes a throw-away PKI for the TLS tests in directory $1 (created if missing):
#   ca.pem              test CA the client trusts
#   good.{pem,key}      signed by ca, names stbf-test.local, valid now
#   expired.{pem,key}   signed by ca, names stbf-test.local, validity ended yesterday
#   wrongname.{pem,key} signed by ca, names other.invalid
#   untrusted.{pem,key} signed by a second CA the client does not trust, names stbf-test.local
#   good.pin.hex / good.pin.b64  SHA-256 of good's SubjectPublicKeyInfo (DER)
#   other.pin.b64       the same for an unrelated key (a wrong pin)
# EC P-256 keys keep generation fast. Everything is made fresh on every test run.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }

newkey() { quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

make_ca() {  # name subject
    newkey "$1.key"
    quiet openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 30 -subj "/CN=$2" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

make_leaf() {  # name dns-name ca days
    newkey "$1.key"
    quiet openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"
    printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" > "$1.ext"
    quiet openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
        -days "$4" -extfile "$1.ext" -out "$1.pem"
}

spki_sha256() {  # cert -> raw digest on stdout
    openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary
}

make_ca ca "stbfailover test CA"
make_ca rogue "stbfailover rogue CA"
make_leaf good stbf-test.local ca 30
make_leaf expired stbf-test.local ca -1
make_leaf wrongname other.invalid ca 30
make_leaf untrusted stbf-test.local rogue 30

spki_sha256 good.pem | od -An -v -tx1 | tr -d ' \n' > good.pin.hex
spki_sha256 good.pem | openssl base64 -A > good.pin.b64
spki_sha256 untrusted.pem | openssl base64 -A > other.pin.b64
