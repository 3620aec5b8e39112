#!/bin/bash
# Builds the binary packages from the source tree prepare-source.sh made.
#
#   build.sh DEBDIR
#
# DEBDIR/src/xen-VERSION is built with dpkg-buildpackage -B (arch-dependent
# packages only: everything Debian's rules build for amd64 except xen-doc's
# contents, which is arch-dependent in Debian's control but needs docs),
# DEB_BUILD_OPTIONS="nodoc nocheck parallel=$DEB_JOBS", niced, unsigned.
# The .debs end up in DEBDIR/out/, the log in DEBDIR/build.log, the wall
# time in seconds in DEBDIR/out/build-seconds.  PATH is the system's own:
# a python3 from pyenv or the like earlier on PATH would otherwise be the
# one Xen's configure finds and builds its Python parts against.
#
# Exit status: 0 built, 1 failed (the end of the log is shown).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/deb/pinned.sh"

[ $# = 1 ] || { echo "usage: $0 DEBDIR" >&2; exit 1; }
deb=$(cd "$1" && pwd)
jobs=${DEB_JOBS:-2}
tree=$deb/src/xen-$DEB_XEN_UPSTREAM
[ -d "$tree/debian" ] || { echo "deb-build: no prepared tree at $tree (prepare-source.sh first)" >&2; exit 1; }

version=$(cd "$tree" && dpkg-parsechangelog -S Version)
echo "deb-build: building xen $version (arch-dependent packages) in $tree"
echo "deb-build: log in $deb/build.log; on 2 cores this takes a long while"
rm -rf "$deb/out"
rm -f "$deb"/src/*.deb "$deb"/src/*.changes "$deb"/src/*.buildinfo
t0=$(date +%s)
if ! (cd "$tree" &&
      env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
          DEB_BUILD_OPTIONS="nodoc nocheck parallel=$jobs" \
          nice -n 10 dpkg-buildpackage -B -us -uc) > "$deb/build.log" 2>&1; then
    tail -40 "$deb/build.log" >&2
    echo "deb-build: dpkg-buildpackage failed after $(( $(date +%s) - t0 )) s, see $deb/build.log" >&2
    exit 1
fi
secs=$(( $(date +%s) - t0 ))
mkdir -p "$deb/out"
mv "$deb"/src/*.deb "$deb"/src/*.changes "$deb"/src/*.buildinfo "$deb/out/"
echo "$secs" > "$deb/out/build-seconds"
echo "deb-build: built in $secs s:"
(cd "$deb/out" && ls -1 *.deb | sed 's/^/    /')
