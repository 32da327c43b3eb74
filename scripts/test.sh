#!/usr/bin/env bash
# Runs every check: formatting, lints, the wasm32 build of the shared crates,
# unit and API tests against real PostgreSQL and Redis, the web app build, and
# a fault drill under load, schemathesis against the running server and the
# browser end-to-end tests. Installs and starts what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n\033[1m==> %s (%ds)\033[0m\n' "$*" $(( $(date +%s) - started )); }

step "tools"
scripts/ensure-tools.sh
step "services"
scripts/ensure-services.sh

step "cargo fmt --check"
cargo fmt --all -- --check
(cd frontend && cargo fmt -- --check)
step "clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
step "api-types and domain build for wasm32"
cargo check -p tracetrack-api-types -p tracetrack-domain --target wasm32-unknown-unknown --quiet
if cargo tree -p tracetrack-api-types -p tracetrack-domain -e normal --prefix none | grep -E '^(diesel|actix|tokio|utoipa) '; then
  echo "the shared crates must not depend on server crates" >&2; exit 1
fi
step "unit and API tests"
cargo test --workspace --quiet
step "web app build"
scripts/build-frontend.sh
(cd frontend && cargo clippy --target wasm32-unknown-unknown --release --quiet -- -D warnings \
  && cargo clippy --target wasm32-unknown-unknown --release --quiet --features office -- -D warnings)
step "cargo audit (RustSec database; offline machines use the bundled snapshot)"
scripts/audit.sh
cargo build --bin tracetrack --bin drill --quiet
step "deployment files: compose schema and variables, the config compose passes, nginx -t and a run"
scripts/check-deploy.sh
step "docs/integrations.md, its five steps run as written (curl, the Python receiver, EPCIS)"
tests/docs/integrations.sh
step "backup and restore drill (scripts/backup.sh, scripts/restore.sh)"
tests/backup/run.sh
step "fault drill: PostgreSQL restart, Redis killed, server SIGKILL under steady scanning"
tests/drill/run.sh
step "schemathesis against the running server (every operation, as admin)"
tests/fuzz/run.sh
step "browser end-to-end tests"
tests/e2e/run.sh
step "the floor over HTTPS: production mode, native TLS, a LAN name (tests/e2e/https.sh)"
tests/e2e/https.sh

step "all checks passed"
