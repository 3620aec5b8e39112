#!/bin/bash
# Fetches the Debian 13 (trixie) binary packages that host B of the upgrade
# runs (docs/upgrade-to-xen-4.20.md): Xen 4.20's hypervisor, Debian's stock
# 4.20 tools and libraries, and the trixie run-time libraries they need.
# Nothing is installed on this machine and its own apt sources stay
# Debian 12's.
#
#   fetch-debs-deb13.sh [--hvm] [OUTDIR]   default OUTDIR: build/host-deb13/debs
#     --hvm   also the HVM guest's device model: Debian 13's qemu-system-xen
#             (QEMU 10.0, linked against the 4.20 libraries), the libraries
#             it needs, its ROMs and SeaBIOS (make check-upgrade-hvm; give
#             it an OUTDIR of its own, the sysroot holds exactly one set)
#
# apt runs with a sources list, lists directory and archive cache of its own
# under $XENSTREAM_TRIXIE_APT (default /var/cache/xenstream/trixie-apt), so
# the system's /etc/apt and /var/lib/apt/lists are not touched.  Each
# package is asked for by exact version, like host/fetch-debs.sh does for
# Debian 12's, and kept in the cache: a second run fetches nothing.
#
# OUTDIR gets:
#   sysroot/   every package unpacked (dpkg-deb -x) into one tree: a trixie
#              root with its own ld.so, C library and Xen 4.20 tools
#   xen.elf    the 4.20 hypervisor, uncompressed (for QEMU's multiboot)
#   VERSIONS   NAME=VERSION of each package, for image.info
#
# Why these packages: xen-utils-4.20 (xl, libxl-save-helper, xenstored,
# xenconsoled, xen-init-dom0) and the libraries they are linked with,
# found with readelf -d (NEEDED); libgcc-s1 because glibc dlopens it for
# pthread_cancel, which ldd cannot see (GUIDE.md).  The HVM set is
# qemu-system-xen's NEEDED closure (resolved with trixie's ld.so --list on
# the unpacked binary, each library mapped back to its package) less what
# the set above has, plus qemu-system-data (linuxboot_dma.bin, kvmvapic.bin,
# keymaps) and seabios (bios-256k.bin, vgabios-stdvga.bin); apt's recursive
# Depends would add 13 more (ipxe-qemu, iso-codes, libdrm2, libmount1, ...)
# that the device model does not load.  The versions are the
# ones trixie and trixie-security carried when this was written; override
# XEN_VERSION (all Xen packages) if the archive moves on.
set -euo pipefail

XEN_VERSION=${XEN_VERSION:-4.20.4+63-g7abfd2bce2-0+deb13u1}
PACKAGES="
xen-hypervisor-4.20-amd64=$XEN_VERSION
xen-utils-4.20=$XEN_VERSION
xen-utils-common=$XEN_VERSION
libxenmisc4.20=$XEN_VERSION
libxencall1=$XEN_VERSION
libxendevicemodel1=$XEN_VERSION
libxenevtchn1=$XEN_VERSION
libxenforeignmemory1=$XEN_VERSION
libxengnttab1=$XEN_VERSION
libxenhypfs1=$XEN_VERSION
libxenstore4=$XEN_VERSION
libxentoolcore1=$XEN_VERSION
libxentoollog1=$XEN_VERSION
libc6=2.41-12+deb13u5
libgcc-s1=14.2.0-19
liblzma5=5.8.1-1+deb13u2
libuuid1=2.41.5-0+deb13u1
libyajl2=2.1.0-5+b2
zlib1g=1:1.3.dfsg+really1.3.1-1+deb13u1
libzstd1=1.5.7+dfsg-1+deb13u1
libtinfo6=6.5+20250216-2
"
QEMU_VERSION=${QEMU_VERSION:-1:10.0.13+ds-0+deb13u1}
HVM_PACKAGES="
qemu-system-xen=$QEMU_VERSION
qemu-system-data=$QEMU_VERSION
seabios=1.16.3-2
libatomic1=14.2.0-19
libcap2=1:2.75-10+deb13u1+b3
libfdt1=1.7.2-2+b1
libffi8=3.4.8-2
libglib2.0-0t64=2.84.4-3~deb13u5
libgstreamer-plugins-base1.0-0=1.26.2-1+deb13u2
libgstreamer1.0-0=1.26.2-2
libjpeg62-turbo=1:2.1.5-4
liblz4-1=1.10.0-4
libopus0=1.5.2-2
liborc-0.4-0t64=1:0.4.41-1
libpcre2-8-0=10.46-1~deb13u3
libpixman-1-0=0.44.0-3
libsasl2-2=2.1.28+dfsg1-9
libspice-server1=0.15.2-1+b1
libssl3t64=3.5.9-1~deb13u1
libstdc++6=14.2.0-19
libudev1=257.13-1~deb13u1
libusb-1.0-0=2:1.0.28-1
libxxhash0=0.8.3-2
"
if [ "${1:-}" = --hvm ]; then
    PACKAGES="$PACKAGES$HVM_PACKAGES"
    shift
fi

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
OUT=${1:-$TOP/build/host-deb13/debs}
APTDIR=${XENSTREAM_TRIXIE_APT:-/var/cache/xenstream/trixie-apt}
CACHE=$APTDIR/archives

say() { echo "fetch-debs-deb13: $*" >&2; }
die() { say "error: $*"; exit 1; }

# The options that keep apt away from the system's own sources and lists.
APT_OPTS=(-o "Dir::Etc::SourceList=$APTDIR/trixie.sources"
          -o Dir::Etc::SourceParts=-
          -o "Dir::State::Lists=$APTDIR/lists"
          -o "Dir::Cache::Archives=$CACHE"
          -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
          -o APT::Sandbox::User=root -q)

mkdir -p "$APTDIR/lists/partial" "$CACHE/partial"
# Debian 12's archive keyring also holds the keys trixie's Release files
# are signed with.
cat > "$APTDIR/trixie.sources.tmp" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
mv "$APTDIR/trixie.sources.tmp" "$APTDIR/trixie.sources"

# cached NAME VERSION: the cached .deb of NAME=VERSION, if there is one.
cached() {
    local v=${2//:/%3a}
    ls "$CACHE/${1}_${v}_"*.deb 2>/dev/null | head -1 || true
}

missing=()
for p in $PACKAGES; do
    [ -n "$(cached "${p%%=*}" "${p#*=}")" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "downloading ${#missing[@]} packages from trixie"
    ls "$APTDIR/lists/"*_Packages > /dev/null 2>&1 ||
        apt-get "${APT_OPTS[@]}" update >&2 || die "apt-get update (trixie lists) failed"
    if ! (cd "$CACHE" && apt-get "${APT_OPTS[@]}" download "${missing[@]}" >&2); then
        say "download failed; refreshing the trixie lists once"
        apt-get "${APT_OPTS[@]}" update >&2 || die "apt-get update (trixie lists) failed"
        (cd "$CACHE" && apt-get "${APT_OPTS[@]}" download "${missing[@]}" >&2) ||
            die "cannot download ${missing[*]} (no longer in trixie? see the header of $0)"
    fi
fi

# One tree, unpacked afresh when the package set changed.
stamp=$(for p in $PACKAGES; do basename "$(cached "${p%%=*}" "${p#*=}")"; done)
mkdir -p "$OUT"
if [ ! -f "$OUT/sysroot/.from" ] || [ "$(cat "$OUT/sysroot/.from")" != "$stamp" ]; then
    rm -rf "$OUT/sysroot"
    mkdir -p "$OUT/sysroot"
    for p in $PACKAGES; do
        deb=$(cached "${p%%=*}" "${p#*=}")
        [ -n "$deb" ] || die "no cached .deb for $p"
        dpkg-deb -x "$deb" "$OUT/sysroot"
    done
    echo "$stamp" > "$OUT/sysroot/.from"
    say "unpacked $(echo "$stamp" | wc -l) packages into $OUT/sysroot"
fi
echo "$PACKAGES" | sed '/^$/d' > "$OUT/VERSIONS"

xen_gz=$OUT/sysroot/boot/xen-4.20-amd64.gz
[ -f "$xen_gz" ] || die "no boot/xen-4.20-amd64.gz in xen-hypervisor-4.20-amd64"
if [ ! -f "$OUT/xen.elf" ] || [ "$xen_gz" -nt "$OUT/xen.elf" ]; then
    gzip -dc "$xen_gz" > "$OUT/xen.elf.tmp" && mv "$OUT/xen.elf.tmp" "$OUT/xen.elf"
fi
say "ready: $OUT (xen $XEN_VERSION)"
