# libvirt-restore-stalled: virsh restore from a pipe whose writer stops,
# without closing it, four octets into the END record, with libvirtd
# started with LIBXL_RESTORE_STALL_TIMEOUT=5.  Our libxl, running in
# libvirtd's threads and event loop, must give up after about 5 s with the
# documented message (docs/man/xl-saverestore.md), libvirt must report the
# restore failed, leave no domain behind and go on answering; the whole
# image then restores and the guest goes on.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
case $XS_BUILD in ours|asan) ;; *) skip "the stall watchdog is ours; the build under test is '$XS_BUILD'" ;; esac
command -v xen-stream > /dev/null || skip "no xen-stream in the image (needed to find the END record)"
lv_start "$XS_BUILD" LIBXL_RESTORE_STALL_TIMEOUT=5
lv_ensure_guest
img=/tmp/$XS_SCENARIO.img
fifo=/run/xs/$XS_SCENARIO.fifo
out=$XS_OUT/$XS_SCENARIO.virsh.txt
log=$(guest_log)
before=$(last_tick "$log")
rm -f "$img" "$fifo"
run "virsh save" lv save "$XS_GUEST" "$img" || fail "virsh save failed"
xen-stream dump "$img" > "$XS_OUT/$XS_SCENARIO.dump.txt" 2>&1 || fail "xen-stream cannot dump the libvirt image"
end=$(dump_offset "$XS_OUT/$XS_SCENARIO.dump.txt" '^@[0-9]+ libxl record [0-9]+ END')
[ -n "$end" ] || fail "no END record in the dump of the libvirt image"
mkfifo "$fifo"
sh -c 'head -c "$1" "$2"; exec sleep 600' sh $((end + 4)) "$img" > "$fifo" &
feeder=$!
dlog_from=$(lines "$LV_DRIVER_LOG")
run "virsh restore from a pipe that stalls inside END" timeout 120 \
    sh -c 'LD_LIBRARY_PATH=$0/lib "$0/bin/virsh" -k 0 -q -c "$1" restore "$2"' \
    "$LV" "$LV_URI" "$fifo" > "$out" 2>&1
rc=$?
t=$took
kill "$feeder" 2>/dev/null
rm -f "$fifo"
cat "$out"
[ $rc != 0 ] || fail "virsh restore succeeded from a stalled pipe"
[ $rc != 124 ] || fail "virsh restore was still waiting after 120 s (libvirtd hung?)"
awk -v t="$t" 'BEGIN { exit !(t >= 5 && t < 60) }' || fail "virsh restore gave up after $t s (timeout 5 s)"
log_after "$LV_DRIVER_LOG" "$dlog_from" > "$XS_OUT/$XS_SCENARIO.libxl.txt"
msg=$(grep -o 'nothing received for 5 s[^"]*' "$XS_OUT/$XS_SCENARIO.libxl.txt" | head -1)
[ -n "$msg" ] || fail "libxl's log under libvirt has no 'nothing received for 5 s': $(grep -i error "$XS_OUT/$XS_SCENARIO.libxl.txt" | tail -3 | tr '\n' '|')"
lv version > /dev/null 2>&1 || fail "libvirtd does not answer after the stalled restore"
guest_exists && fail "a domain $XS_GUEST was left behind: $(xl list | tr '\n' '|')"
# (libvirt's libxl driver lists dom0 as Domain-0; the guest stays defined,
# inactive.)
others=$(lv list --name 2>/dev/null | grep -v -x -e Domain-0 -e '' | tr '\n' ' ')
[ -z "$others" ] || fail "libvirt lists a running domain after the failed restore: $others"
verr=$(grep -i error "$out" | head -1 | cut -c1-160)
log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
run "virsh restore of the whole image" lv restore "$img" || fail "virsh restore of the whole image failed after the stalled one"
set_guest_log "$log"
rm -f "$img"
check_continues "$log" "$from" "$before" || fail "$evidence"
pass "gave up in $t s (timeout 5 s); virsh: '$verr'; libxl: '$msg'; no domain left, daemon answering; whole image restored: $evidence"
