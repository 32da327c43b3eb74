#!/usr/bin/env bash
# Webhook delivery latency: a release server on a scratch database, a receiver on
# 127.0.0.1 (tests/webhook-bench), MESSAGES parent scans at RATE per second, each timed
# from its answer (the change is committed by then) to its message's arrival.
# Usage: [MESSAGES=1000] [RATE=100] scripts/bench-webhooks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
port=18284
db="tracetrack_bench_hooks_$$"
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
cargo build --release --quiet --bin tracetrack -p tracetrack-server
cargo build --release --quiet --bin webhook-bench -p tracetrack-tests
mkdir -p artifacts
DATABASE_URL="$server/$db" PORT=$port REDIS_URL= ADMIN_PASSWORD=bench-admin-password RUST_LOG=warn \
  WEBHOOK_ALLOW_PRIVATE=true RATE_LIMIT_API=0 target/release/tracetrack serve > artifacts/bench-webhooks-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
ADMIN_PASSWORD=bench-admin-password target/release/webhook-bench --base "http://127.0.0.1:$port" \
  --messages "${MESSAGES:-1000}" --rate "${RATE:-100}"
