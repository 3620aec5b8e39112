#!/bin/bash
# Builds the emulated Xen host's boot images from the unpacked Debian
# packages (fetch-debs.sh) and our tool builds.
#
#   build-image.sh [OPTIONS]
#     --out DIR            default build/host
#     --stock DIST         stock tools (make xen-stock), default build/xen-stock/dist
#     --ours DIST          our patched tools (make xen), default build/xen/dist
#                          if it has been built; without it the image carries
#                          the stock build only
#     --build NAME=DIST    one more tool build (e.g. asan=build/xen-asan/dist),
#                          run with run-host.sh --build NAME; repeatable
#     --guest-kernel K     vmlinuz (bzImage, default) or vmlinux (uncompressed
#                          ELF: faster `xl create` under TCG, bigger image)
#
# Produces in OUT:
#   dom0.cpio.gz   the dom0 initramfs: busybox, the Xen kernel modules, each
#                  tool build under /opt/xen-<name>/usr, their shared
#                  libraries, xs-copy, xen-stream and convert-legacy-stream
#                  (if built), mklegacy, the guest, host/dom0/* (init and
#                  helpers)
#   guest.cpio.gz  the guests' initramfs (also inside dom0.cpio.gz): busybox,
#                  the init (the counter) and memcheck (the memory check)
#   xen.elf, vmlinuz   what QEMU loads (copied from the debs)
#   image.info     what went into the image
#
# Rebuilding is cheap (a few seconds); run-host.sh passes the scenarios on a
# separate disk, so editing a scenario does not need a new image.
set -euo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
HOST_SRC=$TOP/host
OUT=$TOP/build/host
STOCK_DIST=$TOP/build/xen-stock/dist
OURS_DIST=$TOP/build/xen/dist
OURS_GIVEN=0
GUEST_KERNEL=vmlinuz
EXTRA_BUILDS=()
XEN_STREAM_BIN=${XEN_STREAM_BIN:-$TOP/build/bin/xen-stream}
CONVERT_BIN=${CONVERT_BIN:-$TOP/build/bin/convert-legacy-stream}

say() { echo "build-image: $*" >&2; }
die() { say "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --out) OUT=$2; shift 2 ;;
        --stock) STOCK_DIST=$2; shift 2 ;;
        --ours) OURS_DIST=$2; OURS_GIVEN=1; shift 2 ;;
        --build) EXTRA_BUILDS+=("$2"); shift 2 ;;
        --guest-kernel) GUEST_KERNEL=$2; shift 2 ;;
        *) sed -n '4,16s/^# \{0,1\}//p' "$0" >&2; exit 1 ;;
    esac
done

DEBS=$OUT/debs
[ -f "$DEBS/KVER" ] || die "no unpacked packages in $DEBS: run host/fetch-debs.sh first"
KVER=$(cat "$DEBS/KVER")
LINUX_PKG=$(cat "$DEBS/LINUX_PKG")
MODDIR=$DEBS/$LINUX_PKG/lib/modules/$KVER
BUSYBOX=/bin/busybox
# (readelf rather than file(1), which a fresh machine may not have: a
# static executable has no program interpreter.)
[ -x "$BUSYBOX" ] && ! readelf -l "$BUSYBOX" 2>/dev/null | grep -q INTERP ||
    die "$BUSYBOX is not a static busybox (apt-get install busybox-static)"
[ -x "$STOCK_DIST/usr/sbin/xl" ] || die "no stock tools in $STOCK_DIST (make xen-stock)"
if [ ! -x "$OURS_DIST/usr/sbin/xl" ]; then
    [ $OURS_GIVEN = 1 ] && die "no tools in $OURS_DIST (make xen)"
    OURS_DIST=
fi

mkdir -p "$OUT"
WORK=$OUT/work
rm -rf "$WORK"
mkdir -p "$WORK"

# ---- helpers ----

# Copy FILE into ROOT under the same path (dereferencing symlinks).
copy_to_root() {
    local root=$1 file=$2
    mkdir -p "$root$(dirname "$file")"
    cp -L "$file" "$root$file"
}

# Populate ROOT/bin with busybox and a symlink per applet.  Everything goes
# into /bin: /usr is where a tool build is mounted, so it must hold nothing
# of ours.
install_busybox() {
    local root=$1 a
    mkdir -p "$root/bin"
    cp "$BUSYBOX" "$root/bin/busybox"
    for a in $("$BUSYBOX" --list); do
        [ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
    done
    ln -sf bin "$root/sbin"
}

# The .ko file of module NAME (- and _ are the same to the kernel).
module_file() {
    local name=$1 f
    f=$(find "$MODDIR/kernel" -name "$name.ko" -o -name "${name//-/_}.ko" -o -name "${name//_/-}.ko" | head -1)
    [ -n "$f" ] || die "kernel module $name not found in $MODDIR"
    echo "$f"
}

module_deps() {
    objcopy -O binary --only-section=.modinfo "$1" /dev/stdout |
        tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# Print NAME's dependencies (recursively) then NAME, each once: a load order.
declare -A MOD_SEEN=()
module_order() {
    local name=$1 f d
    [ -n "${MOD_SEEN[$name]:-}" ] && return 0
    MOD_SEEN[$name]=1
    f=$(module_file "$name")
    for d in $(module_deps "$f"); do
        module_order "$d"
    done
    echo "$name $f"
}

# ---- the guest ----

build_guest() {
    local root=$WORK/guest
    say "guest initramfs"
    mkdir -p "$root"/{dev,proc,sys}
    install_busybox "$root"
    cp "$HOST_SRC/guest/init" "$root/init"
    chmod 755 "$root/init"
    # The memory checker the init starts beside the counter.
    gcc -std=gnu99 -Wall -Wextra -Werror -O2 -static \
        -o "$root/bin/memcheck" "$HOST_SRC/guest/memcheck.c"
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 > "$OUT/guest.cpio.gz"
}

# ---- dom0 ----

# Copy a tool build's usr/ tree (without headers, static libraries,
# pkg-config files) to ROOT/opt/xen-NAME/usr.
install_tools() {
    local root=$1 name=$2 dist=$3 dst=$1/opt/xen-$2
    say "tools '$name' from $dist"
    mkdir -p "$dst"
    cp -a "$dist/usr" "$dst/"
    rm -rf "$dst/usr/include" "$dst/usr/lib/pkgconfig" "$dst/usr/share"
    find "$dst" -name '*.a' -delete
    echo "$dist" > "$dst/.from"
}

# Copy the shared libraries that the ELF files under ROOT need and that
# ROOT does not provide itself, found with ldd.
install_libs() {
    local root=$1 libpath f lib
    libpath=$(find "$root/opt" -type d -name lib -path '*/usr/lib' | tr '\n' ':')
    find "$root" -type f -perm -u+x | while read -r f; do
        readelf -d "$f" 2>/dev/null | grep -q NEEDED || continue
        LD_LIBRARY_PATH=$libpath ldd "$f" 2>/dev/null
    done | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib64\// { print $1 }' |
        grep -v "^$root" | sort -u > "$WORK/libs.list"
    # glibc dlopens libgcc_s for pthread_cancel (xl uses it); ldd cannot
    # see that, and without it xl aborts.
    lib=$(gcc -print-file-name=libgcc_s.so.1)
    [ -f "$lib" ] || lib=/lib/x86_64-linux-gnu/libgcc_s.so.1
    echo "$lib" >> "$WORK/libs.list"
    while read -r lib; do
        case $lib in
            /lib64/*) copy_to_root "$root" "$lib" ;;
            *) mkdir -p "$root/lib/x86_64-linux-gnu"
               cp -L "$lib" "$root/lib/x86_64-linux-gnu/" ;;
        esac
    done < "$WORK/libs.list"
}

build_dom0() {
    local root=$WORK/dom0 name f dst builds=stock
    say "dom0 initramfs"
    mkdir -p "$root"/{dev,proc,sys,run,tmp,usr,mnt,opt,etc/xen,var/lib,var/log,guest,lib/modules/xs}
    install_busybox "$root"
    mknod -m 600 "$root/dev/console" c 5 1
    mknod -m 666 "$root/dev/null" c 1 3
    # xl complains on every call without a global config; an empty one is
    # all the defaults.
    : > "$root/etc/xen/xl.conf"

    # Kernel modules, flat, with the order to insmod them in.
    : > "$root/lib/modules/xs/order"
    for name in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc \
                virtio_pci virtio_blk virtio_net; do
        module_order "$name"
    done | while read -r name f; do
        cp "$f" "$root/lib/modules/xs/"
        basename "$f" >> "$root/lib/modules/xs/order"
    done
    echo "$KVER" > "$root/lib/modules/xs/KVER"

    install_tools "$root" stock "$STOCK_DIST"
    if [ -n "$OURS_DIST" ]; then
        install_tools "$root" ours "$OURS_DIST"
        builds="ours stock"
    fi
    for f in "${EXTRA_BUILDS[@]}"; do
        name=${f%%=*}
        [ -x "${f#*=}/usr/sbin/xl" ] || die "--build $f: no usr/sbin/xl there"
        install_tools "$root" "$name" "${f#*=}"
        builds="$builds $name"
    done
    echo "$builds" > "$root/etc/xs-builds"

    # Our programs live in /bin, outside any tool build.
    gcc -std=gnu99 -Wall -Wextra -Werror -O2 -static \
        -o "$root/bin/xs-copy" "$HOST_SRC/tools/xs-copy.c"
    cp "$root/bin/xs-copy" "$OUT/xs-copy"
    # The C converter of legacy streams goes where libxl (ours or stock)
    # execs it, in every build that does not bring its own; mklegacy (a test
    # tool that writes legacy images from v2 ones) goes in /bin.
    if [ -x "$CONVERT_BIN" ]; then
        for f in "$root"/opt/xen-*/usr; do
            [ -e "$f/lib/xen/bin/convert-legacy-stream" ] && continue
            mkdir -p "$f/lib/xen/bin"
            cp "$CONVERT_BIN" "$f/lib/xen/bin/convert-legacy-stream"
        done
        say "convert-legacy-stream from $CONVERT_BIN"
    fi
    if [ -f "$TOP/tests/legacy/mklegacy.c" ]; then
        gcc -std=gnu99 -O2 -static -I"$TOP/tools/libxl" -I"$TOP/tests/legacy" \
            -o "$root/bin/mklegacy" "$TOP/tests/legacy/mklegacy.c" \
            "$TOP/tests/legacy/v2read.c" "$TOP/tools/libxl/libxl_sr_codec.c" \
            "$TOP/tools/libxl/libxl_sr_framer.c" ||
            { say "mklegacy did not build: no legacy scenarios"; rm -f "$root/bin/mklegacy"; }
    fi
    # xlt-client, a stranger to xl migrate --data-port's listener (a
    # random key): the transport scenarios.
    gcc -std=gnu99 -Wall -Wextra -Werror -O2 -I"$TOP/tools/xl" \
        -o "$root/bin/xlt-client" "$TOP/tests/host/xlt-client.c" \
        "$TOP/tools/xl/xl_transport.c" -lgnutls -lpthread ||
        { say "xlt-client did not build: transport scenarios will fail"; rm -f "$root/bin/xlt-client"; }
    if [ -x "$XEN_STREAM_BIN" ]; then
        cp "$XEN_STREAM_BIN" "$root/bin/xen-stream"
        say "xen-stream from $XEN_STREAM_BIN"
    else
        say "no $XEN_STREAM_BIN: images will not be verified inside the host"
    fi
    # strace, when this machine has it: the host benchmark's look at where
    # a save's and a restore's time goes (host/scenarios/bench.sh).
    if f=$(command -v strace); then
        cp "$f" "$root/bin/strace"
        say "strace from $f"
    fi
    # (init is also a busybox applet: /bin/init stays busybox's.)
    for f in "$HOST_SRC"/dom0/*; do
        case ${f##*/} in
            init) dst=$root/init ;;
            *) dst=$root/bin/${f##*/} ;;
        esac
        rm -f "$dst"
        cp "$f" "$dst"
        chmod 755 "$dst"
    done

    install_openssh "$root"
    install_libs "$root"

    # The guest: its kernel is the dom0 kernel.
    case $GUEST_KERNEL in
        vmlinuz) cp "$DEBS/vmlinuz" "$root/guest/kernel" ;;
        vmlinux) extract_vmlinux "$DEBS/vmlinuz" > "$root/guest/kernel" ;;
        *) die "--guest-kernel: vmlinuz or vmlinux" ;;
    esac
    cp "$OUT/guest.cpio.gz" "$root/guest/initrd.gz"
    # memcheck --damage, for the scenario that proves a damaged page is
    # caught (memcheck-catches-damage).
    cp "$WORK/guest/bin/memcheck" "$root/bin/memcheck"

    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 > "$OUT/dom0.cpio.gz.tmp"
    mv "$OUT/dom0.cpio.gz.tmp" "$OUT/dom0.cpio.gz"
}

# OpenSSH from the Debian packages, so that two hosts migrate over real ssh
# (xl's default transport).  Both hosts boot this one image, so they share
# one host key and one root key pair: each host's root may log in to the
# other (and to itself), and knows the host key under both link addresses.
# Binaries go in /bin (/usr belongs to the tool builds); init starts sshd
# when the host has a network (run-host.sh --two-host).
install_openssh() {
    local root=$1 keys=$WORK/ssh-keys f
    for f in openssh-server/usr/sbin/sshd openssh-client/usr/bin/ssh \
             libwrap0/usr/lib/x86_64-linux-gnu/libwrap.so.0; do
        [ -e "$DEBS/$f" ] || die "no $f in $DEBS: run host/fetch-debs.sh"
    done
    say "openssh from $(cat "$DEBS/openssh-server/.from")"
    cp "$DEBS/openssh-server/usr/sbin/sshd" "$DEBS/openssh-client/usr/bin/ssh" "$root/bin/"
    # sshd needs libwrap, which this machine lacks (so ldd cannot see it):
    # executable, so that install_libs looks at what it needs in turn.
    mkdir -p "$root/lib/x86_64-linux-gnu"
    cp -L "$DEBS/libwrap0/usr/lib/x86_64-linux-gnu/libwrap.so.0" "$root/lib/x86_64-linux-gnu/"
    chmod 755 "$root/lib/x86_64-linux-gnu/libwrap.so.0"
    rm -rf "$keys"; mkdir -p "$keys"
    "$DEBS/openssh-client/usr/bin/ssh-keygen" -q -t ed25519 -N '' -C xshost -f "$keys/host" ||
        die "ssh-keygen (host key) failed"
    "$DEBS/openssh-client/usr/bin/ssh-keygen" -q -t ed25519 -N '' -C root@xshost -f "$keys/root" ||
        die "ssh-keygen (root key) failed"
    mkdir -p "$root/etc/ssh" "$root/root/.ssh"
    install -m 600 "$keys/host" "$root/etc/ssh/ssh_host_ed25519_key"
    install -m 644 "$keys/host.pub" "$root/etc/ssh/ssh_host_ed25519_key.pub"
    install -m 600 "$keys/root" "$root/root/.ssh/id_ed25519"
    install -m 644 "$keys/root.pub" "$root/root/.ssh/authorized_keys"
    echo "169.254.77.1,169.254.77.2,localhost,127.0.0.1 $(cut -d' ' -f1,2 "$keys/host.pub")" \
        > "$root/root/.ssh/known_hosts"
    chmod 700 "$root/root" "$root/root/.ssh"
    # No PAM, no passwords: the root key is the only way in.  The tools
    # of a build live under /usr/lib, which the dynamic loader does not
    # search by default.
    cat > "$root/etc/ssh/sshd_config" <<'CONF'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile /run/sshd.pid
SetEnv LD_LIBRARY_PATH=/usr/lib
CONF
    cat > "$root/etc/ssh/ssh_config" <<'CONF'
Host *
    BatchMode yes
    StrictHostKeyChecking yes
    ConnectTimeout 30
CONF
    # sshd's privilege separation user; root's entry for both ends.
    cat > "$root/etc/passwd" <<'CONF'
root:x:0:0:root:/root:/bin/sh
sshd:x:100:65534::/run/sshd:/bin/false
CONF
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
    rm -rf "$keys"
}

# The Debian kernel is an XZ-compressed bzImage; the ELF inside starts at the
# XZ magic.
extract_vmlinux() {
    local off
    off=$(grep -obUaP '\xfd7zXZ\x00' "$1" | head -1 | cut -d: -f1)
    [ -n "$off" ] || die "no XZ payload in $1"
    tail -c +$((off + 1)) "$1" | xz -dc --single-stream
}

t0=$(date +%s)
build_guest
build_dom0
cp "$DEBS/xen.elf" "$OUT/xen.elf"
cp "$DEBS/vmlinuz" "$OUT/vmlinuz"
{
    echo "built:        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "hypervisor:   $(cat "$DEBS"/xen-hypervisor-4.17-amd64/.from)"
    echo "kernel:       $(cat "$DEBS/$LINUX_PKG/.from") ($KVER)"
    echo "tool builds:  $(cat "$WORK/dom0/etc/xs-builds")"
    echo "stock:        $STOCK_DIST"
    echo "ours:         ${OURS_DIST:-(none)}"
    echo "xen-stream:   $([ -x "$WORK/dom0/bin/xen-stream" ] && echo yes || echo no)"
    echo "legacy:       converter $([ -x "$CONVERT_BIN" ] && echo yes || echo no), mklegacy $([ -x "$WORK/dom0/bin/mklegacy" ] && echo yes || echo no)"
    echo "guest kernel: $GUEST_KERNEL"
    echo "openssh:      $(cat "$DEBS/openssh-server/.from")"
    echo "dom0 image:   $(stat -c %s "$OUT/dom0.cpio.gz") bytes"
} > "$OUT/image.info"
rm -rf "$WORK"
say "done in $(( $(date +%s) - t0 )) s: $OUT/dom0.cpio.gz ($(du -h "$OUT/dom0.cpio.gz" | cut -f1)), tool builds: $(sed -n 's/^tool builds: *//p' "$OUT/image.info")"
