# transport-cut (host A): the data connection is cut midway (the relay it
# goes through on this host is killed a second after it is up): the
# migration fails with the reason, the guest runs on here, its memory
# intact, and B is left with no domain.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
XS_GUEST=g3
need_peer
create_guest "$XS_BUILD" || fail "xl create or first ticks failed"
log=$(guest_log)
from=$(lines "$log")
before=$(last_tick "$log")
out=/tmp/transport-cut.out
xs-copy listen -a 127.0.0.1 $DATA_PORT -- xs-copy connect "$PEER" $DATA_PORT 10 &
relay=$!
t0=$(now)
# Every page with its data: a longer stream to cut into.
xl migrate --send-zero-pages --data-port $DATA_PORT --data-address 127.0.0.1 "$XS_GUEST" "$PEER" > "$out" 2>&1 &
mig=$!
wait_line "$out" "migration sender: data connection to" 60 ||
    { kill $relay; wait $mig; fail "no data connection: $(oneline "$out" 5)"; }
sleep 1
kill $relay
note "cut the data connection $(since "$t0") s after xl migrate started"
wait $mig
rc=$?
cat "$out"
[ $rc != 0 ] || fail "xl migrate succeeded although its data connection was cut"
grep -q "domain is running here" "$out" ||
    fail "the sender did not say the domain runs here: $(oneline "$out" 5)"
grep -q "data connection" "$out" || fail "no word of the data connection: $(oneline "$out" 5)"
peer_gone "$XS_GUEST" || fail "host B kept a domain $XS_GUEST after the failed migration"
runs_on_here "$log" "$from" "$before" || fail "$evidence"
why=$(grep -m1 "xl migrate: data connection:\|migration target: data connection: " "$out")
pass "cut midway: xl migrate failed (exit $rc; ${why:-$(oneline "$out" 2)}); nothing left on B; the guest runs on here: $evidence"
