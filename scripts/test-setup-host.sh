#!/usr/bin/env bash
# Checks scripts/setup-host.sh on a fresh Debian 12 and a fresh Debian 13 with APT::Install-Recommends
# "false": mkosi makes a minimal root of each release (apt, ca-certificates), systemd-nspawn runs the
# set-up script in it, then checks that the tools and keys of every registered distribution are there,
# and that a second run installs nothing. Run as root on a host set up by scripts/setup-host.sh.
#
#   scripts/test-setup-host.sh [--unit-tier] [RELEASE...]      (default: bookworm trixie)
#
# --unit-tier: then, in the same root, runs the project's unit tier (mvn -B -ntp -o verify) on a clean
# `git archive` of HEAD (commit first: uncommitted changes are not in it), offline, with the host's
# ~/.m2 read-only under a throw-away writable overlay (the host's repository is never written). Slow:
# about ten minutes or more per release on a small machine; not part of scripts/test.sh.
#
# Work happens in /var/tmp/bootimage-setup-host-test/ (BOOTIMAGE_SETUP_TEST_DIR overrides it; package
# caches are kept there for a second run; the roots are removed at the end). Downloads a few hundred MB
# per release from deb.debian.org.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${BOOTIMAGE_SETUP_TEST_DIR:-/var/tmp/bootimage-setup-host-test}
unit_tier=no
if [ "${1:-}" = --unit-tier ]; then unit_tier=yes; shift; fi
case "${1:-}" in -*) echo "test-setup-host.sh: unknown option $1 (usage: test-setup-host.sh [--unit-tier] [RELEASE...])" >&2; exit 2 ;; esac
if [ $# -gt 0 ]; then releases=("$@"); else releases=(bookworm trixie); fi
mkdir -p "$work"
if [ "$unit_tier" = yes ]; then
  [ -d "$HOME/.m2/repository" ] || { echo "test-setup-host.sh: --unit-tier needs the host's Maven repository $HOME/.m2/repository (run mvn -B verify once on the host)" >&2; exit 2; }
  git -C "$here/.." rev-parse --verify -q HEAD >/dev/null || { echo "test-setup-host.sh: --unit-tier needs a git checkout of the project ($here/.. is not one)" >&2; exit 2; }
fi

cat > "$work/check.sh" <<'CHECK'
set -u
apt-config dump | grep -q "APT::Install-Recommends \"false\"" || { echo "recommends are not off"; exit 1; }
bad=0
for t in mkosi systemd-nspawn dnf rpm rpmbuild rpmsign zypper pacman createrepo_c gpg apt-get qemu-system-x86_64 mvn java; do
  command -v "$t" >/dev/null || { echo "MISSING tool $t"; bad=1; }
done
for k in /usr/share/keyrings/debian-archive-keyring.gpg /usr/share/keyrings/ubuntu-archive-keyring.gpg \
         /usr/share/keyrings/archlinux.gpg; do
  [ -f "$k" ] || { echo "MISSING key $k"; bad=1; }
done
ls /usr/share/distribution-gpg-keys/fedora/RPM-GPG-KEY-fedora-*-primary >/dev/null 2>&1 || { echo "MISSING Fedora keys"; bad=1; }
exit $bad
CHECK

status=0
for r in "${releases[@]}"; do
  cfg=$work/cfg-$r root=$work/root-$r
  rm -rf "$root" "$cfg"
  mkdir -p "$cfg/pkgmngr/etc/apt/sources.list.d"
  # mkosi adds its own sources (with the debug archive) unless the tree has mkosi.sources.
  cat > "$cfg/pkgmngr/etc/apt/sources.list.d/mkosi.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: $r $r-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $r-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  printf '[Distribution]\nDistribution=debian\nRelease=%s\nPackageManagerTrees=pkgmngr\n\n[Output]\nFormat=directory\nOutput=root-%s\n\n[Content]\nPackages=\n        apt\n        ca-certificates\nBootable=no\n' "$r" "$r" > "$cfg/mkosi.conf"
  echo "test-setup-host.sh: making a Debian $r root"
  (cd "$cfg" && mkosi --output-dir "$work" --package-cache-dir "$work/packages-$r" build > "$work/build-$r.log" 2>&1) \
    || { echo "test-setup-host.sh: mkosi could not make the $r root: see $work/build-$r.log" >&2; exit 1; }
  # A fresh machine's apt configuration: its archive (mkosi's own sources name the debug archive), no recommends.
  rm -f "$root/etc/apt/sources.list.d/$r.sources"
  cp "$cfg/pkgmngr/etc/apt/sources.list.d/mkosi.sources" "$root/etc/apt/sources.list.d/debian.sources"
  echo 'APT::Install-Recommends "false";' > "$root/etc/apt/apt.conf.d/00-no-recommends"
  # --timezone=off: nspawn's bind-mounted /etc/localtime would make tzdata's postinst fail.
  start=$SECONDS
  if systemd-nspawn -q -D "$root" --register=no --keep-unit --timezone=off --bind-ro="$here:/scripts" \
      --bind-ro="$work/check.sh:/check.sh" \
      bash -c "bash /scripts/setup-host.sh && bash /check.sh && bash /scripts/setup-host.sh" \
      < /dev/null > "$work/setup-$r.log" 2>&1 \
      && grep -q "all host tools present" "$work/setup-$r.log"; then
    echo "test-setup-host.sh: Debian $r: PASS in $((SECONDS - start)) s ($(grep -m1 'installed; mkosi' "$work/setup-$r.log"))"
    if [ "$unit_tier" = yes ]; then
      src=$work/src-$r upper=$work/m2-upper-$r
      rm -rf "$src" "$upper" && mkdir -p "$src" "$upper"
      git -C "$here/.." archive HEAD | tar -x -C "$src"
      start=$SECONDS
      # The host's ~/.m2 below a writable overlay whose upper layer is thrown away afterwards.
      if systemd-nspawn -q -D "$root" --register=no --keep-unit --timezone=off --bind="$src:/src" \
          --overlay="$HOME/.m2:$upper:/root/.m2" \
          bash -c "cd /src && java -version 2>&1 | head -n 1 && mvn -B -ntp -o verify" \
          < /dev/null > "$work/unit-tier-$r.log" 2>&1 \
          && grep -q "BUILD SUCCESS" "$work/unit-tier-$r.log"; then
        echo "test-setup-host.sh: Debian $r: unit tier PASS in $((SECONDS - start)) s ($(head -n 1 "$work/unit-tier-$r.log"); $(grep -E '^\[[A-Z]+\] Tests run: [0-9]+,' "$work/unit-tier-$r.log" | grep -v ' -- in ' | awk '{n += $4} END {print n + 0}') tests)"
      else
        echo "test-setup-host.sh: Debian $r: unit tier FAIL after $((SECONDS - start)) s, see $work/unit-tier-$r.log:" >&2
        grep -E "ERROR|FAIL" "$work/unit-tier-$r.log" | head -n 20 >&2 || true
        tail -n 15 "$work/unit-tier-$r.log" >&2
        status=1
      fi
      rm -rf "$src" "$upper"
    fi
  else
    echo "test-setup-host.sh: Debian $r: FAIL, see $work/setup-$r.log:" >&2
    tail -n 15 "$work/setup-$r.log" >&2
    status=1
  fi
  rm -rf "$root" "$cfg"
done
exit $status
