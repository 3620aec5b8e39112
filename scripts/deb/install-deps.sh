#!/bin/bash
# Installs on this machine what `make deb` and `make check-deb` need here,
# and only when missing: quilt (puts our series into the patch queue),
# debootstrap (the clean build root and check-deb's root) and dpkg-dev
# (dpkg-source).  The build dependencies of the xen source package go into
# the build root, not onto this machine (scripts/deb/build.sh).
#
# Run by mk/45-deb.mk before those targets.  Needs root to install.
set -euo pipefail

say() { echo "deb-deps: $*"; }

missing=""
for p in quilt debootstrap dpkg-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -z "$missing" ]; then
    say "all present"
    exit 0
fi
[ "$(id -u)" = 0 ] || { say "missing:$missing; run as root"; exit 1; }
say "installing:$missing"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing > /dev/null
say "done"
