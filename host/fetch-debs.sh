#!/bin/bash
# Fetches the Debian binary packages the emulated Xen host boots, and unpacks
# them for build-image.sh.  Nothing is installed on this machine.
#
#   fetch-debs.sh [OUTDIR]     default OUTDIR: build/host/debs
#
# Each package is asked for by exact version (apt-get download NAME=VERSION)
# and kept in $XENSTREAM_DEB_CACHE (default /var/cache/xenstream/debs), so a
# second run fetches nothing.  Each one is unpacked with dpkg-deb -x into
# OUTDIR/NAME/.  Afterwards OUTDIR holds two convenience files:
#
#   xen.elf    the hypervisor, uncompressed (QEMU's multiboot loader wants ELF)
#   vmlinuz    the kernel, used both as dom0 and as the guest kernel
#   KVER       the kernel's module directory name (e.g. 6.1.0-50-amd64)
#
# Why these versions:
#  - the hypervisor must be 4.17.5+72, the build the tools are pinned to; the
#    newer 4.17.7 security build lacks shadow paging, and PV live migration
#    then fails to enable log-dirty mode.
#  - the kernel is a bookworm 6.1 image that is in the main suite; the
#    -unsigned package carries the same kernel and modules as the signed one
#    without the signing shim dependency chain.
#  - OpenSSH (server, client, and libwrap0, the one library sshd needs that
#    this machine does not have) so that host-to-host migrations run over
#    real ssh, xl's default transport; build-image.sh makes the keys.
# Override with XEN_HV_VERSION / LINUX_PKG / LINUX_VERSION / OPENSSH_VERSION
# if the archive moves on (a point release can drop an old kernel ABI from
# main).
set -euo pipefail

XEN_HV_PKG=xen-hypervisor-4.17-amd64
XEN_HV_VERSION=${XEN_HV_VERSION:-4.17.5+72-g01140da4e8-1}
LINUX_PKG=${LINUX_PKG:-linux-image-6.1.0-50-amd64-unsigned}
LINUX_VERSION=${LINUX_VERSION:-6.1.176-1}
OPENSSH_VERSION=${OPENSSH_VERSION:-1:9.2p1-2+deb12u10}
LIBWRAP_VERSION=${LIBWRAP_VERSION:-7.6.q-32}

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
OUT=${1:-$TOP/build/host/debs}
CACHE=${XENSTREAM_DEB_CACHE:-/var/cache/xenstream/debs}

say() { echo "fetch-debs: $*" >&2; }
die() { say "error: $*"; exit 1; }

# fetch NAME VERSION: print the path of the cached .deb, downloading it if
# needed.  apt-get download checks the file against the signed archive index.
fetch() {
    local name=$1 version=$2 deb
    # The file name apt uses encodes ':' in the version as %3a.
    deb=$(ls "$CACHE"/"${name}"_"${version//:/%3a}"_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        mkdir -p "$CACHE"
        say "downloading $name=$version"
        if ! (cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$name=$version" >&2); then
            say "apt-get download failed; refreshing the package lists once"
            apt-get update -qq >&2 || true
            (cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$name=$version" >&2) ||
                die "cannot download $name=$version (is it still in the archive? see the header of $0)"
        fi
        deb=$(ls "$CACHE"/"${name}"_"${version//:/%3a}"_*.deb | head -1)
    fi
    echo "$deb"
}

# unpack NAME DEB: extract DEB into OUT/NAME unless it is already there.
unpack() {
    local name=$1 deb=$2 dir=$OUT/$1
    if [ -f "$dir/.from" ] && [ "$(cat "$dir/.from")" = "$(basename "$deb")" ]; then
        return 0
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    say "unpacking $(basename "$deb")"
    dpkg-deb -x "$deb" "$dir"
    basename "$deb" > "$dir/.from"
}

mkdir -p "$OUT"
hv_deb=$(fetch "$XEN_HV_PKG" "$XEN_HV_VERSION")
linux_deb=$(fetch "$LINUX_PKG" "$LINUX_VERSION")
unpack "$XEN_HV_PKG" "$hv_deb"
unpack "$LINUX_PKG" "$linux_deb"
for p in openssh-server=$OPENSSH_VERSION openssh-client=$OPENSSH_VERSION \
         libwrap0=$LIBWRAP_VERSION; do
    unpack "${p%%=*}" "$(fetch "${p%%=*}" "${p#*=}")"
done

xen_gz=$(ls "$OUT/$XEN_HV_PKG"/boot/xen-4.17-amd64.gz 2>/dev/null || true)
[ -n "$xen_gz" ] || die "no boot/xen-4.17-amd64.gz in $XEN_HV_PKG"
if [ ! -f "$OUT/xen.elf" ] || [ "$xen_gz" -nt "$OUT/xen.elf" ]; then
    gzip -dc "$xen_gz" > "$OUT/xen.elf.tmp" && mv "$OUT/xen.elf.tmp" "$OUT/xen.elf"
fi

vmlinuz=$(ls "$OUT/$LINUX_PKG"/boot/vmlinuz-* | head -1)
[ -n "$vmlinuz" ] || die "no vmlinuz in $LINUX_PKG"
kver=${vmlinuz##*/vmlinuz-}
[ -d "$OUT/$LINUX_PKG/lib/modules/$kver" ] || die "no modules for $kver"
# Replaced only when different, and then atomically: make check's two
# lanes may run this while the other lane's image build reads these.
put() {    # put SRC DST
    cmp -s "$1" "$2" || { cp -p "$1" "$2.tmp" && mv "$2.tmp" "$2"; }
}
put "$vmlinuz" "$OUT/vmlinuz"
echo "$kver" > "$OUT/.KVER.new" && put "$OUT/.KVER.new" "$OUT/KVER"
echo "$LINUX_PKG" > "$OUT/.LINUX_PKG.new" && put "$OUT/.LINUX_PKG.new" "$OUT/LINUX_PKG"
rm -f "$OUT/.KVER.new" "$OUT/.LINUX_PKG.new"
say "ready: $OUT (xen $XEN_HV_VERSION, kernel $kver)"
