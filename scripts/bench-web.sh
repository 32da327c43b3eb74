#!/usr/bin/env bash
# Benchmark of the web app: scan → feedback latency under 4× CPU throttling, and
# the gzipped size of the first load. Builds what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-frontend.sh
cargo build --bin tracetrack --quiet
tests/e2e/run.sh tests/e2e/latency.bench.mjs
