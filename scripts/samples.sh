#!/usr/bin/env bash
# The main job: runs the sample suite (samples/) across distributions through the bootimage runner,
# and prints the distribution x test matrix. Images are cached in ~/.cache/bootimage (set
# BOOTIMAGE_CACHE to change it), so a second run reuses them.
# Run as root on Debian 12 or 13: it installs the host tools first (scripts/setup-host.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-host.sh
mvn -B -ntp -q package -DskipTests
exec runner/bin/bootimage test \
  --distro debian:bookworm --distro debian:trixie --distro fedora:41 --distro rhel-ubi:9 \
  ${BOOTIMAGE_CACHE:+--cache-dir "$BOOTIMAGE_CACHE"} "$@"
