#!/usr/bin/env bash
# Start-up time of the CLI: the module tree tsc writes (dist/src/cli/main.js → ~110 ES modules plus
# commander, yaml, zod, pino) against what the package runs, the same source bundled into one ES module
# (dist/src/cli/main.bundle.mjs, made by `npm run build` via scripts/bundle.mjs and loaded by
# bin/switchyard.js), for `--version` and for `plan` (read-only on Linux: it observes the host and prints).
#
#   npm run build && bash bench/startup.sh          # RUNS=20 per command (default)
#   RUNS=50 bash bench/startup.sh
#
# Runs alternate A B A B ... so that drift of this (shared, noisy) machine hits both; one warm-up each, not
# counted. Figures: median and min of wall and CPU (user+sys) seconds, from bash's `time`. Quote CPU
# medians: wall times on a busy machine swing more. `node -e 0` is the floor.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-20}
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] && [ "$RUNS" -le 200 ] || {
  echo "startup: RUNS must be 1..200" >&2
  exit 2
}
[ -f dist/src/cli/main.js ] || {
  echo "startup: no dist/src/cli/main.js: run npm run build first" >&2
  exit 2
}
CONFIG=switchyard.example.yaml
BUNDLE=bin/switchyard.js
TREE=dist/src/cli/main.js
TIMES=$(mktemp -d)
trap 'rm -rf "$TIMES"' EXIT
[ -f dist/src/cli/main.bundle.mjs ] || {
  echo "startup: no dist/src/cli/main.bundle.mjs: run npm run build first" >&2
  exit 2
}

# The bundle must answer as the package does, or its timing means nothing.
for args in "--version" "plan --config $CONFIG" "script --target windows --config $CONFIG"; do
  # shellcheck disable=SC2086
  if ! cmp -s <(node "$TREE" $args 2>&1) <(node "$BUNDLE" $args 2>&1); then
    echo "startup: the bundle's output differs from the module tree's for: $args" >&2
    exit 1
  fi
done

TIMEFORMAT='%R %U %S'
# time_one NAME CMD...: one run, appends "wall cpu" to $TIMES/NAME.
time_one() {
  local name=$1
  shift
  local t
  t=$({ time "$@" >/dev/null 2>&1; } 2>&1)
  awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.4f %.4f\n", a[1], a[2] + a[3] }' >>"$TIMES/$name"
}
# stats NAME COLUMN: "median min" of that column.
stats() {
  sort -n -k"$2","$2" "$TIMES/$1" | awk -v c="$2" '{ v[NR] = $c } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f", m, v[1] }'
}

bench_pair() { # LABEL ARGS...
  local label=$1
  shift
  time_one warm node "$TREE" "$@"
  time_one warm node "$BUNDLE" "$@"
  for _ in $(seq "$RUNS"); do
    time_one "$label-package" node "$TREE" "$@"
    time_one "$label-bundle" node "$BUNDLE" "$@"
  done
}
bench_pair version --version
bench_pair plan plan --config "$CONFIG"
time_one warm node -e 0
for _ in $(seq "$RUNS"); do time_one floor node -e 0; done

echo "node $(node --version), $RUNS runs each (median / min seconds)"
printf '%-40s %16s %16s\n' command wall cpu
row() { # NAME LABEL
  read -r wm wn <<<"$(stats "$1" 1)"
  read -r cm cn <<<"$(stats "$1" 2)"
  printf '%-40s %7s / %-7s %7s / %-7s\n' "$2" "$wm" "$wn" "$cm" "$cn"
}
row version-package 'module tree --version'
row version-bundle 'bin/switchyard.js (bundle) --version'
row plan-package 'module tree plan'
row plan-bundle 'bin/switchyard.js (bundle) plan'
row floor 'node -e 0 (floor)'
ratio() { awk -v a="$(stats "$1" 2 | cut -d' ' -f1)" -v b="$(stats "$2" 2 | cut -d' ' -f1)" \
  'BEGIN { printf "%.0f%%", (1 - b / a) * 100 }'; }
echo "bundling saves CPU: --version $(ratio version-package version-bundle), plan $(ratio plan-package plan-bundle)"
