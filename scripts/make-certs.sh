#!/usr/bin/env bash
# Makes a local certificate authority (once) and a server certificate signed by it,
# for the names and addresses phones use to reach TraceTrack on the warehouse network.
#
# Usage: scripts/make-certs.sh [-o DIR] [--ca CA_DIR] NAME_OR_IP [NAME_OR_IP ...]
#   e.g. scripts/make-certs.sh tracetrack.lan 192.168.1.20
#
# Writes to DIR (default deploy/certs; what the server or nginx reads):
#   server.pem       the server certificate followed by the authority (TLS_CERT_PATH)
#   server.key       its key (TLS_KEY_PATH)
#   ca.crt           the authority's certificate, to install on phones
#                    (docs/operations.md, HTTPS on the floor)
# and to CA_DIR (default deploy/ca, or DIR/ca with -o; never mounted anywhere):
#   ca.pem, ca.key   the authority: keep the key off the server, it signs new certificates
# The authority is kept and reused, so phones that trust it trust every new server
# certificate: run again with new names, then reload the server (SIGHUP, or
# `docker compose exec nginx nginx -s reload`).
set -euo pipefail

out=deploy/certs
ca=""
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    --ca) ca=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ -z "$ca" ]; then
  if [ "$out" = deploy/certs ]; then ca=deploy/ca; else ca="$out/ca"; fi
fi
[ $# -ge 1 ] || { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
command -v openssl >/dev/null || { echo "make-certs: openssl is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out" "$ca"
umask 077

sans=()
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then sans+=("IP:$name"); else sans+=("DNS:$name"); fi
done
san=$(IFS=,; echo "${sans[*]}")

if [ -s "$ca/ca.pem" ] && [ ! -s "$ca/ca.key" ]; then
  echo "make-certs: $ca/ca.pem is there but its key $ca/ca.key is not. Put the key back" >&2
  echo "(phones trust this authority); only delete ca.pem too if every phone is to install a new one." >&2
  exit 1
fi
if [ ! -s "$ca/ca.key" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$ca/ca.key" -sha256 -days 3650 \
    -subj "/O=TraceTrack local authority/CN=TraceTrack local CA $(hostname -s 2>/dev/null || echo host) $(date +%Y-%m-%d)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$ca/ca.pem"
  echo "make-certs: new authority $ca/ca.pem (install $out/ca.crt on every phone once)"
fi
cp "$ca/ca.pem" "$out/ca.crt"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/server.key.new" 2>/dev/null
openssl req -new -key "$out/server.key.new" -subj "/CN=$1" -out "$out/server.csr" 2>/dev/null
# 825 days: the longest validity iOS accepts for a server certificate.
openssl x509 -req -in "$out/server.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -CAserial "$ca/ca.srl" \
  -days 825 -sha256 -out "$out/server.crt.new" \
  -extfile <(printf '%s\n' "subjectAltName=$san" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid") 2>/dev/null
cat "$out/server.crt.new" "$ca/ca.pem" > "$out/server.pem.new"
rm -f "$out/server.csr" "$out/server.crt.new"
mv "$out/server.key.new" "$out/server.key"
mv "$out/server.pem.new" "$out/server.pem"
chmod 644 "$ca/ca.pem" "$out/ca.crt" "$out/server.pem"
# server.key and ca.key stay 600: the server must run as the same user (nginx reads
# the key as root, so compose is fine).
echo "make-certs: $out/server.pem for $san (valid 825 days); TLS_CERT_PATH=$out/server.pem TLS_KEY_PATH=$out/server.key"
