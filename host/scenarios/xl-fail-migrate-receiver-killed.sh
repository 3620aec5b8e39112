# xl-fail-migrate-receiver-killed: xl migrate to this host over a throttled
# transport; the receiving xl is killed (SIGTERM) while the stream is
# flowing.  The sender must fail and keep the guest running here, counter
# going on; the receiver must not leave its half-built domain behind.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
ssh=$(slow_ssh)
out=$XS_OUT/$XS_SCENARIO.sender.txt
log=$(guest_log)
before=$(last_tick "$log")
from=$(lines "$log")
t0=$(now)
xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &
sender=$!
wait_domain "$XS_GUEST--incoming" 60 || { kill "$sender"; fail "no $XS_GUEST--incoming domain within 60 s: $(oneline "$out")"; }
sleep 2
rpid=$(cat /run/xs/receiver.pid 2>/dev/null)
[ -n "$rpid" ] || fail "no receiver pid"
xl list
note "killing the receiving xl (pid $rpid) with SIGTERM, $(since "$t0") s into the migration"
kill -TERM "$rpid"
wait_pid "$sender" 120 || { kill -9 "$sender"; fail "the sender did not finish within 120 s of the receiver's death: $(oneline "$out")"; }
wait "$sender"
rc=$?
took=$(since "$t0")
cat "$out"
[ $rc != 0 ] || fail "xl migrate reported success although the receiver was killed"
wait_no_domain "$XS_GUEST--incoming" 30 ||
    fail "the receiver left its domain $XS_GUEST--incoming behind: $(xl list | tr '\n' '|')"
xl domid "$XS_GUEST" > /dev/null 2>&1 || fail "the guest is gone from the sender: $(xl list | tr '\n' '|')"
check_continues "$log" "$from" "$before" || fail "$evidence"
pass "sender failed after $took s (exit $rc: $(grep -i 'migration failed' "$out" | head -1 | cut -c1-120)); no $XS_GUEST--incoming left; $evidence"
