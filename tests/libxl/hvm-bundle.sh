#!/bin/bash
# hvm-bundle.sh WORKDIR OUT.tgz: what an HVM guest needs in the emulated
# host's dom0 and the image does not carry, as one tarball unpacking to
# hvm/: Debian's qemu-system-xen (with every library it links against but
# libc, and the ROMs it loads), hvmloader from the pinned xen-utils-4.17,
# SeaBIOS, and hvm/dm, a wrapper to use as device_model_override.
# Also hvm/dm-fill, the same device model with tests/libxl/dm-fill.c
# preloaded (libxl-hvm5-large-dm-state), and that library, hvm/dm-fill.so,
# which the scenario also preloads into xl to read its peak RSS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1 out=$2
XEN_DEB_VERSION=${XEN_DEB_VERSION:-4.17.5+72-g01140da4e8-1}
rm -rf "$work"
mkdir -p "$work/debs" "$work/x" "$work/hvm/lib" "$work/hvm/share"
(cd "$work/debs" && apt-get download -q qemu-system-xen "xen-utils-4.17=$XEN_DEB_VERSION" 2>/dev/null) ||
    { echo "hvm-bundle: apt-get download failed" >&2; exit 1; }
for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$work/x"; done
cp "$work/x/usr/libexec/xen-qemu-system-i386" "$work/hvm/qemu"
cp "$work/x/usr/lib/xen-4.17/boot/hvmloader" "$work/hvm/"
# Libraries as resolved here (Debian 12, like dom0); a missing one is fatal.
if ldd "$work/hvm/qemu" | grep -q "not found"; then
    echo "hvm-bundle: libraries missing for qemu-system-xen:" >&2
    ldd "$work/hvm/qemu" | grep "not found" >&2
    exit 1
fi
ldd "$work/hvm/qemu" | awk '/=> \//{ print $3 }' |
    grep -v -e '/libc\.so' -e 'ld-linux' | while read -r l; do cp -L "$l" "$work/hvm/lib/"; done
for f in linuxboot_dma.bin linuxboot.bin kvmvapic.bin; do
    cp -L "/usr/share/qemu/$f" "$work/hvm/share/"
done
cp -rL /usr/share/qemu/keymaps "$work/hvm/share/"
cp -L /usr/share/seabios/vgabios-stdvga.bin /usr/share/seabios/bios-256k.bin "$work/hvm/share/"
cat > "$work/hvm/dm" <<'DM'
#!/bin/sh
# Device model for the HVM scenarios: Debian's qemu-system-xen with its
# libraries and ROMs unpacked next to it.
d=$(dirname "$0")
LD_LIBRARY_PATH=$d/lib exec "$d/qemu" -L "$d/share" "$@"
DM
chmod +x "$work/hvm/dm"
# Built here (dom0 has no compiler) against this machine's glibc, which is
# dom0's.  Without it only libxl-hvm5-large-dm-state is lost.
if cc -O2 -Wall -shared -fPIC -o "$work/hvm/dm-fill.so" "$here/dm-fill.c" -ldl -lpthread; then
    cat > "$work/hvm/dm-fill" <<'DM'
#!/bin/sh
# hvm/dm with dm-fill.so preloaded: QEMU's saved state gets as many MiB of
# filler appended as /run/xs/dm-fill/mib says (none without the file), and
# what it wrote or was given is reported in /run/xs/dm-fill/.
d=$(dirname "$0")
mkdir -p /run/xs/dm-fill
XS_DM_FILL_CTL=/run/xs/dm-fill/mib XS_DM_FILL_DIR=/run/xs/dm-fill \
LD_PRELOAD=$d/dm-fill.so LD_LIBRARY_PATH=$d/lib exec "$d/qemu" -L "$d/share" "$@"
DM
    chmod +x "$work/hvm/dm-fill"
else
    echo "hvm-bundle: cannot build dm-fill.so (libxl-hvm5-large-dm-state will fail)" >&2
fi
tar -czf "$out" -C "$work" hvm
echo "hvm-bundle: $(du -h "$out" | cut -f1) in $out" >&2
