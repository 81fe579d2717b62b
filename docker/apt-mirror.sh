#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt uses (the first `deb` URI for the main archive in
# /etc/apt/sources.list or /etc/apt/sources.list.d/, one-line or deb822 format). Image builds
# take their mirror from here at build time, so no mirror is ever written into the repository.
set -euo pipefail

mirror=""
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' "$f")
    [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        mirror=$(awk 'tolower($1) == "uris:" && $2 !~ /security/ { print $2; exit }' "$f")
        [ -n "$mirror" ] && break
    done
fi
if [ -z "$mirror" ]; then
    echo "no Debian mirror found in /etc/apt/sources.list{,.d}" >&2
    exit 1
fi
echo "${mirror%/}"
