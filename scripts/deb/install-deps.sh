#!/bin/bash
# Installs what `make deb` and `make check-deb` need, and only when missing:
#
#   - the build dependencies of Debian's xen source package, as its .dsc
#     states them (apt-get build-dep on the cached .dsc itself, so no deb-src
#     entry is needed for this step): debhelper, dh-exec, dh-python, bcc,
#     gcc-multilib, ocaml, ocaml-findlib, pandoc, rdfind, seabios and the
#     -dev libraries the tools link with;
#   - quilt, which puts our series into the patch queue;
#   - debootstrap, which makes check-deb's throwaway Debian 12 root.
#
# Run by mk/45-deb.mk before each of those targets.  Needs root to install.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/deb/pinned.sh"

say() { echo "deb-deps: $*"; }
dsc=$DEB_XEN_CACHE/$DEB_XEN_DSC

missing=""
for p in quilt debootstrap; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
# The .dsc's Build-Depends checked against what is installed (the control
# file argument is only a placeholder when -d gives the dependencies).
bdeps_ok=1
dpkg-checkbuilddeps -d "$(sed -n 's/^Build-Depends: //p' "$dsc")" /dev/null 2>/dev/null ||
    bdeps_ok=0
if [ -z "$missing" ] && [ $bdeps_ok = 1 ]; then
    say "all present"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    [ $bdeps_ok = 1 ] || missing="$missing (and xen's build dependencies)"
    say "missing:$missing; run as root"
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ $bdeps_ok = 0 ]; then
    say "installing the build dependencies of xen $DEB_XEN_VERSION (apt-get build-dep $dsc)"
    apt-get build-dep -y -qq --no-install-recommends "$dsc" > /dev/null
fi
if [ -n "$missing" ]; then
    say "installing:$missing"
    apt-get install -y -qq --no-install-recommends $missing > /dev/null
fi
say "done"
