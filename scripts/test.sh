#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, static checks, C test targets, then every test suite.
# test/unit/ runs in one mocha process; every other test/<area>/ directory runs in its own process, because the
# DPDK EAL initialises once per process and areas must not share one.
# Ends with one line "N passed, N failed" summing every suite (mocha and the C harnesses).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; failures=()
count() { # $1 = suite name, $2 = log file, $3 = exit code
  local p f
  p=$(grep -aEo '^ *[0-9]+ passing' "$2" | awk '{s+=$1} END {print s+0}')
  f=$(grep -aEo '^ *[0-9]+ failing' "$2" | awk '{s+=$1} END {print s+0}')
  # C harnesses print the plain form.
  p=$((p + $(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$2" | awk '{s+=$1} END {print s+0}')))
  f=$((f + $(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$2" | awk '{s+=$3} END {print s+0}')))
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  [ "$3" -ne 0 ] && failures+=("$1")
  return 0
}
run() { # $1 = suite name, rest = command
  local name=$1; shift
  local log; log=$(mktemp)
  echo "=== $name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  count "$name" "$log" "$rc"
  rm -f "$log"
}

run typecheck npx tsc -p tsconfig.json --noEmit
run lint npx eslint .
for mk in dataplane/Makefile zebra-plugin/Makefile; do
  [ -f "$mk" ] && run "$(dirname "$mk") C tests" make -s -C "$(dirname "$mk")" test
done
filter=${TEST_AREAS:-}
for dir in test/*/; do
  area=$(basename "$dir")
  if [ -n "$filter" ] && [[ " $filter " != *" $area "* ]]; then continue; fi
  ls "$dir"*.test.ts >/dev/null 2>&1 || ls "$dir"**/*.test.ts >/dev/null 2>&1 || continue
  run "mocha $area" npx mocha --recursive "$dir"
done

echo
[ ${#failures[@]} -gt 0 ] && echo "failed suites: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
