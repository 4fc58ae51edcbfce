#!/usr/bin/env bash
# System packages: the union of scripts/packages/*.txt (one package per line, # comments). With --build-only
# nothing is installed, but a missing package is named (the builds after this step would fail on it).
set -euo pipefail
mapfile -t want < <(cat "$ROOT"/scripts/packages/*.txt | sed 's/#.*//' | awk 'NF' | sort -u)
missing=()
for p in "${want[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$SETUP_BUILD_ONLY" = 1 ]; then
  echo "setup --build-only: system packages missing: ${missing[*]}; run \`npm run setup\` first" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
