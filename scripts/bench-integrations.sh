#!/usr/bin/env bash
# Integrations benchmark, release server on a scratch database:
#   1. webhook delivery latency: a receiver on 127.0.0.1 (tests/webhook-bench), MESSAGES
#      parent scans at RATE per second, each timed from its answer (the change is
#      committed by then) to its message's arrival;
#   2. the EPCIS export rate: a database seeded with BAGS bags (`tracetrack seed`, whose
#      scan log holds a parent and a link event per bag it packs) walked page by page
#      (perPage=1000, following the Link header), as a partner's job would.
# Usage: [MESSAGES=1000] [RATE=100] [BAGS=300000] scripts/bench-integrations.sh
set -euo pipefail
cd "$(dirname "$0")/.."
port=18284
db="tracetrack_bench_integrations_$$"
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
cargo build --release --quiet --bin tracetrack -p tracetrack-server
cargo build --release --quiet --bin webhook-bench -p tracetrack-tests
mkdir -p artifacts
psql "$server/postgres" -qc "CREATE DATABASE $db"
DATABASE_URL="$server/$db" REDIS_URL= target/release/tracetrack migrate > /dev/null
DATABASE_URL="$server/$db" REDIS_URL= target/release/tracetrack seed --bags "${BAGS:-300000}" > /dev/null
# The seed's users: seed-200 is an admin (password seed-floor-password).
DATABASE_URL="$server/$db" PORT=$port REDIS_URL= RUST_LOG=warn \
  WEBHOOK_ALLOW_PRIVATE=true RATE_LIMIT_API=0 EPCIS_ID_BASE=https://tt.example/id \
  target/release/tracetrack serve > artifacts/bench-integrations-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 60); do curl -sf "$base/health" >/dev/null && break; sleep 0.5; done

ADMIN_USER=seed-200 ADMIN_PASSWORD=seed-floor-password target/release/webhook-bench --base "$base" \
  --messages "${MESSAGES:-1000}" --rate "${RATE:-100}"

token=$(curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"seed-200","password":"seed-floor-password"}' | jq -r .access_token)
url="$base/api/v1/epcis/events?perPage=1000"
events=0 pages=0 bytes=0
start=$(date +%s%N)
while [ -n "$url" ]; do
  curl -sf -D artifacts/bench-epcis.headers -o artifacts/bench-epcis.json -H "Authorization: Bearer $token" "$url"
  events=$((events + $(grep -o '"eventID"' artifacts/bench-epcis.json | wc -l)))
  bytes=$((bytes + $(stat -c %s artifacts/bench-epcis.json)))
  pages=$((pages + 1))
  url=$(sed -n 's/^[Ll]ink: <\([^>]*\)>; *rel="next".*/\1/p' artifacts/bench-epcis.headers | tr -d '\r')
  case "$url" in /*) url="$base$url" ;; esac
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "epcis: $events events in $pages pages, $((bytes / 1048576)) MB, $(awk -v ms="$ms" 'BEGIN {printf "%.1f", ms / 1000}') s = $(awk -v n="$events" -v ms="$ms" 'BEGIN {printf "%.0f", n * 1000 / ms}') events/s (one client, curl per page)"
