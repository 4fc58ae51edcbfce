#!/usr/bin/env bash
# npm dependencies, reinstalled only when package.json or package-lock.json changed since the last install.
# The committed lock is complete (every optional platform package listed), so `npm install` leaves it as it
# is: a fresh clone stays clean. Should an install still rewrite it, that is said, not hidden: commit the
# new lock.
set -euo pipefail
cd "$ROOT"
if [ "$SETUP_BUILD_ONLY" = 1 ]; then
  # The builds need node-gyp (the addon) and tsx; say so instead of failing later without a word.
  for bin in node-gyp tsx; do
    [ -x "node_modules/.bin/$bin" ] || { echo "setup --build-only: npm dependencies are not installed (node_modules/.bin/$bin missing); run \`npm run setup\` (or npm install) first" >&2; exit 1; }
  done
  exit 0
fi
stamp=node_modules/.setup-lock-hash
state() { cat package.json package-lock.json | sha256sum | cut -d' ' -f1; }
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(state)" ] && [ -d node_modules/.bin ]; then exit 0; fi
before=$(sha256sum package-lock.json | cut -d' ' -f1)
log=$(mktemp)
if ! npm install --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
  grep -v nodedir "$log" >&2 || true
  rm -f "$log"; echo "setup: npm install failed" >&2; exit 1
fi
rm -f "$log"
[ "$(sha256sum package-lock.json | cut -d' ' -f1)" = "$before" ] ||
  echo "setup: npm install changed package-lock.json (package.json changed, or the lock was incomplete): commit it" >&2
state > "$stamp"
