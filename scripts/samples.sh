#!/usr/bin/env bash
# The main job: runs the sample suite (samples/) through the bootimage runner, across the
# distributions its classes declare (@DistroMatrix), and prints the distribution x test matrix.
# Distributions whose mirror this host cannot reach are skipped with the reason
# (samples/src/test/resources/junit-platform.properties sets bootimage.unavailable=skip).
# Images are cached in ~/.cache/bootimage (or BOOTIMAGE_CACHE), so a second run reuses them.
# JUnit XML goes to samples/target/bootimage-reports/. Extra arguments go to `bootimage test`.
# Run as root on Debian 12 or 13: it installs the host tools first (scripts/setup-host.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-host.sh
mvn -B -ntp -q package -DskipTests
exec runner/bin/bootimage test --reports target/bootimage-reports \
  ${BOOTIMAGE_CACHE:+--cache-dir "$BOOTIMAGE_CACHE"} "$@"
