#!/usr/bin/env bash
# The benchmark of record (docs/benchmarks.md). A release server on a database that
# `tracetrack seed` filled with BAGS bags (default 10,000,000: ~7 min and ~6 GB the
# first time), then in one run, on the same machine:
#   - the server's RSS idle;
#   - child scans by 1, 8, 32 and 64 stations (at 32, two dashboards read /stats);
#   - bag lookups (GET /bags/{qr_id}, parents and children) by 1, 8, 32 and 64 clients;
#   - list page 1, deep cursor pages and id-prefix searches, /stats alone (8 clients);
#   - an import of IMPORT_ROWS (50,000) bag rows;
#   - pgbench of the essential transactions with the same clients on the same database:
#     a child scan (scripts/bench/child-scan.sql) and the bag detail's own statement
#     (crates/db/src/sql/bag_detail.sql);
#   - the server's RSS at its highest.
# It prints one table and writes it, with a chart of latency against clients
# (docs/bench-latency.svg), into docs/benchmarks.md (WRITE_DOCS=0: print only).
# Usage: [BAGS=N] [SECONDS_PER_RUN=S] [IMPORT_ROWS=N] [BENCH_DB=name (kept, and reused
# when it exists: a second run skips the seeding)] scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bags=${BAGS:-10000000}
seconds=${SECONDS_PER_RUN:-15}
import_rows=${IMPORT_ROWS:-50000}
port=18282
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
db=${BENCH_DB:-tracetrack_bench_$$}
base="http://127.0.0.1:$port"
cargo build --release --quiet --bin tracetrack -p tracetrack-server
cargo build --release --quiet --bin load -p tracetrack-tests
mkdir -p artifacts/bench
out=artifacts/bench
results=$out/results.tsv
: > "$results"

exists=$(psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")
if [ -z "$exists" ]; then
  psql "$server/postgres" -qc "CREATE DATABASE $db"
  DATABASE_URL="$server/$db" REDIS_URL= target/release/tracetrack migrate
  DATABASE_URL="$server/$db" REDIS_URL= target/release/tracetrack seed --bags "$bags"
fi
cleanup() {
  kill "${pid:-}" 2>/dev/null && wait "${pid:-}" 2>/dev/null
  [ -n "${BENCH_DB:-}" ] || psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
}
trap cleanup EXIT
# Seeded parents are numbered 1..N; the imports of earlier runs from 9,000,000.
parents=$(psql "$server/$db" -tAc "SELECT count(*) FROM bag WHERE role = 'parent' AND format_code IN ('SB7', 'M7')
  AND substring(qr_id FROM '[0-9]+$')::int < 9000000")
bags=$(psql "$server/$db" -tAc "SELECT count(*) FROM bag")
echo "database $db: $(psql "$server/$db" -tAc "SELECT pg_size_pretty(pg_database_size('$db'))"), $parents seeded parents"

# One seeded admin drives every client: lift its per-user API and sign-in limits. The
# server and pgbench reach PostgreSQL without TLS (sslmode=disable), as in
# docker-compose.yml: on this host TLS would cost the scans about a third of their rate.
DATABASE_URL="$server/$db?sslmode=disable" PORT=$port REDIS_URL="${REDIS_URL-redis://127.0.0.1:6379}" REDIS_PREFIX="bench-$$" \
  POOL_SIZE=${POOL_SIZE:-8} RUST_LOG=warn RATE_LIMIT_API=100000000 RATE_LIMIT_LOGIN=100000 RATE_LIMIT_LOGIN_IP=100000 \
  target/release/tracetrack serve > "$out/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -sf "$base/health" >/dev/null && break; sleep 0.5; done
rss() { awk -v k="$1" '$1 == k":" {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
rss_idle=$(rss VmRSS)

load() { target/release/load --base "$base" --user seed-200 --password seed-floor-password --seconds "$seconds" "$@" | tee -a "$out/load.log"; }
collect() { grep '^RESULT' | cut -f2- >> "$results"; }

# Paths the readers pick from (a fixed seed: the same spread on every run).
python3 - "$parents" "$out" <<'PY'
import base64, random, sys
parents, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
def parent(g): return ("M444-%07d" if g % 5 == 0 else "SB%07d") % g
def cursor(key): return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")
with open(f"{out}/lookups.txt", "w") as f:
    for i in range(5000):
        g = rnd.randint(1, parents)
        f.write(f"/api/v1/bags/{parent(g) if i % 2 else 'C%07d01' % g}\n")
with open(f"{out}/page1.txt", "w") as f:
    f.write("/api/v1/bags?limit=50\n")
with open(f"{out}/deep.txt", "w") as f:
    for _ in range(5000):
        f.write(f"/api/v1/bags?limit=50&cursor={cursor('i:%d' % rnd.randint(1000, parents * 30))}\n")
with open(f"{out}/prefix.txt", "w") as f:
    for _ in range(5000):
        f.write(f"/api/v1/bags?limit=50&q={parent(rnd.randint(1, parents))[:6]}\n")
with open(f"{out}/stats.txt", "w") as f:
    f.write("/api/v1/stats\n")
PY

for c in 1 8 32 64; do
  readers=0; [ "$c" = 32 ] && readers=2
  load --clients "$c" --readers "$readers" | collect
done
for c in 1 8 32 64; do load --clients "$c" --get "$out/lookups.txt" --name "bag lookup" | collect; done
load --clients 8 --get "$out/page1.txt" --name "bag list, page 1" | collect
load --clients 8 --get "$out/deep.txt" --name "bag list, deep cursor page" | collect
load --clients 8 --get "$out/prefix.txt" --name "bag id-prefix search" | collect
load --clients 8 --get "$out/stats.txt" --name "GET /stats, no scanning" | collect

token=$(curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"seed-200","password":"seed-floor-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
start_no=$(( 9000000 + $(date +%s) % 900000 ))
scripts/bench/bags-csv.sh "$import_rows" 7 "$start_no" > "$out/import.csv"
read -r status applied refused took < <(scripts/bench/import.sh "$base" "$token" "$out/import.csv" best_effort)
printf 'import of %s bag rows (%s, %s applied, %s refused)\t1\t%s\t%.0f\t\t\t\t%s\n' "$import_rows" "$status" "$applied" "$refused" \
  "$import_rows" "$(awk -v r="$import_rows" -v s="$took" 'BEGIN {print r / s}')" "$refused" >> "$results"
rss_peak=$(rss VmHWM)

# pgbench: the same clients, the same length, the same database.
pgb() {
  local tps
  tps=$(pgbench -n -c "$1" -j 2 -T "$seconds" -f "$2" "$server/$db?sslmode=disable" 2> "$out/pgbench.err" | awk '/^tps/ {print $3}')
  [ -n "$tps" ] || { echo "pgbench of $2 failed:" >&2; cat "$out/pgbench.err" >&2; exit 1; }
  echo "$tps"
}
psql "$server/$db" -qc "INSERT INTO bag (qr_id, role, format_code, status, capacity, child_weight_g)
  SELECT 'PGB' || g, 'parent', 'SB', 'open', 1000000, 1000 FROM generate_series(0, 31) g ON CONFLICT DO NOTHING"
tps=$(pgb 32 scripts/bench/child-scan.sql)
printf 'pgbench\tchild scan\t32\t%s\n' "$tps" >> "$results"
# pgbench's bags are no warehouse's and were never counted: take them out so the
# counters match the rows (its events stay, as the scan rollups counted them).
psql "$server/$db" -qc "DELETE FROM bag_link WHERE parent_id IN (SELECT id FROM bag WHERE qr_id LIKE 'PGB%');
  DELETE FROM bag WHERE qr_id ~ '^G[0-9]+X' OR qr_id LIKE 'PGB%'"
{
  echo "\\set g random(1, $parents)"
  echo "\\set kind random(0, 1)"
  grep -v '^--' crates/db/src/sql/bag_detail.sql \
    | sed -e 's/\$1/(CASE WHEN :kind = 0 THEN '"'"'C'"'"' || lpad(:g::text, 7, '"'"'0'"'"') || '"'"'01'"'"' WHEN :g % 5 = 0 THEN '"'"'M444-'"'"' || lpad(:g::text, 7, '"'"'0'"'"') ELSE '"'"'SB'"'"' || lpad(:g::text, 7, '"'"'0'"'"') END)/' \
          -e 's/\$2/true/g; s/\$3/NULL::text/g; s/\$4/0/g; s/\$5/101/g; s/\$6/21/g'
  echo ";"
} > "$out/bag-detail.pgbench.sql"
tps=$(pgb 32 "$out/bag-detail.pgbench.sql")
printf 'pgbench\tbag lookup\t32\t%s\n' "$tps" >> "$results"

python3 scripts/bench/report.py "$results" "$rss_idle" "$rss_peak" "$bags" "${WRITE_DOCS:-1}"
