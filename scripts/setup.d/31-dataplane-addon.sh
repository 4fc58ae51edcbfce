#!/usr/bin/env bash
# Builds the dataplane Node addon (dataplane/build/Release/gw_dataplane.node) with npm's node-gyp against the
# system Node headers (/usr/include/node, no download). The addon compiles only its binding (addon/*.cc) and the
# runtime (src/runtime); the pipeline is dataplane/out/libgwpipeline.a, the one build of it that the C tests,
# replay and the bench link too, made by 30-dataplane-c.sh (run first, and again here so this step alone is
# enough). Rebuilds only when a source or the library is newer than the addon.
set -euo pipefail
cd "$ROOT/dataplane"
make -s -j2 lib >/dev/null
lib=out/libgwpipeline.a
out=build/Release/gw_dataplane.node
if [ -f "$out" ] && [ -f build/Makefile ] && [ ! "$lib" -nt "$out" ] && \
   [ -z "$(find binding.gyp addon src/runtime include tables -newer "$out" \( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.gyp' \) -print -quit 2>/dev/null)" ]; then
  # The source list is a command expansion in binding.gyp: a new file must re-run configure.
  listed=$(sed -n '/^OBJS :=/,/^$/p' build/gw_dataplane.target.mk | grep -c '\.o')
  have=$(ls addon/*.cc src/runtime/*.c 2>/dev/null | wc -l)
  [ "$listed" -ge "$have" ] && exit 0
fi
gyp="$ROOT/node_modules/.bin/node-gyp"
[ -x "$gyp" ] || { echo "setup: $gyp missing: run \`npm run setup\` (npm install) first" >&2; exit 1; }
log=$(mktemp)
if ! { "$gyp" configure --nodedir=/usr && "$gyp" build -j 2; } >"$log" 2>&1; then
  # The compiler's error lines, or the end of the log when there are none (a tool that is missing).
  { grep -E 'error|Error' "$log" || tail -20 "$log"; } | head -40 >&2
  rm -f "$log"; echo "setup: dataplane addon build failed" >&2; exit 1
fi
rm -f "$log"
touch "$out"
