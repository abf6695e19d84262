#!/usr/bin/env bash
# Runs every test of the project: the unit tier (seconds, no root) and the image tier (real mkosi
# builds, systemd-nspawn and qemu boots, a real sshd in the guest), the samples included.
# The image tier uses a fresh image cache, so every run builds its images cold; it is removed at the end.
# Run as root on Debian 12 or 13: it installs the host tools first (scripts/setup-host.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-host.sh

cache=$(mktemp -d /var/tmp/bootimage-test-cache.XXXXXX)
cleanup() { rm -rf --one-file-system "$cache"; }
trap cleanup EXIT

start=$(date +%s)
mvn -B -ntp verify -Pimage -Dbootimage.cache.dir="$cache" "$@"
echo "scripts/test.sh: all tiers passed in $(( $(date +%s) - start )) s (image cache: $cache, now removed)"
