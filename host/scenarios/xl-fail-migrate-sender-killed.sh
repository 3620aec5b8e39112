# xl-fail-migrate-sender-killed: xl migrate to this host over a throttled
# transport; the sending xl is killed (SIGKILL) while the stream is
# flowing.  The receiver must clean up its half-built domain: no
# $XS_GUEST--incoming may be left.  (The guest stays on the sender.)
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
ssh=$(slow_ssh)
out=$XS_OUT/$XS_SCENARIO.sender.txt
log=$(guest_log)
t0=$(now)
xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &
sender=$!
wait_domain "$XS_GUEST--incoming" 60 || { kill "$sender"; fail "no $XS_GUEST--incoming domain within 60 s: $(oneline "$out")"; }
sleep 2
rpid=$(cat /run/xs/receiver.pid 2>/dev/null)
note "killing the sending xl (pid $sender) with SIGKILL, $(since "$t0") s into the migration"
kill -KILL "$sender"
wait "$sender" 2>/dev/null
t1=$(now)
if [ -n "$rpid" ]; then
    wait_pid "$rpid" 150 || fail "the receiving xl (pid $rpid) is still there 150 s after the sender died"
fi
wait_no_domain "$XS_GUEST--incoming" 30 ||
    fail "the receiver left its domain $XS_GUEST--incoming behind: $(xl list | tr '\n' '|')"
gone=$(since "$t1")
xl list
state="the guest is still on the sender"
if xl domid "$XS_GUEST" > /dev/null 2>&1; then
    before=$(last_tick "$log")
    wait_tick "$log" 0 "$before" 30 > /dev/null && state="$state and ticking (tick $(last_tick "$log"))"
else
    state="the guest is no longer on the sender"
fi
pass "sender killed $(since "$t0") s in; the receiver exited and removed $XS_GUEST--incoming within $gone s; $state"
