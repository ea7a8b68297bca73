#!/usr/bin/env bash
# `npm run lab` — the README's main job on Linux: set up (Debian packages, npm, native helper, build) and
# run the lab demo in network namespaces it creates and removes. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "npm run lab: needs root (it creates network namespaces)" >&2; exit 2; fi
bash scripts/install-deps.sh
[ -d node_modules/commander ] || npm ci --no-audit --no-fund --loglevel=error
node scripts/build-native.mjs --strict
npm run -s build >/dev/null # tsc and the bundle bin/switchyard.js loads (a stale bundle would run old code)
node --enable-source-maps dist/test/lab/demo.js "$@"
