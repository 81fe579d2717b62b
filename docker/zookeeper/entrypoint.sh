#!/bin/bash
# Starts ZooKeeper with a zoo.cfg made from the environment, as the official image does:
#   ZOO_MY_ID     this member's id (an ensemble member needs one)
#   ZOO_SERVERS   the members, e.g. "server.1=zk1:2888:3888;2181 server.2=zk2:2888:3888;2181"
#                 (unset: a standalone server)
#   ZOO_TICK_TIME (2000), ZOO_INIT_LIMIT (10), ZOO_SYNC_LIMIT (5), ZOO_MAX_CLIENT_CNXNS (60)
# `zookeeper-entrypoint healthcheck` asks the local server `srvr` and succeeds once it serves.
set -euo pipefail

if [ "${1:-}" = "healthcheck" ]; then
    exec 3<>/dev/tcp/127.0.0.1/2181
    printf srvr >&3
    grep -q '^Mode: ' <&3
    exit
fi

conf=/data/zoo.cfg
{
    echo "tickTime=${ZOO_TICK_TIME:-2000}"
    echo "initLimit=${ZOO_INIT_LIMIT:-10}"
    echo "syncLimit=${ZOO_SYNC_LIMIT:-5}"
    echo "maxClientCnxns=${ZOO_MAX_CLIENT_CNXNS:-60}"
    echo "dataDir=/data"
    echo "dataLogDir=/datalog"
    echo "clientPort=2181"
    echo "admin.enableServer=false"
    echo "4lw.commands.whitelist=srvr,ruok,mntr,stat"
    echo "standaloneEnabled=true"
    for server in ${ZOO_SERVERS:-}; do
        echo "$server"
    done
} >"$conf"
if [ -n "${ZOO_SERVERS:-}" ]; then
    if [ -z "${ZOO_MY_ID:-}" ]; then
        echo "ZOO_SERVERS is set but ZOO_MY_ID is not" >&2
        exit 1
    fi
    echo "$ZOO_MY_ID" >/data/myid
    main=org.apache.zookeeper.server.quorum.QuorumPeerMain
else
    main=org.apache.zookeeper.server.ZooKeeperServerMain
fi
exec java -Xms32m -Xmx${ZOO_HEAP:-256m} -XX:+UseSerialGC \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
    -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar "$main" "$conf"
