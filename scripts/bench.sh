#!/usr/bin/env bash
# Benchmark: a release server on a scratch database, the load generator against it
# (scan stations plus dashboards reading /stats), and the CPU the server and PostgreSQL
# used. Usage: [EVENTS=N] [READERS=R] scripts/bench.sh [clients] [seconds]
# EVENTS=N first writes N scan events of the last day (the log a busy warehouse has),
# so the dashboard is measured against a long log, not an empty one.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-32}
seconds=${2:-20}
port=18282
db="tracetrack_bench_$$"
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
cargo build --release --quiet --bin tracetrack -p tracetrack-server
cargo build --release --quiet --bin load -p tracetrack-tests
mkdir -p artifacts
# One user drives all stations: lift its per-user API limit (1200/min) for the measurement.
# Redis as in production (rate limits, session cache); REDIS_URL= (empty) measures without it.
DATABASE_URL="$server/$db" PORT=$port REDIS_URL="${REDIS_URL-redis://127.0.0.1:6379}" REDIS_PREFIX="bench-$$" ADMIN_PASSWORD=bench-admin-password POOL_SIZE=${POOL_SIZE:-8} RUST_LOG=warn RATE_LIMIT_API=100000000 \
  target/release/tracetrack serve > artifacts/bench-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
events=${EVENTS:-0}
if [ "$events" -gt 0 ]; then
  psql "$server/$db" -qc "INSERT INTO scan_event (recorded_at, kind, qr_id, outcome, dispatch_area)
    SELECT now() - (g % 86400) * interval '1 second', 'parent', 'SB' || lpad((g % 100000)::text, 5, '0'),
           'existing', (ARRAY[NULL, 'akola', 'raipur'])[1 + g % 3]
    FROM generate_series(1, $events) g"
  # The upkeep job folds the tallies every few seconds; measure once it has.
  for _ in $(seq 1 600); do
    [ "$(psql "$server/$db" -tAc 'SELECT count(*) FROM scan_tally')" = 0 ] && break; sleep 1
  done
  echo "scan log: $(psql "$server/$db" -tAc 'SELECT count(*) FROM scan_event') events, $(psql "$server/$db" -tAc 'SELECT count(*) FROM scan_minute') minute rollups"
fi
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pg_cpu() { ps -C postgres -o times= | awk '{s += $1} END {print s}'; }
s0=$(cpu $pid); p0=$(pg_cpu)
load=$(target/release/load --base "http://127.0.0.1:$port" --password bench-admin-password --clients "$clients" --readers "${READERS:-2}" --seconds "$seconds")
echo "$load"
s1=$(cpu $pid); p1=$(pg_cpu)
tick=$(getconf CLK_TCK)
echo "cpu seconds: server $(( (s1 - s0) / tick )), postgres $(( p1 - p0 )) (of $((seconds * $(nproc)))) available)"
echo "server RSS after the run: $(awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' /proc/$pid/status), at most $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' /proc/$pid/status)"
# The same clients running the essential transaction straight on PostgreSQL, same schema,
# same database, same length: what the server's child scan is compared with.
if [ "$clients" -gt 0 ] && command -v pgbench >/dev/null; then
  psql "$server/$db" -qc "INSERT INTO bag (qr_id, role, format_code, status, capacity, child_weight_g)
    SELECT 'PGB' || g, 'parent', 'SB', 'open', 1000000, 1000 FROM generate_series(0, $clients - 1) g"
  tps=$(pgbench -n -c "$clients" -j 2 -T "$seconds" -f scripts/bench/child-scan.sql "$server/$db" 2>/dev/null \
    | awk '/^tps/ {print $3}')
  rps=$(sed -nE 's/^child scans: .* = ([0-9.]+) req\/s.*/\1/p' <<<"$load")
  awk -v r="$rps" -v t="$tps" 'BEGIN {printf "pgbench, essential child-scan transaction, same clients: %.0f tx/s; server / pgbench = %.2f\n", t, r / t}'
fi
