#!/usr/bin/env bash
# Builds the images from this workspace's release build, with no registry:
#   storm-base:bookworm   docker/build-base.sh (debootstrap + docker import; kept once made)
#   storm-zookeeper:dev   Debian's zookeeper package (docker/zookeeper/)
#   storm-rs:dev          the `storm` binary and the word count topology (docker/storm/)
#
#   docker/build-images.sh [--base IMAGE]    (e.g. --base debian:bookworm-slim with a registry)
#
# STORM_IMAGE_PROFILE=debug puts the debug build in the image instead (the integration runs in
# CI use it: the test suite has just built it).
#
# The apt mirror comes from this machine's apt sources at build time (docker/apt-mirror.sh)
# and is not kept in any image or file. A rebuild after a code change reuses the base and the
# ZooKeeper layers: only the release build and the binaries' layer are redone.
set -euo pipefail
cd "$(dirname "$0")/.."

base=storm-base:bookworm
if [ "${1:-}" = "--base" ]; then
    base=$2
else
    docker/build-base.sh
fi
tag=${STORM_IMAGE_TAG:-dev}
mirror=""
if [ "$base" = storm-base:bookworm ]; then
    mirror=$(docker/apt-mirror.sh)
fi

docker build -q -t "storm-zookeeper:$tag" --build-arg "BASE=$base" \
    --build-arg "APT_MIRROR=$mirror" docker/zookeeper >/dev/null

profile=${STORM_IMAGE_PROFILE:-release}
if [ "$profile" = release ]; then
    cargo build --release -q -p storm-cli --bin storm -p storm-integration --bin wordcount_topology
else
    cargo build -q -p storm-cli --bin storm -p storm-integration --bin wordcount_topology
fi
context=target/docker-context
rm -rf "$context"
mkdir -p "$context/topologies"
cp docker/storm/Dockerfile docker/storm/healthcheck.sh "$context/"
cp "target/$profile/storm" "$context/storm"
cp "target/$profile/wordcount_topology" "$context/topologies/word_count"
strip "$context/storm" "$context/topologies/word_count"
docker build -q -t "storm-rs:$tag" --build-arg "BASE=$base" "$context" >/dev/null

for image in "storm-zookeeper:$tag" "storm-rs:$tag"; do
    echo "$image: $(docker image inspect "$image" --format '{{.Size}}' | awk '{ printf "%.0f MB", $1 / 1e6 }')"
done
