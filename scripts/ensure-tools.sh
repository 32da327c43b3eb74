#!/usr/bin/env bash
# Installs what the build and tests need, skipping what is already there.
# Usage: scripts/ensure-tools.sh [--frontend-only]
set -euo pipefail
cd "$(dirname "$0")/.."
frontend_only=${1:-}

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "missing Debian packages: ${missing[*]} (install them as root)" >&2; exit 1; }
    sudo="sudo"
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${missing[@]}" >/dev/null
}

# libpq for diesel; the database servers are needed for the tests (and a local run).
apt_install libpq-dev pkg-config
if [ "$frontend_only" != "--frontend-only" ]; then
  command -v pg_ctlcluster >/dev/null || command -v postgres >/dev/null || apt_install postgresql
  command -v redis-server >/dev/null || apt_install redis-server
  command -v chromium >/dev/null || apt_install chromium
  # jq: docs/integrations.md's curl steps use it, and tests/docs/integrations.sh runs them.
  command -v jq >/dev/null || apt_install jq
  # diesel_cli for `diesel print-schema` (tests/api/schema_drift.rs); 2.3.14 is the newest 2.x, builds on 1.95.
  grep -qx ' *Version: 2.3.14' <<<"$(diesel --version 2>/dev/null)" || { log "cargo install diesel_cli 2.3.14 (about 4 min once)"; cargo install diesel_cli --version 2.3.14 --no-default-features --features postgres --locked; }
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || { log "rustup target add wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }
# No trunk and no wasm-bindgen-cli to install: crates/webbuild builds the web app with
# wasm-bindgen as a library (scripts/build-frontend.sh).
# wasm-opt 132, zopfli and playwright-core from npm, installed once per lock file under
# ~/.cache and linked into tools/ (a fresh clone does not ask the registry again: one
# CI run waited 4.5 minutes on an npm request that never answered).
if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -d tools/node_modules/playwright-core ] || [ ! -d tools/node_modules/@gfx/zopfli ]; then
  npm_cache="$HOME/.cache/tracetrack/npm-tools-$(sha256sum tools/package-lock.json | cut -c1-16)"
  if [ ! -x "$npm_cache/node_modules/.bin/wasm-opt" ]; then
    log "npm ci (tools/, into $npm_cache)"
    rm -rf "$npm_cache.tmp" && mkdir -p "$npm_cache.tmp"
    cp tools/package.json tools/package-lock.json "$npm_cache.tmp/"
    (cd "$npm_cache.tmp" && npm ci --no-audit --no-fund --no-update-notifier --prefer-offline --fetch-timeout=60000 --silent)
    rm -rf "$npm_cache" && mv "$npm_cache.tmp" "$npm_cache"
  fi
  rm -rf tools/node_modules && ln -s "$npm_cache/node_modules" tools/node_modules
fi
# schemathesis (PyPI) in its own virtualenv, for tests/fuzz/run.sh.
if [ "$frontend_only" != "--frontend-only" ]; then
  venv="$HOME/.cache/tracetrack/st-venv"
  if [ "$("$venv/bin/st" --version 2>/dev/null)" != "st, version 4.32.5" ]; then
    log "pip install schemathesis 4.32.5 (virtualenv in $venv)"
    command -v python3 >/dev/null || apt_install python3 python3-venv
    rm -rf "$venv" && python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5
  fi
  # check-jsonschema (its bundled compose-spec schema) for scripts/check-deploy.sh, and
  # GS1's EPCIS schema for tests/api/epcis.rs; rfc3986-validator turns on `format: uri`.
  if [ "$("$venv/bin/check-jsonschema" --version 2>/dev/null)" != "check-jsonschema, version 0.39.0" ] ||
    [ "$("$venv/bin/pip" show rfc3986-validator 2>/dev/null | sed -n 's/^Version: //p')" != "0.1.1" ]; then
    log "pip install check-jsonschema 0.39.0 rfc3986-validator 0.1.1"
    "$venv/bin/pip" install --quiet --disable-pip-version-check check-jsonschema==0.39.0 rfc3986-validator==0.1.1
  fi
  # nginx, to check deploy/nginx.conf; the package must not start a daemon here.
  if ! command -v nginx >/dev/null && ! [ -x /usr/sbin/nginx ]; then
    if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      apt_install nginx-light || apt_install nginx
      rm -f /usr/sbin/policy-rc.d
    else
      apt_install nginx-light || apt_install nginx
    fi
  fi
fi
