#!/usr/bin/env bash
# Installs Debian's ZooKeeper package (server jars under /usr/share/java, scripts under
# /usr/share/zookeeper) for the integration tests, which run it as a plain java process.
# Idempotent: does nothing when it is already there. Starts no service.
set -euo pipefail

if [ -d /usr/share/zookeeper ] && [ -f /usr/share/java/zookeeper.jar ]; then
    echo "zookeeper: already installed ($(readlink -f /usr/share/java/zookeeper.jar))"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# The package lists may be empty on a fresh machine; refresh them when the package is unknown.
if ! apt-cache show zookeeper >/dev/null 2>&1; then
    $SUDO apt-get update
fi
if ! $SUDO apt-get install -y --no-install-recommends zookeeper; then
    # A stale list can point at versions the mirror no longer has: refresh once and retry.
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends zookeeper
fi

# Logging binding for the server's stderr (the package only puts slf4j-api on its classpath).
if [ ! -f /usr/share/java/slf4j-simple.jar ]; then
    echo "zookeeper: warning: /usr/share/java/slf4j-simple.jar missing; the server will log nothing" >&2
fi
if ! command -v java >/dev/null 2>&1; then
    echo "zookeeper: error: no java on PATH after installing zookeeper" >&2
    exit 1
fi
echo "zookeeper: installed ($(readlink -f /usr/share/java/zookeeper.jar))"
