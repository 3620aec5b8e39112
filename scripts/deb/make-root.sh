#!/bin/bash
# Makes a throwaway Debian 12 root: the clean root `make deb` builds the
# packages in, and the one check-deb installs them into.
#
#   make-root.sh DEBDIR NAME      -> a fresh DEBDIR/NAME
#
# debootstrap (minbase) of bookworm from the Debian archive, its apt
# sources limited to bookworm main (not bookworm-security, whose newer xen
# 4.17.7 would be chosen over the pinned 4.17.5 build our packages are made
# from), and a policy-rc.d so that no package starts a service in it.  The
# result is kept as DEBDIR/root-base.tar and reused; DEBDIR/NAME is unpacked
# from it afresh for every run.  DEB_MIRROR overrides the archive.
#
# Exit status: 0 ok, 1 failed.
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 DEBDIR NAME" >&2; exit 1; }
deb=$1
mirror=${DEB_MIRROR:-http://deb.debian.org/debian}
base=$deb/root-base.tar
root=$deb/$2

say() { echo "deb-root: $*"; }

if [ ! -f "$base" ]; then
    tmp=$deb/root-base.tmp
    rm -rf "$tmp"
    say "debootstrap --variant=minbase bookworm from $mirror (log: $deb/debootstrap.log)"
    t0=$(date +%s)
    if ! debootstrap --variant=minbase bookworm "$tmp" "$mirror" > "$deb/debootstrap.log" 2>&1; then
        tail -20 "$deb/debootstrap.log" >&2
        say "error: debootstrap failed"
        exit 1
    fi
    echo "deb http://deb.debian.org/debian bookworm main" > "$tmp/etc/apt/sources.list"
    printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    rm -rf "$tmp"/var/cache/apt/archives/*.deb
    tar -C "$tmp" -cf "$base.part" .
    mv "$base.part" "$base"
    rm -rf "$tmp"
    say "base root made in $(( $(date +%s) - t0 )) s ($base)"
fi
# A run that was killed can leave /proc mounted in the old root: never
# delete through a mount.
if [ -d "$root" ] && awk -v r="$(cd "$root" && pwd -P)/" 'index($2 "/", r) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
    say "error: something is still mounted under $root (umount $root/proc?)"
    exit 1
fi
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$base"
say "fresh root in $root"
