#!/usr/bin/env bash
# Builds the web app into frontend/dist and prints what a first visit downloads.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
export PATH="$PWD/../tools/node_modules/.bin:$PATH"
cargo fetch --target wasm32-unknown-unknown --quiet   # Trunk.toml is offline
# Two builds of one crate: the floor app (index.html: sign-in, dashboard, station,
# scanner test, notifications) that a worker's phone loads first, and the office
# app (office.html, feature `office`: every page) that the server sends for office
# paths. Their hashed asset names never clash, so both live in dist/.
trunk build --release --quiet
sed 's/data-trunk rel="rust"/& data-cargo-features="office"/' index.html > office.html
office=target/office-dist
trunk build --release --quiet office.html --dist "$office"
cp "$office"/tracetrack-web-* dist/
cp -rn "$office"/snippets/. dist/snippets/
cp "$office"/index.html dist/office.html
# Precompressed copies (zopfli gzip, brotli) that the server sends as they are.
node ../tools/precompress.mjs dist
