#!/usr/bin/env bash
# Import benchmark: a release server on a scratch database, a bags CSV of N rows
# (parents of 30 children each, both parent formats) uploaded once into an empty
# database and once more on top (every row then already so), timed from upload to
# the job's end. Usage: scripts/bench-import.sh [rows] [mode]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200000}
mode=${2:-best_effort}
port=18283
db="tracetrack_bench_import_$$"
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
cargo build --release --quiet --bin tracetrack -p tracetrack-server
mkdir -p artifacts
file=artifacts/bench-import.csv
scripts/bench/bags-csv.sh "$rows" > "$file"
DATABASE_URL="$server/$db" PORT=$port REDIS_URL= ADMIN_PASSWORD=bench-admin-password RUST_LOG=warn \
  target/release/tracetrack serve > artifacts/bench-import-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"bench-admin-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
run() {
  local status applied refused seconds
  read -r status applied refused seconds < <(scripts/bench/import.sh "http://127.0.0.1:$port" "$token" "$file" "$mode")
  echo "$1: $status, applied $applied, refused $refused, $seconds s, $(awk -v r="$rows" -v s="$seconds" 'BEGIN {printf "%.0f", r / s}') rows/s"
}
echo "import of $rows rows ($mode):"
run "into an empty database"
run "the same file again "
echo "server RSS: $(awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/$pid/status) now, $(awk '/VmHWM/ {print $2 / 1024 " MB"}' /proc/$pid/status) at most (file: $(($(stat -c %s "$file") / 1048576)) MB)"
echo "bags: $(psql "$server/$db" -tAc 'SELECT count(*) FROM bag'), links: $(psql "$server/$db" -tAc 'SELECT count(*) FROM bag_link'), events: $(psql "$server/$db" -tAc 'SELECT count(*) FROM scan_event')"
