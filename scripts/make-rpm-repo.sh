#!/usr/bin/env bash
# Makes a signed RPM repository from what this host reaches: Debian packages (the dependency closure of
# systemd, bash, coreutils, util-linux, dbus, rpm and login, downloaded by apt) rebuilt as RPMs with
# rpmbuild (their Depends and Provides become Requires and Provides, so dnf resolves them), plus three
# packages of the project's own: filesystem (directories, /etc/passwd, os-release, PAM defaults),
# basesystem (what mkosi installs first) and bootimage-probe. Every package and repodata/repomd.xml
# are signed with a key made for the repository (RPM-GPG-KEY-bootimage-local next to repodata/).
#
#   scripts/make-rpm-repo.sh OUT_DIR
#
# The repository is published atomically at OUT_DIR (built beside it, then renamed). It is made once
# per set of inputs (this script and the Debian package versions apt offers): when OUT_DIR/.inputs
# matches (or, quicker, this script and apt's package lists are unchanged), nothing is done ("cached"). Downloaded .debs are kept in OUT_DIR.debs/.
# Needs: apt, dpkg-deb, rpmbuild, rpmsign, createrepo_c, gpg (scripts/setup-host.sh installs them).
set -euo pipefail

out=${1:?usage: scripts/make-rpm-repo.sh OUT_DIR}
out=$(realpath -m "$out")
self=$(realpath "$0")
roots=(systemd bash coreutils util-linux dbus rpm login dash)
# Dependencies Debian leaves implicit (its Essential set) or satisfies by maintainer scripts, which are not
# carried over: /bin/sh for bash, /bin/login for util-linux's agetty.
declare -A extra_requires=([bash]="dash" [util-linux]="login")
# Left out, and dropped from every Requires: base-files (Debian's os-release and directories: the repository's
# filesystem package stands in for it), and Debian's package manager and its /usr merge helpers, which have no
# place in an image whose packages rpm manages.
omit=(base-files dpkg usrmerge usr-is-merged)
probe_version=1.2.3
probe_release=4

for t in apt-get apt-cache dpkg-deb rpmbuild rpmsign createrepo_c gpg; do
  command -v "$t" >/dev/null || { echo "make-rpm-repo.sh: '$t' is missing: run scripts/setup-host.sh" >&2; exit 1; }
done

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9

debs=$out.debs
mkdir -p "$debs/partial"
# Quick check first: the same script and the same apt package lists give the same closure.
quick=$( { sha256sum "$self"; stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* 2>/dev/null; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/.quick" ] && [ "$(cat "$out/.quick")" = "$quick" ] && [ -f "$out/repodata/repomd.xml.asc" ]; then
  echo "make-rpm-repo.sh: cached at $out ($(ls "$out"/*.rpm | wc -l) packages)"
  exit 0
fi
empty_status=$(mktemp)
trap 'rm -f "$empty_status"' EXIT
# apt resolves the closure as if nothing were installed (an empty status file), without recommends.
apt_opts=(-o "Dir::State::status=$empty_status" -o "Dir::Cache::archives=$debs" -o Debug::NoLocking=1
          -o APT::Install-Recommends=false -o APT::Install-Suggests=false -o APT::Get::AllowUnauthenticated=false
          -o APT::Default-Release="$(. /etc/os-release && echo "$VERSION_CODENAME")")
closure=$(apt-get -s "${apt_opts[@]}" install "${roots[@]}" 2>/dev/null | awk '/^Inst /{print $2 "=" substr($3, 2)}' | sort)
[ -n "$closure" ] || { echo "make-rpm-repo.sh: apt resolved no packages for: ${roots[*]} (is 'apt-get update' done?)" >&2; exit 1; }
inputs=$( { sha256sum "$self" | cut -d' ' -f1; echo "$closure"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/.inputs" ] && [ "$(cat "$out/.inputs")" = "$inputs" ] && [ -f "$out/repodata/repomd.xml.asc" ]; then
  echo "$quick" > "$out/.quick"
  echo "make-rpm-repo.sh: cached at $out ($(ls "$out"/*.rpm | wc -l) packages)"
  exit 0
fi

t0=$SECONDS
stage() { echo "make-rpm-repo.sh: $1 ($((SECONDS - t0)) s)" >&2; }
stage "downloading $(echo "$closure" | wc -l) Debian packages"
apt-get -q -y "${apt_opts[@]}" --download-only install "${roots[@]}" >/dev/null

work=$(mktemp -d "$out.new.XXXXXX")
trap 'rm -f "$empty_status"; rm -rf "$work"' EXIT
mkdir -p "$work/repo" "$work/specs" "$work/gnupg" "$work/top"
chmod 700 "$work/gnupg"
export GNUPGHOME=$work/gnupg
keyname="bootimage local RPM repository <rpm-repo@bootimage.invalid>"
gpg --batch -q --passphrase '' --quick-gen-key "$keyname" rsa2048 sign never 2>/dev/null
gpg --batch -q --armor --export "$keyname" > "$work/repo/RPM-GPG-KEY-bootimage-local"

rpm_defines=(--define "_topdir $work/top" --define "_rpmdir $work/repo" --define "debug_package %{nil}"
             --define "__os_install_post %{nil}" --define "_build_id_links none" --define "_binary_payload w3.zstdio"
             --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" --quiet)

# One Debian package as an RPM: Version/Release from the Debian version, Requires from Depends and
# Pre-Depends (the first alternative, without version), Provides from Provides.
convert() {
  local deb=$1 name version epoch="" upstream release arch
  name=$(dpkg-deb -f "$deb" Package)
  version=$(dpkg-deb -f "$deb" Version)
  arch=$(dpkg-deb -f "$deb" Architecture)
  [[ $version == *:* ]] && { epoch=${version%%:*}; version=${version#*:}; }
  if [[ $version == *-* ]]; then upstream=${version%-*}; release=${version##*-}; else upstream=$version; release=0; fi
  upstream=${upstream//-/_}
  local spec=$work/specs/$name.spec
  {
    echo "Name: $name"
    echo "Version: $upstream"
    echo "Release: $release"
    [ -n "$epoch" ] && echo "Epoch: $epoch"
    echo "Summary: $(dpkg-deb -f "$deb" Description | head -n1 | tr -d '%')"
    echo "License: see /usr/share/doc/$name/copyright"
    echo "AutoReqProv: no"
    [ "$arch" = all ] && echo "BuildArch: noarch"
    echo "Requires: filesystem"
    for dep in $( { dpkg-deb -f "$deb" Pre-Depends; dpkg-deb -f "$deb" Depends; } | tr ',' '\n' \
                  | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g' | grep -v '^$' | grep -vxF "${omit[@]/#/-e}" | sort -u); do
      echo "Requires: $dep"
    done
    for dep in ${extra_requires[$name]:-}; do echo "Requires: $dep"; done
    for p in $(dpkg-deb -f "$deb" Provides | tr ',' '\n' | sed -E 's/\(.*\)//; s/[[:space:]]//g' | grep -v '^$'); do
      echo "Provides: $p"
    done
    echo "%description"
    echo "Debian package $name $(dpkg-deb -f "$deb" Version), rebuilt as an RPM by scripts/make-rpm-repo.sh."
    echo "%install"
    echo "mkdir -p %{buildroot}"
    echo "dpkg-deb -x '$deb' %{buildroot}"
    echo "%files"
    echo "%defattr(-,root,root,-)"
    dpkg-deb --fsys-tarfile "$deb" | tar -t --quoting-style=literal | sed -E 's|^\./?|/|' | grep -v '^/$' | while IFS= read -r f; do
      f=${f%/}
      case "$f" in
        /bin|/sbin|/lib|/lib64|/usr|/usr/bin|/usr/sbin|/usr/lib|/usr/lib64|/usr/share|/usr/share/doc|/usr/share/man|/etc|/var|/var/lib|/run|/tmp|/var/tmp|/root|/usr/lib/x86_64-linux-gnu|/lib/x86_64-linux-gnu|/var/lib/rpm) continue ;;
      esac
      f=${f//%/%%}
      echo "\"$f\""
    done
  } > "$spec"
  mkdir -p "$work/conv/$name"
  rpmbuild -bb "${rpm_defines[@]}" --define "_rpmdir $work/conv/$name" "$spec" > "$work/specs/$name.log" 2>&1 \
    || { echo "make-rpm-repo.sh: rpmbuild failed for $deb:" >&2; tail -n 20 "$work/specs/$name.log" >&2; return 1; }
}

# A .deb rebuilt once per converter: the unsigned RPM is kept in $converted/<converter hash>/<deb name>/.
convert_cached() {
  local deb=$1 keep
  keep=$converted/$(basename "$deb" .deb)
  if [ ! -d "$keep" ]; then
    convert "$deb" || return 1
    local name
    name=$(dpkg-deb -f "$deb" Package)
    mkdir -p "$converted"
    rm -rf "$keep.tmp.$$"
    cp -r "$work/conv/$name" "$keep.tmp.$$" && mv "$keep.tmp.$$" "$keep"
  fi
  find "$keep" -name '*.rpm' -exec cp -t "$work/repo" {} +
}

own_package() {
  local name=$1 version=$2 release=$3 body=$4
  printf 'Name: %s\nVersion: %s\nRelease: %s\nSummary: %s of the bootimage local RPM repository\nLicense: MIT\nBuildArch: noarch\nAutoReqProv: no\n%s\n' \
    "$name" "$version" "$release" "$name" "$body" > "$work/specs/$name.spec"
  rpmbuild -bb "${rpm_defines[@]}" "$work/specs/$name.spec" > "$work/specs/$name.log" 2>&1 \
    || { echo "make-rpm-repo.sh: rpmbuild failed for $name:" >&2; tail -n 20 "$work/specs/$name.log" >&2; return 1; }
}

own_package filesystem 3.18 1 'Provides: base-files
%description
The directory tree, the accounts and the defaults every image of this repository starts from.
%install
mkdir -p %{buildroot}
cd %{buildroot}
# A merged /usr, as on Fedora and on Debian since 12: Debian 12 packages that ship /bin/bash land in
# /usr/bin, and Debian 13 packages, which ship /usr only, find /lib64/ld-linux-x86-64.so.2.
ln -s usr/bin bin
ln -s usr/sbin sbin
ln -s usr/lib lib
ln -s usr/lib64 lib64
mkdir -p boot dev home media mnt opt proc root run srv sys tmp usr/bin usr/sbin usr/lib usr/lib64 \
  usr/share usr/local var/lib var/log var/tmp var/cache var/spool etc/pam.d usr/lib/sysimage/rpm var/lib
ln -s ../../usr/lib/sysimage/rpm var/lib/rpm
cat > usr/lib/os-release <<EOF
NAME="bootimage local RPM repository"
ID=bootimage-rpm
VERSION_ID=1
PRETTY_NAME="bootimage local RPM repository (Debian packages rebuilt as RPMs)"
EOF
ln -s ../usr/lib/os-release etc/os-release
printf "root:x:0:0:root:/root:/bin/bash\nmessagebus:x:100:101::/nonexistent:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" > etc/passwd
printf "root:x:0:\ntty:x:5:\ndisk:x:6:\nkmem:x:15:\nutmp:x:43:\naudio:x:29:\nvideo:x:44:\ninput:x:105:\nkvm:x:106:\nrender:x:107:\nsystemd-journal:x:101:\nmessagebus:x:102:\nnogroup:x:65534:\n" > etc/group
printf "root::19000:0:99999:7:::\nmessagebus:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n" > etc/shadow
printf "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\nauth required pam_permit.so\n" > etc/pam.d/common-auth
printf "account required pam_unix.so\n" > etc/pam.d/common-account
printf "password required pam_unix.so nullok yescrypt\n" > etc/pam.d/common-password
printf "session required pam_unix.so\n" > etc/pam.d/common-session
cp etc/pam.d/common-session etc/pam.d/common-session-noninteractive
printf "/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/dash\n" > etc/shells
# Where dnf (through mkosi) wrote the database; Debian'"'"'s rpm would look in ~/.rpmdb.
mkdir -p etc/rpm
printf "%%%%_dbpath /usr/lib/sysimage/rpm\n" > etc/rpm/macros.dbpath
%files
%defattr(-,root,root,-)
/bin
/sbin
/lib
/lib64
%dir /usr/lib64
%dir /boot
%dir /dev
%dir /home
%dir /media
%dir /mnt
%dir /opt
%dir /proc
%attr(0700,root,root) %dir /root
%dir /run
%dir /srv
%dir /sys
%attr(1777,root,root) %dir /tmp
%dir /usr
%dir /usr/bin
%dir /usr/sbin
%dir /usr/lib
%dir /usr/lib/sysimage
%dir /usr/lib/sysimage/rpm
%dir /usr/share
%dir /usr/local
%dir /var
%dir /var/lib
%dir /var/log
%attr(1777,root,root) %dir /var/tmp
%dir /var/cache
%dir /var/spool
%dir /etc
%dir /etc/pam.d
/var/lib/rpm
/usr/lib/os-release
/etc/os-release
%config(noreplace) /etc/passwd
%config(noreplace) /etc/group
%attr(0640,root,root) %config(noreplace) /etc/shadow
%config(noreplace) /etc/pam.d/common-*
%config(noreplace) /etc/shells
%dir /etc/rpm
/etc/rpm/macros.dbpath'
own_package basesystem 11 1 'Requires: filesystem
%description
What mkosi installs first: the directory tree.
%files'
own_package bootimage-probe "$probe_version" "$probe_release" '%description
A package of the project'"'"'s own: /usr/bin/bootimage-probe prints its name and version.
%install
mkdir -p %{buildroot}/usr/bin
printf "#!/bin/sh\necho bootimage-probe %{version}-%{release}\n" > %{buildroot}/usr/bin/bootimage-probe
chmod 755 %{buildroot}/usr/bin/bootimage-probe
%files
/usr/bin/bootimage-probe'

stage "building the project's own packages"
converted=$debs/converted-$( { declare -f convert; declare -p extra_requires omit; } | sha256sum | cut -c1-16)
export -f convert convert_cached
export work converted
declare -p extra_requires rpm_defines omit > "$work/defs"
stage "rebuilding Debian packages as RPMs"
want=$(echo "$closure" | sed 's/=.*//' | grep -vxF "${omit[@]/#/-e}")
for n in $want; do
  f=$(ls "$debs"/"${n}"_*.deb 2>/dev/null | sort -V | tail -n1)
  [ -n "$f" ] || { echo "make-rpm-repo.sh: apt did not download $n" >&2; exit 1; }
  echo "$f"
done | xargs -P "$(nproc)" -I{} bash -c 'source "$work/defs"; convert_cached "$1"' _ {}

stage "signing"
find "$work/repo" -name '*.rpm' -exec mv -t "$work/repo" {} + 2>/dev/null || true
find "$work/repo" -mindepth 1 -type d -empty -delete
rpmsign --addsign --define "__gpg $(command -v gpg)" --define "_gpg_name $keyname" --define "_gpg_path $GNUPGHOME" "$work/repo"/*.rpm >/dev/null
stage "indexing"
createrepo_c -q --general-compress-type=gz "$work/repo"
gpg --batch -q --yes --armor --local-user "$keyname" --detach-sign "$work/repo/repodata/repomd.xml"
echo "$inputs" > "$work/repo/.inputs"
echo "$quick" > "$work/repo/.quick"
gpgconf --kill all 2>/dev/null || true

old=""
if [ -e "$out" ]; then old=$(mktemp -d "$out.old.XXXXXX"); mv "$out" "$old/"; fi
mv "$work/repo" "$out"
[ -n "$old" ] && rm -rf "$old"
echo "make-rpm-repo.sh: made $out ($(ls "$out"/*.rpm | wc -l) packages)"
