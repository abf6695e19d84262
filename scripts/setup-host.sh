#!/usr/bin/env bash
# Installs the host tools bootimage needs on Debian 12 (bookworm) or 13 (trixie):
# mkosi (bookworm-backports on 12), systemd-nspawn, qemu, the helpers mkosi calls, and the package
# managers and keys that build every registered distribution (dnf, rpm, zypper, pacman, their keyrings);
# and, for the shared image cache's tests and bench, Debian's docker-registry (an OCI distribution
# registry), apache2-utils (htpasswd) and openssl, with the package's own service kept from ever running.
# Idempotent: a second run installs nothing new. Run as root (or through sudo).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E bash "$0" "$@"; fi
  echo "scripts/setup-host.sh: must run as root (no sudo found)" >&2
  exit 1
fi
if [ ! -r /etc/debian_version ]; then
  echo "scripts/setup-host.sh: this script supports Debian 12 and 13 only (no /etc/debian_version)" >&2
  exit 1
fi

major=$(cut -d. -f1 /etc/debian_version)
# A JDK that compiles for Java 17: Debian 12 ships 17; Debian 13 no longer does, and ships 21.
case "$major" in 12|bookworm*) jdk=openjdk-17-jdk-headless ;; *) jdk=openjdk-21-jdk-headless ;; esac
# Every package is named: the script works with APT::Install-Recommends "false" (mkosi's recommends are
# what builds the other distributions, so they are listed here).
need=(mkosi systemd-container qemu-system-x86 qemu-utils kmod e2fsprogs debian-archive-keyring
      openssh-client util-linux uidmap dosfstools mtools fdisk cpio zstd maven "$jdk"
      apt dpkg-dev
      # qemu's fast initrd (extension/.../boot/FastInitrd.java): a static busybox, xz for compressed kernel modules
      busybox-static xz-utils
      # the container agent's agent-spawn (extension/src/main/c/agent-spawn.c), linked statically
      gcc libc6-dev
      # RPM distributions (Fedora, CentOS, RHEL and UBI, Alma, Rocky): dnf and rpm, and the keys mkosi looks
      # for in /usr/share/distribution-gpg-keys
      dnf rpm distribution-gpg-keys
      # openSUSE: zypper; Arch: pacman and its keyring; Ubuntu: its archive keyring
      zypper pacman-package-manager archlinux-keyring ubuntu-keyring
      # the image tier's RPM repository (scripts/make-rpm-repo.sh): rpmbuild and rpmsign come with rpm
      createrepo-c gnupg
      # the shared image cache's tests: a real OCI registry, htpasswd, certificates, file capabilities
      docker-registry apache2-utils openssl libcap2-bin)
# On Debian 12 these come from bookworm-backports (mkosi >= 24, a matching systemd-nspawn, and keys for
# the current Fedora, CentOS and RHEL releases).
backports=(mkosi systemd-container distribution-gpg-keys)

# docker-registry's own service would serve an open registry on every interface (port 5000): the
# tests start their own on 127.0.0.1. Mask the unit before the package arrives (systemd then never
# starts it, at install or at boot), keep invoke-rc.d from starting it during the install
# (policy-rc.d), and take it out of the SysV runlevels on hosts without systemd.
keep_registry_service_off() {
  mkdir -p /etc/systemd/system
  if [ "$(readlink /etc/systemd/system/docker-registry.service 2>/dev/null)" != /dev/null ]; then
    ln -sf /dev/null /etc/systemd/system/docker-registry.service
    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  fi
  if [ -d /run/systemd/system ] && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry
  fi
  if [ -x /etc/init.d/docker-registry ]; then
    update-rc.d -f docker-registry remove >/dev/null 2>&1 || true
    # Only the service's own instance (its pid file); registries that tests started are theirs to stop.
    if [ ! -d /run/systemd/system ] && /etc/init.d/docker-registry status >/dev/null 2>&1; then
      /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
    fi
  fi
}
keep_registry_service_off
policy_added=no
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# scripts/setup-host.sh: no service starts while packages install\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  policy_added=yes
fi
finish() {
  if [ "$policy_added" = yes ]; then rm -f /usr/sbin/policy-rc.d; fi
  keep_registry_service_off
}
trap finish EXIT
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$(dpkg-query -W -f='${Status}' mkosi 2>/dev/null)" = "install ok installed" ] && [ ${#missing[@]} -eq 0 ]; then
  echo "scripts/setup-host.sh: all host tools present (mkosi $(mkosi --version 2>/dev/null | awk '{print $2}'))"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
case "$major" in
  12|bookworm*)
    # mkosi >= 24 and a matching systemd come from bookworm-backports, on the host's own archive.
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
            | grep -v '^ *#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
      uri=${uri:-http://deb.debian.org/debian}
      echo "deb $uri bookworm-backports main" > /etc/apt/sources.list.d/bootimage-backports.list
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends -t bookworm-backports "${backports[@]}"
    rest=()
    for p in "${missing[@]}"; do [[ " ${backports[*]} " == *" $p "* ]] || rest+=("$p"); done
    if [ ${#rest[@]} -gt 0 ]; then apt-get install -y -qq --no-install-recommends "${rest[@]}"; fi ;;
  *)
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" ;;
esac
echo "scripts/setup-host.sh: installed; mkosi $(mkosi --version | awk '{print $2}')"
