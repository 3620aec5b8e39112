# xl-fail-migrate-receiver-stalled: the other direction of a stall.  The
# link stops taking data (connection open) inside libxc's part, and the
# receiver's own watchdog is off (LIBXL_RESTORE_STALL_TIMEOUT=0), as with
# a stock receiver or a hung receiving host.  The sender's libxl
# (LIBXL_SAVE_STALL_TIMEOUT=10 here) must notice that nothing could be
# written for 10 s although libxc's save helper is the one blocked in
# write, give up, and xl must leave the guest running here.  When the
# connection finally breaks, the receiver removes its half-built domain.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
STALL=10
ssh=$(stall_mid_ssh)
log=$(guest_log)
d=/run/xs/stallmid
out=$XS_OUT/$XS_SCENARIO.txt
rm -rf "$d"
XS_RECEIVER_STALL=0 LIBXL_SAVE_STALL_TIMEOUT=$STALL \
    xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &
sender=$!
stall_in_libxc "$sender" "$out"
relay=$(cat "$d/relay.pid")

# The sender must give up on its own, with the relay still stopped.
wait_pid "$sender" $((STALL + 60)) || {
    kill -9 "$relay"; kill "$sender"
    fail "xl migrate still running $((STALL + 60)) s into the stall: $(oneline "$out" 6)"; }
gave_up=$(since "$stalled")
wait "$sender"; src=$?
awk -v t="$gave_up" -v s="$STALL" 'BEGIN { exit !(t >= s - 1) }' ||
    { kill -9 "$relay"; fail "the sender gave up after $gave_up s, before the $STALL s timeout"; }
before=$(last_tick "$log")
from=$(lines "$log")
xl domid "$XS_GUEST" > /dev/null 2>&1 || { kill -9 "$relay"; fail "no $XS_GUEST on the sender"; }
check_continues "$log" "$from" "$before" || { kill -9 "$relay"; fail "after the sender gave up: $evidence"; }

# Now the connection breaks: the receiver must clean up.
kill -9 "$relay"
wait_no_domain "$XS_GUEST--incoming" 60 || fail "the receiver kept $XS_GUEST--incoming after the connection broke"
cat "$out"
[ "$src" != 0 ] || fail "xl migrate reported success"
grep -q "nothing could be sent for $STALL s inside libxc's part" "$out" ||
    fail "the sender does not say why it gave up: $(oneline "$out" 8)"
grep -q 'the domain is running here' "$out" || fail "xl does not say the domain runs here: $(oneline "$out" 4)"
grep -q 'undefined' "$out" && fail "the sender claims an undefined state: $(oneline "$out" 6)"
pass "stalled inside libxc's part: the sender gave up $gave_up s into the stall (timeout $STALL s, exit $src), guest running here ($evidence); receiver's domain gone once the link broke"
