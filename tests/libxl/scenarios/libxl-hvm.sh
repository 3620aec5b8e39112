# libxl-hvm: an HVM guest, so that the device model's state travels: the
# writer's EMULATOR_XENSTORE_DATA and EMULATOR_CONTEXT (QEMU's save file,
# streamed) and the reader's handling of both (xenstore pairs checked and
# written under the new domid, QEMU's state streamed to the file the new
# QEMU loads).  Save/restore, then a localhost migration (the reader on a
# pipe, where offsets cannot be recovered from the fd).
#
# Debian's qemu-system-xen, hvmloader and SeaBIOS travel in the input as
# libxl-bin-hvm.tgz.sh (tests/libxl/check-libxl.sh builds it).  QEMU 7.2
# never writes physmap keys; the scenario writes one entry such as an older
# device model would have (at an address no memory uses) so that the
# xenstore record is there.
. /run/xs/in/scenarios/lib.sh
tools=/run/xs/in/scenarios
G=h1
img=/tmp/$G.save
out=/tmp/$G.out
[ -f "$tools/libxl-bin-hvm.tgz.sh" ] || skip "no HVM device model bundle in the input"
tar -xzf "$tools/libxl-bin-hvm.tgz.sh" -C /tmp || fail "cannot unpack the HVM bundle"
cfg=/run/xs/$G.cfg
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
xl domid "$G" > /dev/null 2>&1 && xl destroy "$G"
# The PV guest of the other scenarios is not needed here: make room.
guest_exists && xl destroy "$XS_GUEST"
log=$XS_CONS/guest-$G.log
from=$(lines "$log")
run "xl create (hvm)" xlb "$XS_BUILD" create "$cfg" || fail "cannot create the HVM guest"
wait_tick "$log" "$from" 2 240 > /dev/null ||
    fail "the HVM guest did not tick within 240 s (last lines: $(tail -2 "$log" | tr '\n' '|'))"
note "HVM guest ticking"

domid=$(xl domid "$G")
pm=/local/domain/0/device-model/$domid/physmap/7f0000000000
xsw() { xs-with "$XS_BUILD" xenstore-write "$@"; }
xsr() { xs-with "$XS_BUILD" xenstore-read "$@"; }
xsw "$pm/start_addr" 7f0000000000 "$pm/size" 1000 "$pm/name" xenstream-test ||
    fail "cannot write the physmap keys"

before=$(last_tick "$log")
run "xl save (hvm, $XS_BUILD)" xlb "$XS_BUILD" save "$G" "$img" || fail "xl save of the HVM guest failed"
save_took=$took
verify_image "$img" || fail "HVM image: $verified"
if command -v xen-stream > /dev/null; then
    xen-stream info "$img" > "$out" 2>&1
    cat "$out"
    grep -q "EMULATOR_XENSTORE_DATA *1" "$out" || fail "no EMULATOR_XENSTORE_DATA record in the image"
    grep -q "EMULATOR_CONTEXT *1" "$out" || fail "no EMULATOR_CONTEXT record in the image"
fi
from=$(lines "$log")
run "xl restore (hvm, $XS_BUILD)" xlb "$XS_BUILD" restore "$img" > "$out" 2>&1
rc=$?
cat "$out"
[ $rc = 0 ] || fail "xl restore of the HVM image failed: $(grep -i error "$out" | tail -2 | tr '\n' '|')"
restore_took=$took
rm -f "$img"
check_continues "$log" "$from" "$before" || fail "after restore: $evidence"
after_restore=$evidence
domid=$(xl domid "$G")
name=$(xsr /local/domain/0/device-model/$domid/physmap/7f0000000000/name) ||
    fail "the physmap keys were not restored under domid $domid"
[ "$name" = xenstream-test ] || fail "restored physmap name is '$name'"
note "physmap keys restored under domid $domid"

# Migration to this host: the receiving reader works on a pipe.
src=$log
before=$(last_tick "$src")
inc=$XS_CONS/guest-$G--incoming.log
from=$(lines "$inc")
XS_PEER_BUILD=$XS_BUILD
export XS_PEER_BUILD
run "xl migrate (hvm)" xlb "$XS_BUILD" migrate -s xs-ssh "$G" localhost || fail "xl migrate of the HVM guest failed"
mig_took=$took
check_continues "$inc" "$from" "$before" || fail "after migrate: $evidence"
domid=$(xl domid "$G")
[ "$(xsr /local/domain/0/device-model/$domid/physmap/7f0000000000/name)" = xenstream-test ] ||
    fail "the physmap keys did not follow the migration"
xl destroy "$G"
pass "HVM: save $save_took s (EMULATOR_XENSTORE_DATA + EMULATOR_CONTEXT), restore $restore_took s ($after_restore), physmap keys restored; migrate $mig_took s ($evidence)"
