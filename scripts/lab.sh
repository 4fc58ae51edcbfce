#!/usr/bin/env bash
# The README's main job: a fresh Debian 12 machine to a running `underlay` lab with traffic through the gateway.
#   npm run lab                  set up, bring the lab up (or reuse it), converge, traffic, summary; leave it running
#   npm run lab -- --down        the same, then remove the lab
#   npm run lab -- --recreate    remove a running lab first
#   npm run lab -- --topology containerlab/<x>.clab.yml
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ "$(id -u)" = 0 ] || { echo "lab: needs root (network namespaces, DPDK)" >&2; exit 1; }
echo "[setup] installing and building what is missing (fast when done)"
bash scripts/setup.sh | sed 's/^/      /'
exec node --import tsx agent/src/lab/job.ts "$@"
