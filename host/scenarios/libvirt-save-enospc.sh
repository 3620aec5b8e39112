# libvirt-save-enospc: virsh save onto a filesystem too small for the
# image (a 16 MiB tmpfs).  virsh must fail with an error, libvirt must
# still run the guest (counter and memory going on) and the daemon must go
# on answering.  libvirt does not resume a guest whose save failed; our
# library does it for a save that is not live (libxl_sr_save_failure.c),
# and its log says so.  LV_SAVE_BUILD (libvirt-save-enospc-stock) runs
# libvirtd on another build, to tell libvirt's part from the library's:
# with stock's the guest stays suspended.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
dir=/run/xs/full
mkdir -p "$dir"
mount -t tmpfs -o size=16m tmpfs "$dir" || fail "cannot mount a 16 MiB tmpfs on $dir"
trap 'umount "$dir" 2>/dev/null' EXIT
# libvirtd (re)started after the mount: with a build other than the one on
# /usr it runs in a mount namespace of its own (xs-with), which does not
# see mounts made after it started.
lv_start "${LV_SAVE_BUILD:-$XS_BUILD}"
lv_ensure_guest
out=$XS_OUT/$XS_SCENARIO.virsh.txt
log=$(guest_log)
before=$(last_tick "$log")
from=$(lines "$log")
dlog_from=$(lines "$LV_DRIVER_LOG")
# libvirt writes libxl's messages about a domain to that domain's log.
glog=/var/log/libvirt/libxl/$XS_GUEST.log
glog_from=$(lines "$glog")
run "virsh save onto a 16 MiB tmpfs" lv save "$XS_GUEST" "$dir/$XS_GUEST.save" > "$out" 2>&1 &&
    fail "virsh save onto a 16 MiB tmpfs succeeded ($(ls -l "$dir"))"
cat "$out"
msg=$(grep -i error "$out" | head -1 | cut -c1-200)
[ -n "$msg" ] || fail "virsh failed without an error message: $(oneline "$out" 2>/dev/null || tail -2 "$out")"
{ log_after "$LV_DRIVER_LOG" "$dlog_from"; log_after "$glog" "$glog_from"; } > "$XS_OUT/$XS_SCENARIO.libxl.txt"
grep -q 'No space left on device' "$XS_OUT/$XS_SCENARIO.libxl.txt" ||
    fail "libxl's log under libvirt does not name the cause: $(grep -i error "$XS_OUT/$XS_SCENARIO.libxl.txt" | head -3 | tr '\n' '|')"
cause=$(grep 'No space left on device' "$XS_OUT/$XS_SCENARIO.libxl.txt" | head -1 | sed 's/^.*: \(libxl[^ ]*\)/\1/' | cut -c1-160)
guest_exists || fail "the guest is gone after the failed save"
resumed=
if [ "${LV_SAVE_BUILD:-$XS_BUILD}" != stock ]; then
    resumed=$(grep -o 'the guest was resumed after the failed save.*' "$XS_OUT/$XS_SCENARIO.libxl.txt" | head -1 | cut -c1-120)
    [ -n "$resumed" ] ||
        fail "libxl's log does not say it resumed the guest: $(grep -i 'resum' "$XS_OUT/$XS_SCENARIO.libxl.txt" | head -3 | tr '\n' '|')"
fi
[ "$(lv_state)" = running ] || fail "libvirt says the guest is '$(lv_state)' after the failed save"
# libvirt does not resume a guest whose save failed (xl does); the state
# Xen reports shows whether it was left suspended.
check_continues "$log" "$from" "$before" ||
    fail "after the failed save: $evidence; libvirt says '$(lv_state)', xl list: $(xl list "$XS_GUEST" 2>&1 | tail -1 | tr -s ' ')"
left=$(ls -A "$dir")
pass "(libvirtd on ${LV_SAVE_BUILD:-$XS_BUILD}) virsh save failed in $took s: '$msg'; libxl: '$cause'; guest running under libvirt: $evidence${resumed:+ (libxl: '$resumed')}; left on the full fs: ${left:-nothing}"
