# transport-migrate-zstd (host A): xl migrate -z --data-port to host B:
# compressed, then encrypted; the guest goes on on B.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
XS_GUEST=g2
need_peer
create_guest "$XS_BUILD" || fail "xl create or first ticks failed"
before=$(last_tick "$(guest_log)")
out=/tmp/transport-zstd.out
run "xl migrate -z --data-port $DATA_PORT" xl migrate -z --data-port $DATA_PORT "$XS_GUEST" "$PEER" > "$out" 2>&1
rc=$?
cat "$out"
[ $rc = 0 ] || fail "xl migrate -z --data-port failed (exit $rc): $(oneline "$out" 5)"
grep -q "migration sender: data connection to $PEER:$DATA_PORT" "$out" ||
    fail "the sender did not report its data connection: $(oneline "$out" 5)"
z=$(grep -m1 "compressed with zstd" "$out")
[ -n "$z" ] || fail "no zstd totals from the sender: $(oneline "$out" 5)"
arrived_on_peer "$before"
pass "migrated -z over the data connection in $took s (${z#xl: }); on B: $evidence"
