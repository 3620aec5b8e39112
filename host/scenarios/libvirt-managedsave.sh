# libvirt-managedsave: virsh managedsave of the defined guest (libvirt
# keeps the image in /var/lib/libvirt/libxl/save), xen-stream verify of
# that image, then virsh start, which restores from it and removes it.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
lv_ensure "$XS_BUILD"
lv_ensure_guest
img=/var/lib/libvirt/libxl/save/$XS_GUEST.save
log=$(guest_log)
before=$(last_tick "$log")
run "virsh managedsave" lv managedsave "$XS_GUEST" || fail "virsh managedsave failed"
ms_took=$took
guest_exists && fail "the guest still exists after virsh managedsave"
[ -f "$img" ] || fail "no managed save image at $img ($(ls /var/lib/libvirt/libxl/save 2>&1))"
lv dominfo "$XS_GUEST" | grep -q '^Managed save: *yes' || fail "libvirt does not list a managed save image"
size=$(size_mb "$img")
verify_image "$img" || fail "managed save image: $verified"
lv_image_evidence "$img"
log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
run "virsh start (from the managed save image)" lv start "$XS_GUEST" || fail "virsh start after managedsave failed"
start_took=$took
set_guest_log "$log"
check_continues "$log" "$from" "$before" || fail "$evidence"
[ -f "$img" ] && fail "the managed save image is still there after virsh start"
pass "managedsave $ms_took s, $size ($image_evidence); start $start_took s; $verified; $evidence"
