#!/bin/sh
# Make a certificate authority and a server certificate it signed, for a stack on one machine
# (`make stack`) and for the HTTPS tests: not for a server people reach, which needs a
# certificate from a public authority (or the organisation's own).
#
#   deploy/make-certificates.sh FOLDER [DAYS] [ADDRESS...]
#
# Writes FOLDER/ca.pem (what a browser or curl is told to trust), FOLDER/ca.key,
# FOLDER/server.pem and FOLDER/server.key (what nginx serves). Each ADDRESS (default 127.0.0.1)
# is put in subjectAltName, which is all browsers and Python read; names instead of IP
# addresses work too (one organisation's public and staff host names, say).
set -eu

folder="$1"
days="${2:-30}"
if [ "$#" -ge 3 ]; then shift 2; else set -- 127.0.0.1; fi
address="$1"

mkdir -p "$folder"
cd "$folder"
umask 077

alt=""
for name in "$@"; do
    case "$name" in
        *[!0-9.]*) entry="DNS:$name" ;;
        *) entry="IP:$name" ;;
    esac
    alt="${alt:+$alt,}$entry"
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout ca.key -out ca.pem -days "$days" \
    -subj "/CN=Feedback service local CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout server.key -out server.csr -subj "/CN=$address" 2>/dev/null
cat > server.ext <<EXT
subjectAltName=$alt
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.pem -days "$days" -extfile server.ext 2>/dev/null
# The CA certificate is public: anyone may read it to trust the server.
chmod 0644 ca.pem server.pem
