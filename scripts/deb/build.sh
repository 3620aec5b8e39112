#!/bin/bash
# Builds the binary packages of the source package prepare-source.sh made,
# in a clean Debian 12 root, as Debian's own builders do.
#
#   build.sh DEBDIR
#
# Xen's configure turns optional parts on when it finds their libraries:
# built on this machine, where the project's own dependencies include
# libnl-3-dev and liblzo2-dev, the packages grew Remus network buffering
# (13 more symbols in libxenlight), dependencies on libnl and liblzo2 and a
# script Debian's do not have; and a python3 from pyenv on PATH gave the
# Python parts other file names.  So the build runs in DEBDIR/buildroot, a
# fresh root from scripts/deb/make-root.sh with build-essential and exactly
# the build dependencies the .dsc states (apt-get build-dep on it), and the
# system's PATH.
#
# dpkg-buildpackage -B (arch-dependent packages: in Debian's control every
# package is), DEB_BUILD_OPTIONS="nocheck parallel=$DEB_JOBS", niced,
# unsigned.  No "nodoc": Debian's rules build the docs regardless, and nodoc
# only left a few files out of the packages (README.Debian.security,
# examples), which would then differ from Debian's.
#
# The .debs end up in DEBDIR/out/, the logs in DEBDIR/build-deps.log and
# DEBDIR/build.log, the seconds taken in DEBDIR/out/build-seconds (the
# package build) and DEBDIR/out/root-seconds (the root and its packages).
#
# Exit status: 0 built, 1 failed (the end of the log is shown).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/deb/pinned.sh"

[ $# = 1 ] || { echo "usage: $0 DEBDIR" >&2; exit 1; }
deb=$(cd "$1" && pwd)
jobs=${DEB_JOBS:-2}
root=$deb/buildroot
version=$(cd "$deb/src/xen-$DEB_XEN_UPSTREAM" && dpkg-parsechangelog -S Version)
dsc=xen_$version.dsc
[ -f "$deb/src/$dsc" ] || { echo "deb-build: no $deb/src/$dsc (prepare-source.sh first)" >&2; exit 1; }

say() { echo "deb-build: $*"; }
fail() { tail -40 "$1" >&2; say "error: $2, see $1" >&2; exit 1; }

rm -rf "$deb/out"
t0=$(date +%s)
bash "$top/scripts/deb/make-root.sh" "$deb" buildroot
mounted=
cleanup() { [ -z "$mounted" ] || umount "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc" && mounted=1
in_root() {
    chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

mkdir -p "$root/build"
cp -L "$deb/src/$dsc" "$deb/src/xen_$version.debian.tar.xz" "$deb/src/$DEB_XEN_ORIG" "$root/build/"
say "installing build-essential and the build dependencies of $dsc in $root (log: $deb/build-deps.log)"
{ in_root apt-get update -qq &&
  in_root apt-get install -y -qq --no-install-recommends build-essential &&
  in_root apt-get build-dep -y -qq --no-install-recommends "/build/$dsc" &&
  in_root sh -c "cd /build && dpkg-source -x $dsc src"; } > "$deb/build-deps.log" 2>&1 ||
    fail "$deb/build-deps.log" "setting up the build root failed"
t1=$(date +%s)
say "build root ready in $((t1 - t0)) s"

say "building xen $version (arch-dependent packages; log: $deb/build.log)"
in_root sh -c "cd /build/src && DEB_BUILD_OPTIONS='nocheck parallel=$jobs' \
    nice -n 10 dpkg-buildpackage -B -us -uc" > "$deb/build.log" 2>&1 ||
    fail "$deb/build.log" "dpkg-buildpackage failed after $(( $(date +%s) - t1 )) s"
t2=$(date +%s)

mkdir -p "$deb/out"
mv "$root"/build/*.deb "$root"/build/*.changes "$root"/build/*.buildinfo "$deb/out/"
echo $((t2 - t1)) > "$deb/out/build-seconds"
echo $((t1 - t0)) > "$deb/out/root-seconds"
cleanup; mounted=
rm -rf "$root"
say "built in $((t2 - t1)) s (the build root took $((t1 - t0)) s):"
(cd "$deb/out" && ls -1 *.deb | sed 's/^/    /')
