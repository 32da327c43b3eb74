#!/usr/bin/env bash
# The floor over HTTPS (docs/operations.md, HTTPS on the floor): the built server in
# production mode with its own TLS listener and a certificate from
# scripts/make-certs.sh for a LAN-like name (tt.test), and Chromium that reaches that
# name on this machine and trusts that certificate's key. Runs tests/e2e/https.mjs.
set -euo pipefail
cd "$(dirname "$0")/../.."
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
scripts/make-certs.sh -o "$certs" tt.test >/dev/null
port=${E2E_HTTPS_PORT:-18443}
export ENVIRONMENT=production JWT_SECRET="e2e-https-secret-of-at-least-32-bytes" \
  TLS_CERT_PATH="$certs/server.pem" TLS_KEY_PATH="$certs/server.key" TLS_PORT="$port" \
  PORT="${E2E_HTTP_PORT:-18480}" STATIC_DIR="$PWD/frontend/dist" ADMIN_PASSWORD="e2e-admin-password-1" \
  RATE_LIMIT_LOGIN=1000 NODE_PATH="$PWD/tools/node_modules"
# The SHA-256 of the server key's SubjectPublicKeyInfo: Chromium treats a chain with
# this key as valid (only with its own profile directory, which Playwright gives it).
E2E_SPKI=$(openssl x509 -in "$certs/server.pem" -pubkey -noout | openssl pkey -pubin -outform der \
  | openssl dgst -sha256 -binary | base64)
export E2E_SPKI E2E_HTTPS_URL="https://tt.test:$port"
exec tests/support/with-server.sh e2e-https node tests/e2e/https.mjs
