#!/usr/bin/env bash
# System packages: the union of scripts/packages/*.txt (one package per line, # comments).
set -euo pipefail
[ "$SETUP_BUILD_ONLY" = 1 ] && exit 0
mapfile -t want < <(cat "$ROOT"/scripts/packages/*.txt | sed 's/#.*//' | awk 'NF' | sort -u)
missing=()
for p in "${want[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
