#!/usr/bin/env bash
# Makes the compose cluster's secrets in docker/secrets/ (never committed, never in an image):
#   users.yaml      Nimbus's credentials file: `admin` (may do anything) and `daemon` (the
#                   supervisors' and standby Nimbus's user, may fetch artifacts), random secrets
#   admin.secret    the admin's secret, for `storm` commands and the UI
#   daemon.secret   the daemons' secret
# Files are mode 600 and owned by the containers' `storm` user (uid 10001), so Nimbus accepts
# them and no other user in or out of the containers can read them (the owner change needs
# root: run it with sudo if you are not). Existing secrets are kept.
set -euo pipefail
cd "$(dirname "$0")"

UID_IN_IMAGE=10001
dir=secrets
if [ -f "$dir/users.yaml" ]; then
    echo "docker/secrets exists (delete it to make new secrets)"
    exit 0
fi
umask 077
mkdir -p "$dir"
secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
admin=$(secret)
daemon=$(secret)
printf 'admin: "%s"\ndaemon: "%s"\n' "$admin" "$daemon" >"$dir/users.yaml"
printf '%s\n' "$admin" >"$dir/admin.secret"
printf '%s\n' "$daemon" >"$dir/daemon.secret"
chmod 700 "$dir"
chmod 600 "$dir"/*
chown -R "$UID_IN_IMAGE:$UID_IN_IMAGE" "$dir"
echo "docker/secrets: users admin and daemon"
