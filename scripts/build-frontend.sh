#!/usr/bin/env bash
# Builds the web app into frontend/dist and prints what a first visit downloads.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
export PATH="$PWD/../tools/node_modules/.bin:$PATH"
cargo fetch --target wasm32-unknown-unknown --quiet   # Trunk.toml is offline
trunk build --release --quiet
# Precompressed copies (zopfli gzip, brotli) that the server sends as they are.
node ../tools/precompress.mjs dist
