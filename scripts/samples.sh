#!/usr/bin/env bash
# The main job: runs the sample suite (samples/) through the bootimage runner, across the
# distributions its classes declare (@DistroMatrix), and prints the distribution x test matrix.
# Distributions whose mirror this host cannot reach are skipped with the reason
# (samples/src/test/resources/junit-platform.properties sets bootimage.unavailable=skip).
# Images are cached in ~/.cache/bootimage (or BOOTIMAGE_CACHE), so a second run reuses them; so is the
# signed RPM repository the RPM samples build from (scripts/make-rpm-repo.sh, made here before the run).
# JUnit XML goes to samples/target/bootimage-reports/. Extra arguments go to `bootimage test`.
# Run as root on Debian 12 or 13: it installs the host tools first (scripts/setup-host.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-host.sh
mvn -B -ntp -q package -DskipTests
# The RPM samples' repository (ShellImageRpmTest): made once, cached with the images, and linked where
# samples/src/test/rpm/local.repo points, before the runner resolves any image.
cache=${BOOTIMAGE_CACHE:-$HOME/.cache/bootimage}
bash scripts/make-rpm-repo.sh "$cache/rpm-repo"
ln -sfn "$(realpath -m "$cache/rpm-repo")" samples/target/rpm-repo
exec runner/bin/bootimage test --reports target/bootimage-reports \
  ${BOOTIMAGE_CACHE:+--cache-dir "$BOOTIMAGE_CACHE"} "$@"
