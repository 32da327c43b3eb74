#!/usr/bin/env bash
# Makes a local certificate authority (once) and a server certificate signed by it,
# for the names and addresses phones use to reach TraceTrack on the warehouse network.
#
# Usage: scripts/make-certs.sh [-o DIR] NAME_OR_IP [NAME_OR_IP ...]
#   e.g. scripts/make-certs.sh tracetrack.lan 192.168.1.20
#
# Writes to DIR (default deploy/certs):
#   ca.pem, ca.crt   the authority's certificate (the same PEM; install ca.crt on phones,
#                    docs/operations.md "HTTPS on the floor")
#   ca.key           the authority's key: keep it off the server, it signs new certificates
#   server.pem       the server certificate followed by the authority (TLS_CERT_PATH)
#   server.key       its key (TLS_KEY_PATH)
# The authority is kept and reused when DIR already holds one, so phones that trust it
# trust every new server certificate: run again with new names, then reload the server
# (SIGHUP, or `docker compose exec nginx nginx -s reload`).
set -euo pipefail

out=deploy/certs
if [ "${1:-}" = "-o" ]; then out=$2; shift 2; fi
[ $# -ge 1 ] || { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
command -v openssl >/dev/null || { echo "make-certs: openssl is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
umask 077

sans=()
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then sans+=("IP:$name"); else sans+=("DNS:$name"); fi
done
san=$(IFS=,; echo "${sans[*]}")

if [ ! -s "$out/ca.key" ] || [ ! -s "$out/ca.pem" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 \
    -subj "/O=TraceTrack local authority/CN=TraceTrack local CA $(hostname -s 2>/dev/null || echo host) $(date +%Y-%m-%d)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.pem"
  echo "make-certs: new authority $out/ca.pem (install it on every phone once)"
fi
cp "$out/ca.pem" "$out/ca.crt"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/server.key.new" 2>/dev/null
openssl req -new -key "$out/server.key.new" -subj "/CN=$1" -out "$out/server.csr" 2>/dev/null
# 825 days: the longest validity iOS accepts for a server certificate.
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
  -days 825 -sha256 -out "$out/server.crt.new" \
  -extfile <(printf '%s\n' "subjectAltName=$san" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid") 2>/dev/null
cat "$out/server.crt.new" "$out/ca.pem" > "$out/server.pem.new"
rm -f "$out/server.csr" "$out/server.crt.new"
mv "$out/server.key.new" "$out/server.key"
mv "$out/server.pem.new" "$out/server.pem"
chmod 644 "$out/ca.pem" "$out/ca.crt" "$out/server.pem"
# server.key and ca.key stay 600: the server must run as the same user (nginx reads
# the key as root, so compose is fine).
echo "make-certs: $out/server.pem for $san (valid 825 days); TLS_CERT_PATH=$out/server.pem TLS_KEY_PATH=$out/server.key"
