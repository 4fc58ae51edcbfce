#!/usr/bin/env bash
# The counting, time limits and area selection of `npm test`. scripts/test.sh sources this file; the runner's
# self-test (test/runner/) executes it against fixture trees, so what the self-test proves is this code:
#   bash scripts/lib/test-runner.sh TESTDIR     run the areas of TESTDIR (TEST_AREAS selects), print the total
#
# Rules (issue 8, "the runner must not lie"):
# - every step's exit status decides: a step that exits non-zero is at least one failure, whatever it printed;
# - a test step that exits 0 but reports no test (no mocha summary, no "N passed, N failed" line) is a failure;
# - each step runs under a time limit in its own process group; past it the group is killed and the step
#   fails naming itself (TEST_AREA_TIMEOUT seconds, default 600: five times the longest area, lab, measured at 2 min);
# - an unknown TEST_AREAS name is an error before anything runs; tests in subfolders of an area are found;
# - mocha's pending tests (it.skip, this.skip()) are counted as skipped and printed in the last line,
#   "N passed, N failed, N skipped".
set -uo pipefail

TR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tr_passed=0 tr_failed=0 tr_skipped=0
tr_failures=()
tr_current=

# Ctrl-C or a TERM to the runner ends the step it is running, not only the runner (the step runs in its
# own process group, out of reach of the terminal's signals).
tr_interrupt() {
  [ -n "$tr_current" ] && kill -TERM -- "-$tr_current" 2>/dev/null
  echo "test runner: interrupted" >&2
  exit 130
}
trap tr_interrupt INT TERM

# The last result a step printed: mocha's "N passing / N failing / N pending" or the C harnesses' plain line.
# Prints "passed failed skipped found" (found = 1 when a result line was seen).
tr_parse() { # LOG
  local p f s line found=0
  p=$(grep -aE '^ +[0-9]+ passing' "$1" | tail -1 | awk '{print $1}')
  f=$(grep -aE '^ +[0-9]+ failing' "$1" | tail -1 | awk '{print $1}')
  s=$(grep -aE '^ +[0-9]+ pending' "$1" | tail -1 | awk '{print $1}')
  [ -n "$p" ] && found=1
  line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -1)
  if [ -n "$line" ]; then
    found=1
    read -r lp lf ls < <(sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/' <<<"$line")
    p=$(( ${p:-0} + lp )); f=$(( ${f:-0} + lf )); s=$(( ${s:-0} + ${ls:-0} ))
  fi
  echo "${p:-0} ${f:-0} ${s:-0} $found"
}

# Runs one step: NAME, KIND (tests: must report tests; check: pass/fail only), then the command.
tr_run() { # NAME KIND CMD...
  local name=$1 kind=$2; shift 2
  local limit=${TEST_AREA_TIMEOUT:-600} log rc tailpid start p f s found why=
  log=$(mktemp)
  echo "=== $name"
  start=$SECONDS
  # timeout(1) makes itself a process group leader and signals the whole group: the step and its children.
  timeout -k 10 "$limit" "$@" >"$log" 2>&1 </dev/null &
  tr_current=$!
  tail -n +1 -s 0.2 -f --pid="$tr_current" "$log" &
  tailpid=$!
  wait "$tr_current"; rc=$?
  wait "$tailpid"
  tr_current=
  read -r p f s found < <(tr_parse "$log")
  if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ $((SECONDS - start)) -ge "$limit" ]; }; then
    why="TIMEOUT: $name ran longer than its limit of $limit s (TEST_AREA_TIMEOUT); its process group was killed"
  elif [ "$rc" -ne 0 ]; then
    why="$name exited with status $rc"
  elif [ "$kind" = tests ] && [ "$found" -eq 0 ]; then
    why="$name exited 0 but reported no test result"
  elif [ "$kind" = tests ] && [ $((p + f + s)) -eq 0 ]; then
    why="$name ran no test"
  fi
  if [ -n "$why" ]; then
    echo "FAILED: $why"
    [ "$f" -eq 0 ] && f=1
  fi
  if [ "$f" -gt 0 ]; then tr_failures+=("$name"); fi
  tr_passed=$((tr_passed + p)) tr_failed=$((tr_failed + f)) tr_skipped=$((tr_skipped + s))
  rm -f "$log"
  return 0
}

# Areas of TESTDIR: its subfolders holding a *.test.ts at any depth. With a filter (TEST_AREAS), every name
# must be such an area; else the known ones are listed and this returns 2. Sets tr_areas.
tr_select_areas() { # TESTDIR FILTER
  local dir=$1 filter=$2 d a bad=()
  local known=()
  for d in "$dir"/*/; do
    [ -d "$d" ] || continue
    [ -n "$(find "$d" -name '*.test.ts' -print -quit)" ] && known+=("$(basename "$d")")
  done
  tr_areas=()
  if [ -z "${filter// /}" ]; then
    tr_areas=("${known[@]}")
    return 0
  fi
  for a in $filter; do
    if [[ " ${known[*]} " == *" $a "* ]]; then tr_areas+=("$a"); else bad+=("$a"); fi
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "TEST_AREAS: unknown area(s): ${bad[*]} (areas with *.test.ts under $dir: ${known[*]})" >&2
    return 2
  fi
}

# Each area in its own mocha process (the DPDK EAL initialises once per process and areas must not share one).
tr_run_areas() { # TESTDIR
  local a files
  for a in "${tr_areas[@]}"; do
    mapfile -t files < <(find "$1/$a" -name '*.test.ts' | sort)
    tr_run "mocha $a" tests npx mocha "${files[@]}"
  done
}

# The closing line; returns non-zero when anything failed.
tr_summary() {
  echo
  [ ${#tr_failures[@]} -gt 0 ] && echo "failed suites: ${tr_failures[*]}"
  echo "$tr_passed passed, $tr_failed failed, $tr_skipped skipped"
  [ "$tr_failed" -eq 0 ] && [ ${#tr_failures[@]} -eq 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  [ $# -eq 1 ] || { echo "usage: test-runner.sh TESTDIR" >&2; exit 2; }
  cd "$TR_ROOT" || exit 2
  tr_select_areas "$1" "${TEST_AREAS:-}" || { echo "0 passed, 1 failed, 0 skipped"; exit 2; }
  tr_run_areas "$1"
  tr_summary
fi
