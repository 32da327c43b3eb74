#!/usr/bin/env bash
# Runs every *.spec.mjs here (or the files given) in headless Chromium
# (Playwright) against the built server on a fresh database, serving the built
# web app. With BASE_URL and ADMIN_PASSWORD set, runs against that server.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${BASE_URL:-}" ]; then
  # The specs sign the same user in many times a minute from one address;
  # integrations.spec.mjs points a webhook at a receiver of its own on 127.0.0.1.
  export STATIC_DIR="$PWD/frontend/dist" PORT="${E2E_PORT:-18181}" RATE_LIMIT_LOGIN=1000 RATE_LIMIT_2FA=1000 \
    ADMIN_PASSWORD="e2e-admin-password-1" WEBHOOK_ALLOW_PRIVATE=true
  exec tests/support/with-server.sh e2e "$0" "$@"
fi
export NODE_PATH="$PWD/tools/node_modules"
failed=0
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(tests/e2e/*.spec.mjs)
for spec in "${specs[@]}"; do
  node "$spec" || failed=1
done
exit $failed
