# Sourced by the libxl-hvm* scenarios (not a scenario itself).
#
# An HVM guest, so that the device model's state travels: the writer's
# EMULATOR_XENSTORE_DATA and EMULATOR_CONTEXT (QEMU's save file, streamed)
# and the reader's handling of both (pairs checked and written under the
# new domid, QEMU's state streamed to the file the new QEMU loads).
#
# Debian's qemu-system-xen, hvmloader and SeaBIOS travel in the input as
# libxl-bin-hvm.tgz.sh (tests/libxl/hvm-bundle.sh builds it).  The guest
# is h1, direct kernel boot of the PV guest's kernel and initrd, counter
# on hvc0.
. /run/xs/in/scenarios/lib.sh
tools=/run/xs/in/scenarios
G=h1
HVM_LOG=$XS_CONS/guest-$G.log
# Where the physmap entry for video RAM is kept (see libxl-hvm1-create).
HVM_PM_KEY=physmap/7000000
[ -f "$tools/libxl-bin-hvm.tgz.sh" ] || skip "no HVM device model bundle in the input"
[ -x /tmp/hvm/dm ] || tar -xzf "$tools/libxl-bin-hvm.tgz.sh" -C /tmp ||
    fail "cannot unpack the HVM bundle"
xsw() { xs-with "$XS_BUILD" xenstore-write "$@"; }
xsr() { xs-with "$XS_BUILD" xenstore-read "$@"; }
hvm_exists() { xl domid "$G" > /dev/null 2>&1; }
hvm_pm_name() {
    xsr "/local/domain/0/device-model/$(xl domid "$G")/$HVM_PM_KEY/name" 2>/dev/null
}
hvm_cfg() {
    local cfg=/run/xs/$G.cfg
    cat > "$cfg" <<CFG
name = "$G"
type = "hvm"
kernel = "/guest/kernel"
ramdisk = "/guest/initrd.gz"
cmdline = "console=hvc0 quiet"
memory = 128
vcpus = 1
firmware_override = "/tmp/hvm/hvmloader"
bios_path_override = "/tmp/hvm/share/bios-256k.bin"
device_model_version = "qemu-xen"
device_model_override = "/tmp/hvm/dm"
vga = "stdvga"
vnc = 0
sdl = 0
serial = "none"
on_crash = "preserve"
CFG
    echo "$cfg"
}
