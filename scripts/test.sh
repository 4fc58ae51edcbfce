#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, static checks, C test targets, then every test area.
# test/unit/ runs in one mocha process; every other test/<area>/ directory runs in its own process, because the
# DPDK EAL initialises once per process and areas must not share one. TEST_AREAS="unit lab" runs only those
# areas (and skips the static checks and C tests); an unknown name is an error.
# Ends with one line "N passed, N failed, N skipped" summing every suite (mocha and the C harnesses). How
# steps are run, timed out and counted: scripts/lib/test-runner.sh (proved by test/runner/).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=lib/test-runner.sh
source scripts/lib/test-runner.sh

# Before the set-up: a mistyped area must not cost a minute of building first.
tr_select_areas test "${TEST_AREAS:-}" || { echo "0 passed, 1 failed, 0 skipped"; exit 2; }
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

if [ -z "${TEST_AREAS:-}" ]; then
  tr_run typecheck check npx tsc -p tsconfig.json --noEmit
  tr_run lint check npx eslint .
  for mk in dataplane/Makefile zebra-plugin/Makefile; do
    tr_run "$(dirname "$mk") C tests" tests make -s -C "$(dirname "$mk")" test
  done
fi
tr_run_areas test
tr_summary
