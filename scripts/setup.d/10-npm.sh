#!/usr/bin/env bash
# npm dependencies (npm install, not ci: the registry lacks some optional platform packages, so the lock
# never lists them and npm ci refuses it), reinstalled only when package-lock.json changed since the last install.
set -euo pipefail
[ "$SETUP_BUILD_ONLY" = 1 ] && exit 0
cd "$ROOT"
stamp=node_modules/.setup-lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then exit 0; fi
log=$(mktemp)
if ! npm install --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
  grep -v nodedir "$log" >&2; rm -f "$log"; echo "setup: npm install failed" >&2; exit 1
fi
rm -f "$log"
echo "$hash" > "$stamp"
