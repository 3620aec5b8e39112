#!/bin/bash
# Debian's own tool packages at the pinned version (the ones make deb
# rebuilds), for the emulated host's interop runs against the packaged
# stock tools:
#
#   fetch-stock-debs.sh OUTDIR
#
# apt-get download NAME=VERSION of each of $DEB_XEN_TOOL_PKGS, kept in
# $XENSTREAM_DEB_CACHE (default /var/cache/xenstream/debs) like
# host/fetch-debs.sh does, and linked into OUTDIR.
set -euo pipefail
[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/deb/pinned.sh"
cache=${XENSTREAM_DEB_CACHE:-/var/cache/xenstream/debs}
out=$1
mkdir -p "$cache" "$out"
for p in $DEB_XEN_TOOL_PKGS; do
    f=${p}_${DEB_XEN_VERSION//:/%3a}_amd64.deb
    if [ ! -f "$cache/$f" ]; then
        echo "deb-stock: apt-get download $p=$DEB_XEN_VERSION"
        (cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root "$p=$DEB_XEN_VERSION") ||
            { echo "deb-stock: error: cannot download $p=$DEB_XEN_VERSION" >&2; exit 1; }
    fi
    ln -sf "$cache/$f" "$out/$f"
done
