#!/usr/bin/env bash
# Dataplane table schema -> dataplane/tables/gen/ (C header for the addon and gw-replay, TS for the agent), before
# the C builds that include it. Files whose content is unchanged are not rewritten, so nothing rebuilds for
# nothing; a regenerated file shows in `git status` and belongs in the same commit as the schema change.
set -euo pipefail
cd "$ROOT"
node_modules/.bin/tsx dataplane/tables/gen.ts
