#!/usr/bin/env bash
# Checks both lock files against the RustSec advisory database. Without network
# access it uses a local clone of the bundled snapshot (old: it finds old advisories
# only); a connected deployment should run `cargo audit` against the live database.
set -euo pipefail
cd "$(dirname "$0")/.."
db="$HOME/.cache/advisory-db"
bundle="${ADVISORY_DB_BUNDLE:-/work/shared/data/rustsec-advisory-db.bundle}"
if [ ! -d "$db" ] && [ -f "$bundle" ]; then
  git clone -q -b main "$bundle" "$db"
fi
if [ ! -d "$db" ]; then
  echo "cargo audit skipped: no advisory database at $db and no bundle at $bundle"
  exit 0
fi
# --locked picks versions that build on rustc 1.95 (the newest need 1.96).
command -v cargo-audit >/dev/null || cargo install cargo-audit --locked --quiet
cargo audit --db "$db" --no-fetch --stale --quiet
cargo audit --db "$db" --no-fetch --stale --quiet --file frontend/Cargo.lock
echo "cargo audit: no unignored advisories (database $(git -C "$db" log -1 --format=%cs))"
