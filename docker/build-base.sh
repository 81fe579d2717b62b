#!/usr/bin/env bash
# Builds the base image `storm-base:bookworm` with no registry: `debootstrap` a minimal Debian
# bookworm from this machine's apt mirror (found at build time by apt-mirror.sh) into a
# temporary folder, drop its apt sources (they would name the mirror), and `docker import` it.
# An existing image is kept unless --rebuild is given, so later image builds reuse it.
#
#   docker/build-base.sh [--rebuild]
#
# A user with a registry can skip this and build the other images FROM debian:bookworm-slim
# (docker/build-images.sh --base debian:bookworm-slim).
set -euo pipefail

IMAGE=${STORM_BASE_IMAGE:-storm-base:bookworm}
SUITE=bookworm

if [ "${1:-}" != "--rebuild" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "$IMAGE exists (docker/build-base.sh --rebuild to make it again)"
    exit 0
fi
if ! command -v debootstrap >/dev/null; then
    echo "installing debootstrap from Debian's packages"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y -q debootstrap >/dev/null || {
        $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q debootstrap >/dev/null
    } || {
        echo "debootstrap is missing and could not be installed: apt-get install debootstrap" >&2
        exit 1
    }
fi

mirror=$("$(dirname "$0")/apt-mirror.sh")
root=$(mktemp -d /tmp/storm-base.XXXXXX)
trap 'rm -rf "$root"' EXIT

echo "debootstrap $SUITE (minbase) into $root"
debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -20 "$root.log" >&2
    exit 1
}
rm -f "$root.log"
# No mirror stays in the image: builds on top pass theirs in at build time.
rm -f "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/*
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/locale/*
tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "$IMAGE: $(docker image inspect "$IMAGE" --format '{{.Size}}' | awk '{ printf "%.0f MB", $1 / 1e6 }')"
