#!/bin/bash
# Builds host B of the upgrade runs (docs/upgrade-to-xen-4.20.md): the
# emulated host booting Debian 13's Xen 4.20 hypervisor, its dom0 running
# Debian 13's stock xl, libraries, xenstored and helpers.
#
#   build-image-deb13.sh [--base DIR] [--debs DIR] [--out DIR]
#     --base DIR   host A's images (build-image.sh), default build/host
#     --debs DIR   fetch-debs-deb13.sh's output, default build/host-deb13/debs
#     --out DIR    default build/host-deb13
#
# Host B is host A's dom0 (same Debian 12 kernel, busybox, modules, init,
# scenarios' helpers) with one more initramfs appended (the kernel unpacks
# concatenated archives in order) that holds:
#
#   /opt/deb13           a trixie root: Debian 13's C library and its own
#                        ld.so, the Xen 4.20 tools and libraries, exactly as
#                        the packages install them (usr-merged).  Nothing of
#                        Debian 12's is in it and nothing of it is on dom0's
#                        own library path.
#   /opt/xen-debian13    the tool build "debian13" (run-host.sh --build /
#                        --peer-build debian13): usr/sbin/xl and the daemons
#                        init starts are two-line wrappers that chroot into
#                        /opt/deb13 and exec Debian's binary; its "setup"
#                        (run by init before the daemons) bind-mounts the
#                        directories the tools share with dom0 (/proc with
#                        xenfs, /dev, /sys, /run, /tmp, /guest, /var/log/xen,
#                        /var/lib/xen*) into the trixie root.
#
# The 4.17 builds stay in the image but cannot run on 4.20's hypervisor
# (its domctl interface version differs); xen-stream, xs-copy, memcheck and
# busybox are host A's.  xen.elf is 4.20's; vmlinuz is Debian 12's 6.1.
set -euo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BASE=$TOP/build/host
DEBS=$TOP/build/host-deb13/debs
OUT=$TOP/build/host-deb13

say() { echo "build-image-deb13: $*" >&2; }
die() { say "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --base) BASE=$2; shift 2 ;;
        --debs) DEBS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        *) sed -n '6,9s/^# \{0,1\}//p' "$0" >&2; exit 1 ;;
    esac
done

for f in xen.elf vmlinuz dom0.cpio.gz image.info xs-copy; do
    [ -f "$BASE/$f" ] || die "no $BASE/$f: build host A's image first (make host-image)"
done
SYS=$DEBS/sysroot
[ -x "$SYS/usr/lib/xen-4.20/bin/xl" ] && [ -f "$DEBS/xen.elf" ] ||
    die "no unpacked Debian 13 packages in $DEBS: run host/fetch-debs-deb13.sh first"

t0=$(date +%s)
WORK=$OUT/work
rm -rf "$WORK"
mkdir -p "$WORK/opt"
R=$WORK/opt/deb13

# The trixie root: the packages' /usr and /etc, less what no scenario runs
# (documentation, Python, OCaml, the PV shim, filesystem plugins for
# pygrub, character set converters).  /usr/share keeps only what the HVM
# guest's device model loads (fetch-debs-deb13.sh --hvm): SeaBIOS, and of
# QEMU's data the ROMs for direct kernel boot and the keymaps (the rest is
# firmware of other machines).
mkdir -p "$R"
cp -a "$SYS/usr" "$SYS/etc" "$R/"
find "$R/usr/share" -mindepth 1 -maxdepth 1 ! -name qemu ! -name seabios -exec rm -rf {} +
[ -d "$R/usr/share/qemu" ] && find "$R/usr/share/qemu" -mindepth 1 -maxdepth 1 \
    ! -name 'linuxboot*.bin' ! -name kvmvapic.bin ! -name keymaps -exec rm -rf {} +
rm -rf "$R/usr/lib/xen-4.20/lib/python" "$R/usr/lib/xen-4.20/ocaml" \
       "$R/usr/lib/xen-4.20/boot/xen-shim" "$R/usr/lib/x86_64-linux-gnu/gconv" \
       "$R/usr/lib/xen-4.20/lib/x86_64-linux-gnu" "$R/usr/lib/systemd" "$R/etc/init.d"
for d in bin lib lib64 sbin; do
    ln -s "usr/$d" "$R/$d"
done
mkdir -p "$R"/{proc,sys,dev,run,tmp,guest,root} \
         "$R"/var/{lib/xen,lib/xenstored,log/xen}
ln -s /run "$R/var/run"
ln -s /run/lock "$R/var/lock"
# `xl migrate -s xs-ssh` runs "sh -c 'exec xs-ssh ...'" inside the root:
# the shell, the ssh stand-in and its copier come from host A's image, all
# static (busybox, xs-copy) or a script, so no Debian 12 library comes in.
cp /bin/busybox "$R/usr/bin/busybox"
ln -s busybox "$R/usr/bin/sh"
cp "$TOP/host/dom0/xs-ssh" "$R/usr/bin/xs-ssh"
cp "$BASE/xs-copy" "$R/usr/bin/xs-copy"
chmod 755 "$R/usr/bin/xs-ssh"

# The tool build "debian13": wrappers run by name from /usr (init, the
# scenarios, xs-copy's listener all say "xl", "xenstored", ...).
B=$WORK/opt/xen-debian13
mkdir -p "$B/usr/sbin" "$B/usr/lib/xen/bin"
wrap() {
    cat > "$1" <<EOF
#!/bin/sh
# Debian 13's $2, run in its own root with its own C library.
exec chroot /opt/deb13 /usr/lib/xen-4.20/bin/$2 "\$@"
EOF
    chmod 755 "$1"
}
for n in xl xenstored xenconsoled xenstore-control; do
    wrap "$B/usr/sbin/$n" "$n"
done
wrap "$B/usr/lib/xen/bin/xen-init-dom0" xen-init-dom0
cat > "$B/setup" <<'EOF'
#!/bin/sh
# Run by dom0's init before the daemons start: what the trixie root shares
# with dom0.  rbind, so that /proc/xen (xenfs) and /dev/pts come along.
for d in proc sys dev run tmp guest var/log/xen var/lib/xen var/lib/xenstored; do
    mkdir -p "/$d"
    mount --rbind "/$d" "/opt/deb13/$d" || exit 1
done
EOF
chmod 755 "$B/setup"
cat "$SYS/.from" > "$B/.from"

# Every ELF in the trixie root must find its libraries in the trixie root:
# checked here with trixie's own ld.so (--list), never Debian 12's ldd.
ldso=$R/usr/lib64/ld-linux-x86-64.so.2
libpath=$R/usr/lib/x86_64-linux-gnu
# Debian 13's device model is there when the packages include it (--hvm).
DM=$R/usr/libexec/xen-qemu-system-i386
dm=
[ -x "$DM" ] && dm=$DM
for f in "$R"/usr/lib/xen-4.20/bin/{xl,libxl-save-helper,xenstored,xenconsoled,xen-init-dom0} $dm; do
    out=$("$ldso" --library-path "$libpath" --list "$f" 2>&1) || die "$f: $out"
    echo "$out" | grep -q 'not found' && die "$f: libraries missing from the trixie root: $(echo "$out" | grep 'not found' | tr '\n' ' ')"
    echo "$out" | grep -v "$R" | grep -q '=> /' && die "$f: resolves a library outside the trixie root: $out"
done

# The build list: host A's plus debian13.
mkdir -p "$WORK/etc"
builds="$(sed -n 's/^tool builds: *//p' "$BASE/image.info") debian13"
echo "$builds" > "$WORK/etc/xs-builds"

mkdir -p "$OUT"
(cd "$WORK" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 > "$OUT/deb13.cpio.gz"
cat "$BASE/dom0.cpio.gz" "$OUT/deb13.cpio.gz" > "$OUT/dom0.cpio.gz.tmp"
mv "$OUT/dom0.cpio.gz.tmp" "$OUT/dom0.cpio.gz"
cp "$DEBS/xen.elf" "$OUT/xen.elf"
cp "$BASE/vmlinuz" "$OUT/vmlinuz"
cp "$BASE/guest.cpio.gz" "$OUT/guest.cpio.gz" 2>/dev/null || true
{
    echo "built:        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "hypervisor:   $(grep '^xen-hypervisor' "$SYS/.from")"
    sed -n 's/^kernel: /kernel: /p' "$BASE/image.info"
    echo "tool builds:  $builds"
    echo "debian13:     $(sed 's/_amd64.deb$//; s/_all.deb$//' "$SYS/.from" | tr '\n' ' ')"
    [ -n "$dm" ] && echo "device model: /opt/deb13/usr/libexec/xen-qemu-system-i386 ($(grep '^qemu-system-xen' "$SYS/.from"))"
    echo "base image:   $BASE/dom0.cpio.gz ($(stat -c %s "$BASE/dom0.cpio.gz") bytes)"
    echo "dom0 image:   $(stat -c %s "$OUT/dom0.cpio.gz") bytes (trixie part $(stat -c %s "$OUT/deb13.cpio.gz"))"
} > "$OUT/image.info"
rm -rf "$WORK"
say "done in $(( $(date +%s) - t0 )) s: $OUT/dom0.cpio.gz ($(du -h "$OUT/dom0.cpio.gz" | cut -f1), trixie part $(du -h "$OUT/deb13.cpio.gz" | cut -f1))"
