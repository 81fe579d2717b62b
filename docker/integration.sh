#!/usr/bin/env bash
# The Docker integration runs: builds the images (docker/build-images.sh), brings the compose
# cluster up under a project of its own and breaks it on purpose, scenario after scenario
# (integration/src/bin/docker_scenarios.rs), printing each recovery time; the cluster is torn
# down at the end, also on failure. Without a Docker engine it says so and does nothing.
#
#   docker/integration.sh            (STORM_IMAGE_PROFILE=debug to put the debug build in the image)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! docker info >/dev/null 2>&1; then
    echo "docker/integration.sh: no Docker engine answers; the Docker integration runs are skipped"
    exit 0
fi
if ! command -v docker-compose >/dev/null; then
    echo "docker/integration.sh: docker-compose is missing (apt-get install docker-compose)" >&2
    exit 1
fi
docker/build-images.sh
docker/make-secrets.sh
cargo build -q -p storm-integration --bin docker_scenarios
timeout 1200 target/debug/docker_scenarios "$PWD/docker"
