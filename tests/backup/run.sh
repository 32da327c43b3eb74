#!/usr/bin/env bash
# Backup and restore drill: a seeded database (tracetrack seed) is backed up with
# scripts/backup.sh, restored with scripts/restore.sh into a fresh database, and
# every table's row count and the migration list must match; restoring over an
# existing database and a damaged dump must both be refused.
set -euo pipefail
cd "$(dirname "$0")/../.."
server=${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}
bin=${TRACETRACK_BIN:-target/debug/tracetrack}
src="tracetrack_backup_src_$$"
dst="tracetrack_backup_dst_$$"
dir=$(mktemp -d)
cleanup() {
  for db in "$src" "$dst"; do psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "backup drill: $*" >&2; exit 1; }

DATABASE_URL="$server/$src" REDIS_URL= "$bin" seed --bags 2000 >/dev/null
counts() {
  psql "$1" -Atqc "SELECT table_name FROM information_schema.tables
                   WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1" |
  while read -r t; do printf '%s\t%s\n' "$t" "$(psql "$1" -Atqc "SELECT count(*) FROM \"$t\"")"; done
}
before=$(counts "$server/$src")
# An old dump past retention is removed; the new one is kept.
touch -d '20 days ago' "$dir/tracetrack-20000101T000000Z.dump"
dump=$(DATABASE_URL="$server/$src" KEEP_DAYS=14 scripts/backup.sh "$dir" 2>/dev/null)
[ -s "$dump" ] || fail "no dump written"
[ ! -e "$dir/tracetrack-20000101T000000Z.dump" ] || fail "retention kept a 20-day-old dump"

restored=$(scripts/restore.sh "$dump" "$server/$dst")
after=$(counts "$server/$dst")
[ "$before" = "$after" ] || fail "row counts differ: $(diff <(echo "$before") <(echo "$after") | head -20)"
[ "$restored" = "$after" ] || fail "restore.sh reported other counts than the database holds"
bags=$(awk -F'\t' '$1 == "bag" {print $2}' <<<"$after")
[ "${bags:-0}" -gt 1000 ] || fail "the restored database has ${bags:-0} bags"
out=$(DATABASE_URL="$server/$dst" REDIS_URL= "$bin" migrate)
[ "$out" = "applied 0 migration(s)" ] || fail "the restored schema is not current: $out"

scripts/restore.sh "$dump" "$server/$dst" >/dev/null 2>&1 && fail "restored over an existing database"
head -c 4096 "$dump" > "$dir/damaged.dump"
scripts/restore.sh "$dir/damaged.dump" "$server/${dst}_x" >/dev/null 2>&1 && fail "restored a damaged dump"
exists=$(psql "$server/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '${dst}_x'")
[ -z "$exists" ] || { psql "$server/postgres" -qc "DROP DATABASE ${dst}_x"; fail "a failed restore left its database"; }
echo "backup drill: $(wc -l <<<"$after") tables, ${bags} bags, dump $(du -h "$dump" | cut -f1); restore refused over a live database and from a damaged dump"
