#!/usr/bin/env bash
# Pipeline library, C tests and the replay tool (dataplane/out/gw-replay); make keeps it quick when
# nothing changed. The fuzz target is built by `make -C dataplane test` only.
set -euo pipefail
make -s -C "$ROOT/dataplane" -j2 lib replay test-bin >/dev/null
