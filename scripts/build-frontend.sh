#!/usr/bin/env bash
# Builds the web app into frontend/dist and prints what a first visit downloads.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
export PATH="$PWD/../tools/node_modules/.bin:$PATH"
cargo fetch --target wasm32-unknown-unknown --quiet   # Trunk.toml is offline
trunk build --release --quiet
total=0
for f in dist/*.wasm dist/*.js dist/*.css dist/index.html; do
  [ -f "$f" ] || continue
  gz=$(gzip -9c "$f" | wc -c)
  total=$((total + gz))
  printf '  %-48s %8d bytes, %7d gzipped\n' "$f" "$(stat -c%s "$f")" "$gz"
done
printf 'web app first load: %d bytes gzipped (%d KB; goal <= 400 KB)\n' "$total" $((total / 1024))
