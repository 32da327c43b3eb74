#!/usr/bin/env bash
# Restores a dump made by scripts/backup.sh into a new database, never over a live
# one: the target must not exist yet (it is created), so a mistyped name cannot
# overwrite production. Then ANALYZE, and a row count of every table.
#
# Usage: scripts/restore.sh DUMP TARGET_DATABASE_URL
#   e.g. scripts/restore.sh backups/tracetrack-20261207T020000Z.dump \
#          postgres://postgres@127.0.0.1:5432/tracetrack_restored
# Point DATABASE_URL of the app at the restored database (or rename it) to use it;
# `tracetrack migrate` then brings an older dump's schema up to date.
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
dump=$1
target=$2
[ -r "$dump" ] || { echo "restore: cannot read $dump" >&2; exit 1; }
pg_restore --list "$dump" >/dev/null || { echo "restore: $dump is not a pg_dump custom-format file" >&2; exit 1; }
base=${target%%\?*}
db=${base##*/}
server=${base%/*}
query=""
[ "$base" != "$target" ] && query="?${target#*\?}"
[[ $db =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "restore: unusable database name '$db'" >&2; exit 1; }
exists=$(psql "$server/postgres$query" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db'")
[ -z "$exists" ] || { echo "restore: database $db exists; restore into a new one" >&2; exit 1; }
psql "$server/postgres$query" -qc "CREATE DATABASE \"$db\""
if ! pg_restore --no-owner --no-privileges --exit-on-error --single-transaction -d "$target" "$dump"; then
  echo "restore: failed; dropping the half-made $db" >&2
  psql "$server/postgres$query" -qc "DROP DATABASE \"$db\"" || true
  exit 1
fi
psql "$target" -qc "ANALYZE"
psql "$target" -Atqc "SELECT table_name FROM information_schema.tables
                      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1" |
while read -r table; do
  printf '%s\t%s\n' "$table" "$(psql "$target" -Atqc "SELECT count(*) FROM \"$table\"")"
done
