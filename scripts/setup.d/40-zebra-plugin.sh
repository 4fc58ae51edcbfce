#!/usr/bin/env bash
# Builds the zebra plugin (zebra-plugin/build/gw_zebra_plugin.so) against the FRR source from 20-frr-source.sh.
# make only rebuilds when sources or the generated wire header changed.
set -euo pipefail
make -s -C "$ROOT/zebra-plugin" GW_CACHE="${GW_CACHE:-/var/cache/vpc-gateway}" >/dev/null
