#!/usr/bin/env bash
# One idempotent set-up for a fresh Debian 12 machine: system packages, npm dependencies, native builds.
# Each step lives in scripts/setup.d/NN-name.sh (run in order) and must be fast when nothing changed.
#   --build-only   skip package installation (apt, npm), only rebuild what is stale
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
export SETUP_BUILD_ONLY=0
[ "${1:-}" = "--build-only" ] && SETUP_BUILD_ONLY=1
# Cache for things that are not ours and must never be committed (FRR source tree, configure output).
export GW_CACHE=${GW_CACHE:-/var/cache/vpc-gateway}
mkdir -p "$GW_CACHE"
for step in "$ROOT"/scripts/setup.d/*.sh; do
  name=$(basename "$step" .sh)
  start=$(date +%s%N)
  rc=0
  bash "$step" || rc=$?
  [ "$rc" -eq 0 ] || { echo "setup: $name failed (exit status $rc; its messages are above)" >&2; exit "$rc"; }
  echo "setup: $name ok ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
done
