#!/usr/bin/env bash
# The ctest fixture of the Linux-side Wine tests: `start PREFIX` makes the Wine prefix
# if it is missing (wineboot) and keeps its server alive; `stop PREFIX` stops the
# server and every Windows process in it (services too). Output to files, never a pipe
# (wineserver would inherit it). Bounded: `timeout` on every wait.
set -euo pipefail
action=$1 prefix=$2
export WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$prefix"
log="$prefix.log"
case $action in
  start)
    if [[ ! -f "$prefix/system.reg" ]]; then
      timeout 300 /usr/lib/wine/wine64 wineboot -i >"$log" 2>&1 </dev/null
      # In the session of `wineboot -i` the service manager stays locked (StartService
      # fails with 1055): end it, as a reboot would.
      timeout 60 /usr/lib/wine/wineserver -k >>"$log" 2>&1 </dev/null || true
      timeout 60 /usr/lib/wine/wineserver -w >>"$log" 2>&1 </dev/null || true
    fi
    timeout 60 /usr/lib/wine/wineserver -p >>"$log" 2>&1 </dev/null
    ;;
  stop)
    timeout 60 /usr/lib/wine/wineserver -k >>"$log" 2>&1 </dev/null || true
    timeout 60 /usr/lib/wine/wineserver -w >>"$log" 2>&1 </dev/null || true
    ;;
  *) echo "usage: $0 start|stop PREFIX" >&2; exit 64 ;;
esac
