#!/bin/sh
# The lab's process supervisor for a node's cmd (what Restart=always is on a host, dist/systemd/): runs the
# command, and when it exits, for whatever reason, starts it again. A command that dies within STABLE_S of its
# start is restarted with a doubling delay (up to MAX_DELAY_MS), one that ran longer right away again after
# MIN_DELAY_MS. SIGTERM/SIGINT stop it: the command gets SIGTERM and is not restarted.
#   supervise.sh <pid-file> <command line>
# The pid file holds the running command's pid (the command is exec'd by sh, so it is the command's own).
pidfile=$1
cmd=$2
MIN_DELAY_MS=${SUPERVISE_MIN_DELAY_MS:-300}
MAX_DELAY_MS=8000
STABLE_S=5
stop=0
child=
trap 'stop=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
delay=$MIN_DELAY_MS
while [ "$stop" = 0 ]; do
  started=$(date +%s)
  sh -c "exec $cmd" &
  child=$!
  echo "$child" > "$pidfile"
  # wait returns early when a trapped signal arrives: wait again until the command really exited.
  while :; do
    wait "$child"
    rc=$?
    kill -0 "$child" 2>/dev/null || break
  done
  child=
  rm -f "$pidfile"
  [ "$stop" = 0 ] || break
  if [ $(( $(date +%s) - started )) -ge "$STABLE_S" ]; then delay=$MIN_DELAY_MS; fi
  echo "supervise: $(date -u +%FT%T.%3NZ) command exited with status $rc, restarting in ${delay} ms: $cmd"
  # In the background, so SIGTERM is handled at once rather than after the sleep.
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))" &
  wait $!
  delay=$((delay * 2))
  [ "$delay" -le "$MAX_DELAY_MS" ] || delay=$MAX_DELAY_MS
done
exit 0
