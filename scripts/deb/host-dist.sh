#!/bin/bash
# Turns Debian's Xen tool packages into a tool build for the emulated host.
#
#   host-dist.sh DEBDIR DIST
#
# Unpacks the run-time packages of the xen source found in DEBDIR (ours from
# make deb, or Debian's own) into DIST with dpkg-deb -x, in Debian's layout:
# libraries in usr/lib/x86_64-linux-gnu, xl, libxl-save-helper and the
# daemons in usr/lib/xen-4.17/bin, where the packaged libxenlight looks for
# its helper.  The host's dom0 (host/dom0/init, host/dom0/xs-with, the
# scenarios) expects a build configured with --prefix=/usr in upstream's
# layout, so relative symlinks are added for what it calls by path:
# usr/lib/lib*.so.* (LD_LIBRARY_PATH=/usr/lib), usr/sbin/{xl,xenstored,
# xenconsoled} (Debian's usr/sbin/xl is a wrapper script that picks the
# version of the running hypervisor; the binary itself is called here) and
# usr/lib/xen/bin/{xen-init-dom0,libxl-save-helper}.  Every ELF file is the
# package's own.
#
# Exit status: 0 ok, 1 a package or a file is missing.
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 DEBDIR DIST" >&2; exit 1; }
debs=$1 dist=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/deb/pinned.sh"
bin=usr/lib/xen-$DEB_XEN_MINOR/bin
multiarch=usr/lib/x86_64-linux-gnu

die() { echo "deb-host-dist: error: $*" >&2; exit 1; }

rm -rf "$dist"
mkdir -p "$dist"
for p in $DEB_XEN_TOOL_PKGS; do
    f=$(ls "$debs/${p}_"*_amd64.deb 2>/dev/null | head -1)
    [ -n "$f" ] || die "no ${p}_*_amd64.deb in $debs"
    dpkg-deb -x "$f" "$dist"
    echo "$(basename "$f")" >> "$dist/.packages"
done

link() {
    local target=$1 name=$2
    mkdir -p "$dist/$(dirname "$name")"
    [ -e "$dist/$(dirname "$name")/$target" ] || die "$name: $target is not in the packages"
    ln -sfn "$target" "$dist/$name"
}
for f in "$dist/$multiarch"/lib*.so.*; do
    link "x86_64-linux-gnu/$(basename "$f")" "usr/lib/$(basename "$f")"
done
for b in xl xenstored xenconsoled; do
    rm -f "$dist/usr/sbin/$b"
    link "../lib/xen-$DEB_XEN_MINOR/bin/$b" "usr/sbin/$b"
done
for b in xen-init-dom0 libxl-save-helper; do
    link "../../xen-$DEB_XEN_MINOR/bin/$b" "usr/lib/xen/bin/$b"
done
echo "deb-host-dist: $dist from $(wc -l < "$dist/.packages") packages in $debs"
