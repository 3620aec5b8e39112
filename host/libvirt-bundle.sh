#!/bin/bash
# libvirt-bundle.sh WORKDIR OUT.tgz [XEN_LIBDIR]: Debian 12's libvirt daemon
# with its libxl driver and virsh, as one tarball unpacking to libvirt/, for
# the emulated host's dom0 (the libvirt scenarios, host/scenarios/libvirt-*).
# It is not part of the default image: only check-libvirt carries it.
#
#   libvirt/sbin/libvirtd, libvirt/bin/virsh
#   libvirt/driver/     libvirt_driver_libxl.so only (LIBVIRT_DRIVER_DIR):
#                       no other hypervisor or storage driver is loaded
#   libvirt/lib/        libvirt.so.0, libssh.so.4 and every other run-time
#                       library of the three, except the C library and the
#                       Xen libraries: those are the tool build's on /usr/lib
#   libvirt/share/libvirt/cpu_map   (the driver will not start without it)
#   libvirt/debian-libxenlight.md5  Debian's own libxenlight.so.4.17 (when
#                       libxenmisc4.17 is installed here), so the host can
#                       assert that libvirtd did not map that one
#   libvirt/VERSIONS    the packages it was made from
#
# The libvirt packages and libssh-4 (not installed on this machine kind)
# are fetched by exact version into $XENSTREAM_DEB_CACHE like the Xen
# packages (host/fetch-debs.sh); the other libraries are this machine's,
# which is Debian 12 like dom0.  XEN_LIBDIR (default build/xen-stock/dist/
# usr/lib) resolves the Xen libraries while the closure is worked out, so
# that none of Debian's copies can slip in.
#
# Override LIBVIRT_VERSION / LIBSSH_VERSION when a point release replaces
# them in the archive.
set -euo pipefail

LIBVIRT_VERSION=${LIBVIRT_VERSION:-9.0.0-4+deb12u2}
LIBSSH_VERSION=${LIBSSH_VERSION:-0.10.6-0+deb12u3}
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
CACHE=${XENSTREAM_DEB_CACHE:-/var/cache/xenstream/debs}
work=$1 out=$2
XEN_LIBDIR=${3:-$TOP/build/xen-stock/dist/usr/lib}
ARCH=x86_64-linux-gnu

say() { echo "libvirt-bundle: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ -f "$XEN_LIBDIR/libxenlight.so.4.17.0" ] ||
    die "no libxenlight in $XEN_LIBDIR (make xen-stock)"

# cached NAME VERSION: the cached .deb, downloaded if missing.
cached() {
    local name=$1 version=$2 deb
    deb=$(ls "$CACHE/${name}_${version//:/%3a}"_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        mkdir -p "$CACHE"
        say "downloading $name=$version"
        (cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$name=$version" >&2) ||
            die "cannot download $name=$version (gone from the archive? set LIBVIRT_VERSION / LIBSSH_VERSION)"
        deb=$(ls "$CACHE/${name}_${version//:/%3a}"_*.deb | head -1)
    fi
    echo "$deb"
}

rm -rf "$work"
mkdir -p "$work/x"
b=$work/libvirt
mkdir -p "$b/sbin" "$b/bin" "$b/lib" "$b/driver" "$b/share/libvirt"
: > "$b/VERSIONS"
for p in libvirt-daemon libvirt-daemon-driver-xen libvirt0 libvirt-clients; do
    deb=$(cached "$p" "$LIBVIRT_VERSION")
    dpkg-deb -x "$deb" "$work/x"
    basename "$deb" >> "$b/VERSIONS"
done
deb=$(cached libssh-4 "$LIBSSH_VERSION")
dpkg-deb -x "$deb" "$work/x"
basename "$deb" >> "$b/VERSIONS"

x=$work/x
cp "$x/usr/sbin/libvirtd" "$b/sbin/"
cp "$x/usr/bin/virsh" "$b/bin/"
cp "$x/usr/lib/$ARCH/libvirt/connection-driver/libvirt_driver_libxl.so" "$b/driver/"
cp -r "$x/usr/share/libvirt/cpu_map" "$b/share/libvirt/"

# The closure, resolved with the unpacked libraries first, then the tool
# build's Xen libraries, then this machine's.
elves="$b/sbin/libvirtd $b/bin/virsh $b/driver/libvirt_driver_libxl.so"
# shellcheck disable=SC2086
resolved=$(for f in $elves; do
    LD_LIBRARY_PATH=$x/usr/lib/$ARCH:$XEN_LIBDIR ldd "$f"
done)
missing=$(echo "$resolved" | awk '/not found/ { print $1 }' | sort -u | tr '\n' ' ')
[ -z "$missing" ] || die "libraries not found for libvirt: $missing(install their Debian 12 packages here)"
echo "$resolved" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
    while read -r l; do
        case $l in
            "$XEN_LIBDIR"/*) continue ;;          # the tool build's, on /usr/lib in dom0
            */libxen*|*/libxlutil*) die "a Xen library resolved outside the tool build: $l" ;;
            */libc.so.*|*/ld-linux*) continue ;;  # dom0 has them
        esac
        cp -L "$l" "$b/lib/"
    done
deb_light=/usr/lib/$ARCH/libxenlight.so.4.17
if [ -f "$deb_light" ]; then
    md5sum < "$deb_light" | cut -d' ' -f1 > "$b/debian-libxenlight.md5"
fi
tar -czf "$out" -C "$work" libvirt
say "$(du -h "$out" | cut -f1) in $out ($(ls "$b/lib" | wc -l) libraries; $(tr '\n' ' ' < "$b/VERSIONS"))"
