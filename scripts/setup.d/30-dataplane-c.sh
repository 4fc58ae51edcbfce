#!/usr/bin/env bash
# Pipeline library, C tests and the replay tool (dataplane/build/gw-replay); make keeps it quick when
# nothing changed. The fuzz target is built by `make -C dataplane test` only.
set -euo pipefail
make -s -C "$ROOT/dataplane" -j2 lib replay build/test_pipeline >/dev/null
