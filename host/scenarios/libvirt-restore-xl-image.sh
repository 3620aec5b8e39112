# libvirt-restore-xl-image: an image saved by our `xl save`, turned into a
# libvirt save image with `xen-stream convert --to libvirt --xml`, restored
# by `virsh restore`: the guest (a second one, g1x, booted by xl) goes on.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
command -v xen-stream > /dev/null || skip "no xen-stream in the image"
prev_log=$(guest_log)
XS_GUEST=g1x
lv_ensure "$XS_BUILD"
create_guest "$XS_BUILD" || fail "xl create of $XS_GUEST failed"
log=$(guest_log)
before=$(last_tick "$log")
xl_img=/tmp/$XS_GUEST.xlsave lv_img=/tmp/$XS_GUEST.lvsave
run "xl save" xl save "$XS_GUEST" "$xl_img" > /dev/null || fail "xl save failed"
run "xen-stream convert --to libvirt" xen-stream convert --to libvirt \
    --xml "$(lv_guest_xml)" "$xl_img" "$lv_img" > "$XS_OUT/$XS_SCENARIO.convert.txt" 2>&1 ||
    fail "convert --to libvirt failed: $(tail -1 "$XS_OUT/$XS_SCENARIO.convert.txt")"
conv_took=$took
rm -f "$xl_img"
lv_image_evidence "$lv_img"
from=$(lines "$log")
run "virsh restore of the converted image" lv restore "$lv_img" || fail "virsh restore of the converted xl image failed"
restore_took=$took
[ "$(lv_state)" = running ] || fail "libvirt says $XS_GUEST is '$(lv_state)'"
check_continues "$log" "$from" "$before" || fail "$evidence"
rm -f "$lv_img"
lv destroy "$XS_GUEST" > /dev/null 2>&1
[ -n "$prev_log" ] && set_guest_log "$prev_log"
pass "xl save, convert --to libvirt $conv_took s ($image_evidence), virsh restore $restore_took s; $evidence"
