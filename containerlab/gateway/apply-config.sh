#!/bin/sh
# Puts a desired-state document into a gateway's config store through its REST API (unix socket) once the
# gateway answers, and fails loudly when the gateway refuses it. Used by topology `exec` lines, so it works the
# same under containerlab (Docker) and the netns runner.
#   apply-config.sh <api.sock> <config.json> [timeout-seconds]
set -eu
sock=$1
file=$2
deadline=$(( $(date +%s) + ${3:-60} ))
until curl -sf --unix-socket "$sock" http://gw/v1/status >/dev/null 2>&1; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "apply-config: gateway API $sock did not answer within ${3:-60} s" >&2
    exit 1
  fi
  sleep 0.2
done
# Writes need the ETag of the generation they replace (optimistic concurrency).
etag=$(curl -sf -D - -o /dev/null --unix-socket "$sock" http://gw/v1/config | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')
out=$(curl -s -w '\n%{http_code}' --unix-socket "$sock" -X PUT -H 'content-type: application/json' \
  -H "if-match: $etag" -H 'x-gw-user: lab' --data-binary @"$file" http://gw/v1/config)
code=$(printf '%s\n' "$out" | tail -n 1)
case $code in
  2*) printf '%s\n' "$out" | head -n -1 ;;
  *) echo "apply-config: PUT /v1/config answered HTTP $code: $(printf '%s\n' "$out" | head -n -1)" >&2; exit 1 ;;
esac
