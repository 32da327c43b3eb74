#!/usr/bin/env bash
# Usage: tests/support/with-server.sh NAME COMMAND [ARGS...]
# Starts the built server (target/debug/tracetrack) on a fresh database, waits
# until it answers, runs COMMAND with BASE_URL, ADMIN_PASSWORD and DATABASE_URL
# set, then stops the server and drops the database. The server's log goes to
# artifacts/NAME-server.log. PORT and any server setting may be given as
# environment variables.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1
shift
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
db="tracetrack_${name//-/_}_$$"
mkdir -p artifacts
log="artifacts/$name-server.log"
export DATABASE_URL="$server/$db" PORT="${PORT:-18181}" RUST_LOG="${RUST_LOG:-warn}" \
  ADMIN_PASSWORD="${ADMIN_PASSWORD:-$name-admin-password-1}"
target/debug/tracetrack serve > "$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
export BASE_URL="http://127.0.0.1:$PORT"
ready=""
for _ in $(seq 1 120); do
  curl -sf "$BASE_URL/ready" >/dev/null && { ready=1; break; }
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
[ -n "$ready" ] || { echo "with-server: the server did not become ready in 60 s" >&2; cat "$log"; exit 1; }
"$@"
