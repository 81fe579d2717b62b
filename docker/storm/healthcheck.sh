#!/bin/bash
# A container's health by its role (the compose file's health checks):
#   storm-healthcheck nimbus [port]      Nimbus accepts connections on its port (6627), at the
#                                        container's host name (storm.local.hostname, which it binds)
#   storm-healthcheck supervisor [dir]   the supervisor renewed its registration in the last 30 s
#                                        (it touches <storm.local.dir>/supervisor/heartbeat then)
#   storm-healthcheck ui [port]          the UI answers its REST API (8080)
set -euo pipefail

case "${1:-}" in
nimbus)
    exec 3<>"/dev/tcp/$(hostname)/${2:-6627}"
    ;;
supervisor)
    beat="${2:-/data}/supervisor/heartbeat"
    [ -n "$(find "$beat" -newermt '-30 seconds' 2>/dev/null)" ]
    ;;
ui)
    exec 3<>"/dev/tcp/$(hostname)/${2:-8080}"
    printf 'GET /api/v1/cluster/summary HTTP/1.0\r\n\r\n' >&3
    head -1 <&3 | grep -q ' 200 '
    ;;
*)
    echo "usage: storm-healthcheck nimbus|supervisor|ui [port]" >&2
    exit 2
    ;;
esac
