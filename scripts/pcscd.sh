#!/usr/bin/env bash
# Starts pcscd with the vsmartcard virtual reader driver unless one already runs, and stops only a
# pcscd this script started (its pid is kept in .build/pcscd.pid).
#   scripts/pcscd.sh start | stop | status | running (exit status only)
# Scripts that start it stop it only when `running` said no before they started it.
set -euo pipefail
cd "$(dirname "$0")/.."
pidfile=.build/pcscd.pid
socket=/run/pcscd/pcscd.comm

running() { pgrep -x pcscd >/dev/null 2>&1; }

case "${1:-}" in
start)
  if running; then
    echo "pcscd: already running (pid $(pgrep -x pcscd | head -1)); using it"
    exit 0
  fi
  if [ ! -e /etc/reader.conf.d/vpcd ]; then
    echo "pcscd: the vpcd driver is not installed (apt-get install vsmartcard-vpcd)" >&2
    exit 1
  fi
  mkdir -p .build
  # Default signal handling and an empty signal mask: a caller's thread may block signals (a Swift
  # test's does), and pcscd would inherit that and ignore SIGTERM.
  env --default-signal pcscd --foreground >.build/pcscd.log 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    [ -S "$socket" ] && { echo "pcscd: started (pid $(cat "$pidfile"))"; exit 0; }
    sleep 0.1
  done
  echo "pcscd: did not open $socket within 10 s; see .build/pcscd.log" >&2
  exit 1
  ;;
stop)
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    rm -f "$pidfile"
    if [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = pcscd ] && kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "pcscd: stopped (pid $pid)"
    fi
  fi
  ;;
status)
  running && echo "pcscd: running" || echo "pcscd: not running"
  ;;
running)
  running
  ;;
*)
  echo "usage: $0 start|stop|status|running" >&2
  exit 2
  ;;
esac
