# save-checkpoint: xl save -c leaves the guest running; destroy it, restore
# the checkpoint, and the counter must resume from the checkpoint (not from
# where the destroyed guest had got to, and not from 1).
. /run/xs/in/scenarios/lib.sh
img=/tmp/$XS_GUEST.ckpt
ensure_guest || fail "no running guest"
log=$(guest_log)
before=$(last_tick "$log")
run "xl save -c" xl save -c "$XS_GUEST" "$img" || fail "xl save -c failed"
save_took=$took
# The checkpoint was taken somewhere between these two ticks (xl needs a
# moment under TCG before it suspends the guest).
after_save=$(last_tick "$log")
guest_exists || fail "the guest is gone after xl save -c"
size=$(size_mb "$img")
# The guest must keep running: wait for a few more ticks, enough that a
# restore from the checkpoint is told apart from a guest that went on.
kept=$(wait_tick "$log" 0 $((after_save + 3)) 30) ||
    fail "the guest did not keep ticking after xl save -c (last tick $(last_tick "$log"))"
note "guest kept running after the checkpoint (tick $before -> $kept)"
verify_image "$img" || fail "checkpoint image: $verified"
run "xl destroy" xl destroy "$XS_GUEST" || fail "xl destroy failed"
destroyed_at=$(last_tick "$log")
log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
run "xl restore (checkpoint)" xl restore "$img" || fail "xl restore of the checkpoint failed"
restore_took=$took
set_guest_log "$log"
rm -f "$img"
check_continues "$log" "$from" "$before" || fail "$evidence"
first=$(ticks "$log" "$from" | head -1)
# Resumed from the checkpoint: the first tick after the restore is the one
# after the checkpoint, below where the destroyed guest had got to.
[ "$first" -le $((after_save + 1)) ] && [ "$first" -lt "$destroyed_at" ] ||
    fail "restored guest resumed at tick $first, not at the checkpoint (taken between tick $before and $after_save; the original got to $destroyed_at)"
pass "save -c ${save_took} s ($size), guest ran on to tick $destroyed_at, restore ${restore_took} s resumed at tick $first (checkpoint taken between tick $before and $after_save), $verified"
