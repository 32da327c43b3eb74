#!/usr/bin/env bash
# Runs TraceTrack on http://127.0.0.1:8080: builds the web app and the server,
# creates and migrates the database, serves API, web app and Swagger UI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh --frontend-only
scripts/build-frontend.sh
export STATIC_DIR="${STATIC_DIR:-$PWD/frontend/dist}"
cargo build --release --bin tracetrack --quiet
exec target/release/tracetrack serve
