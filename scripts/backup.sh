#!/usr/bin/env bash
# A logical backup of the TraceTrack database: pg_dump in custom format (compressed,
# restorable table by table), written under a temporary name and renamed when
# complete and readable, then dumps older than KEEP_DAYS are deleted.
#
# Usage: scripts/backup.sh [DIR]       (default DIR: backups)
#   DATABASE_URL   the database (default postgres://postgres@127.0.0.1:5432/tracetrack;
#                  a password may come from PGPASSWORD or ~/.pgpass)
#   KEEP_DAYS      retention in days (default 14; 0 keeps every dump)
# Prints the path of the new dump. The compose stack publishes no database port: there,
# dump inside the db container (docs/operations.md, Backup and restore).
set -euo pipefail
dir=${1:-backups}
url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tracetrack}
keep=${KEEP_DAYS:-14}
command -v pg_dump >/dev/null || { echo "backup: pg_dump is missing (apt-get install postgresql-client)" >&2; exit 1; }
mkdir -p "$dir"
name="tracetrack-$(date -u +%Y%m%dT%H%M%SZ).dump"
tmp="$dir/.$name.partial"
trap 'rm -f "$tmp"' EXIT
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$tmp" "$url"
# A dump that cannot be listed is not a backup.
pg_restore --list "$tmp" >/dev/null
mv "$tmp" "$dir/$name"
if [ "$keep" -gt 0 ]; then
  find "$dir" -maxdepth 1 -name 'tracetrack-*.dump' -mtime "+$((keep - 1))" -print -delete | sed 's/^/backup: removed old /' >&2
fi
echo "$dir/$name"
