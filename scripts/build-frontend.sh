#!/usr/bin/env bash
# Builds the web app into frontend/dist and prints what a first visit downloads.
# Two builds of one crate: the floor app (index.html: sign-in, dashboard, station,
# scanner test, notifications) that a worker's phone loads first, and the office
# app (office.html, feature `office`: every page) that the server sends for office
# paths; their hashed asset names never clash, so both live in dist/. The builder is
# crates/webbuild (wasm-bindgen as a library, wasm-opt from tools/), compiled in the
# shared target/ like every other crate of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd frontend && cargo fetch --locked --target wasm32-unknown-unknown --quiet)
cargo build --quiet -p tracetrack-webbuild
target/debug/webbuild frontend
# Precompressed copies (zopfli gzip, brotli) that the server sends as they are.
node tools/precompress.mjs frontend/dist
