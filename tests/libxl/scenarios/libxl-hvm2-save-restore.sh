# libxl-hvm2-save-restore: save and restore h1 (from libxl-hvm1-create):
# the image must carry the three physmap pairs and QEMU's state, the
# restored domain must have the pairs under its new domid and tick on.
. /run/xs/in/scenarios/libxl-lib-hvm.sh
img=/tmp/$G.save
out=/tmp/$G.out
hvm_exists || skip "no HVM guest (libxl-hvm1-create did not pass)"
before=$(last_tick "$(hvm_live_log)")
run "xl save (hvm, $XS_BUILD)" xlb "$XS_BUILD" save "$G" "$img" || fail "xl save of the HVM guest failed"
save_took=$took
verify_image "$img" || fail "HVM image: $verified"
if command -v xen-stream > /dev/null; then
    xen-stream info "$img" > "$out" 2>&1
    cat "$out"
    grep -q "emulator xenstore keys: *3" "$out" || fail "the image does not carry the 3 physmap keys"
    grep -q "emulator state: .*QEVM" "$out" || fail "the image does not carry QEMU's state"
fi
from=$(lines "$HVM_LOG")
run "xl restore (hvm, $XS_BUILD)" xlb "$XS_BUILD" restore "$img" > "$out" 2>&1
rc=$?
cat "$out"
[ $rc = 0 ] || fail "xl restore of the HVM image failed: $(grep -i error "$out" | tail -2 | tr '\n' '|')"
restore_took=$took
rm -f "$img"
check_continues "$HVM_LOG" "$from" "$before" || fail "after restore: $evidence"
name=$(hvm_pm_name) || fail "the physmap keys were not restored under domid $(xl domid "$G")"
[ "$name" = vga.vram ] || fail "restored physmap name is '$name'"
pass "save $save_took s (3 xenstore pairs + QEMU state, $verified), restore $restore_took s, physmap keys under the new domid, $evidence"
