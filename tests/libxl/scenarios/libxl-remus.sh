# libxl-remus: Remus to this host (no network or disk buffering, -F), then
# the primary is destroyed.  Exercises the writer's checkpoints
# (emulator records and CHECKPOINT_END at each libxc checkpoint) and the
# reader's: records kept until CHECKPOINT_END, and the failover when the
# primary goes away.  The backup must take over and tick on from a
# checkpoint: never below the tick seen when Remus started.
. /run/xs/in/scenarios/lib.sh
out=/tmp/$XS_GUEST.remus.out
ensure_guest || fail "no running guest"
log=$(guest_log)
before=$(last_tick "$log")
inc=$XS_CONS/guest-$XS_GUEST--incoming.log
from=$(lines "$inc")
XS_PEER_BUILD=$XS_BUILD
export XS_PEER_BUILD
echo "+ xl remus -F -n -d -e -i 2000 -s xs-ssh $XS_GUEST localhost"
# xs-with execs xl, so that $pid is xl itself (a function would fork a
# subshell, and killing that would leave xl running).
xs-with "$XS_BUILD" xl remus -F -n -d -e -i 2000 -s xs-ssh "$XS_GUEST" localhost > "$out" 2>&1 &
pid=$!
# The backup exists once the first full copy has gone across.
t0=$(now)
until xl domid "$XS_GUEST--incoming" > /dev/null 2>&1; do
    kill -0 $pid 2> /dev/null || { cat "$out"; fail "xl remus ended before a backup existed"; }
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 90) }' && { kill $pid; cat "$out"; fail "no backup domain after 90 s"; }
    sleep 1
done
note "backup domain exists after $(since "$t0") s; letting Remus checkpoint"
# Let a few checkpoints happen; the primary must keep running meanwhile.
mid=$(last_tick "$log")
wait_tick "$log" 0 $((mid + 6)) 60 > /dev/null ||
    { kill $pid; cat "$out"; fail "the primary stopped ticking under Remus (last tick $(last_tick "$log"))"; }
kill -0 $pid 2> /dev/null || { cat "$out"; fail "xl remus ended on its own"; }
last=$(last_tick "$log")
note "primary at tick $last; destroying it to force a failover"
run "xl destroy (primary)" xl destroy "$XS_GUEST" || fail "cannot destroy the primary"
t0=$(now)
while kill -0 $pid 2> /dev/null; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 60) }' && { kill $pid; break; }
    sleep 1
done
sleep 2
cat "$out"
grep -q "Remus Failover" "$out" || fail "the backup did not report a failover"
xl domid "$XS_GUEST" > /dev/null 2>&1 || fail "no domain $XS_GUEST after the failover"
set_guest_log "$inc"
check_continues "$inc" "$from" "$before" || fail "$evidence"
first=$(ticks "$inc" "$from" | head -1)
pass "primary ran to tick $last under Remus; after failover the backup resumed at tick $first (Remus began at tick $before): $evidence"
