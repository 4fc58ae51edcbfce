#!/usr/bin/env bash
# Runs the C test binaries of a Makefile `test` target and prints their total, "N passed, N failed, N skipped".
#   bash scripts/lib/c-tests.sh LABEL=COMMAND ...
# Each COMMAND runs with `bash -c` and its exit status decides: a binary that exits non-zero (a failing test,
# an ASan/UBSan abort, a crash) is a failure even when it printed "N passed, 0 failed" before dying, and one
# that exits 0 without a result line is a failure too (nothing it ran can be counted). The output of a failing
# command is shown, indented, and so is every per-case line: scripts/test.sh sums only the unindented last one.
# Nothing is read from an earlier run: each case's log is written afresh to $C_TEST_LOG_DIR/LABEL.log
# (default: a temporary directory, removed at the end).
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: c-tests.sh LABEL=COMMAND ..." >&2; exit 2; }
dir=${C_TEST_LOG_DIR:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
total_p=0; total_f=0; total_s=0
for case in "$@"; do
  label=${case%%=*}; cmd=${case#*=}
  [ -n "$label" ] && [ "$label" != "$case" ] || { echo "c-tests.sh: '$case' is not LABEL=COMMAND" >&2; exit 2; }
  log=$dir/$label.log
  bash -c "$cmd" >"$log" 2>&1
  rc=$?
  line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  p=0; f=0; s=0; extra=
  if [ -n "$line" ]; then
    extra=$(sed -E 's/^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?//' <<<"$line")
    read -r p f s < <(sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/' <<<"$line")
    s=${s:-0}
  fi
  why=
  if [ "$rc" -gt 128 ]; then
    why="killed by signal SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
  elif [ "$rc" -ne 0 ]; then
    why="exit status $rc"
  elif [ -z "$line" ]; then
    why="exit status 0 but no 'N passed, N failed' line"
  fi
  # A crash after (or instead of) the result line still counts: at least one failure.
  if [ -n "$why" ] && [ "$f" -eq 0 ]; then f=1; fi
  total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + s))
  if [ -n "$why" ] || [ "$f" -gt 0 ]; then
    echo "  $label: $p passed, $f failed, $s skipped (${why:-failing tests}); its output:"
    grep -av '^ok ' "$log" | tail -n 200 | sed 's/^/    | /'
  else
    echo "  $label: $p passed, $f failed, $s skipped$extra"
  fi
done
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ] && [ "$total_p" -gt 0 ]
