#!/usr/bin/env bash
# Starts the built server (target/debug/tracetrack) on a fresh database with the
# built web app, then runs every *.spec.mjs here (or the files given) in headless
# Chromium (Playwright).
set -euo pipefail
cd "$(dirname "$0")/../.."
port=${E2E_PORT:-18181}
db="tracetrack_e2e_$$"
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
mkdir -p artifacts
export DATABASE_URL="$server/$db" STATIC_DIR="$PWD/frontend/dist" PORT="$port" \
  ADMIN_PASSWORD="e2e-admin-password-1" RUST_LOG="${RUST_LOG:-warn}" \
  RATE_LIMIT_LOGIN=1000   # the specs sign the same user in many times a minute from one address
target/debug/tracetrack serve > artifacts/e2e-server.log 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat artifacts/e2e-server.log; exit 1; }
  sleep 0.5
done
export E2E_BASE="http://127.0.0.1:$port" E2E_ADMIN_PASSWORD="$ADMIN_PASSWORD"
export NODE_PATH="$PWD/tools/node_modules"
failed=0
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(tests/e2e/*.spec.mjs)
for spec in "${specs[@]}"; do
  node "$spec" || failed=1
done
exit $failed
