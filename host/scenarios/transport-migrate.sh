# transport-migrate (host A): xl migrate --data-port to host B, with
# strangers at B's data port first: a sender with the wrong key and a port
# scan are refused (B's xl says so, on our stderr through ssh) and the
# real sender still gets in; once it is in, a further connection is
# refused; the guest goes on on B, its memory intact.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
XS_GUEST=g1
need_peer
create_guest "$XS_BUILD" || fail "xl create or first ticks failed"
before=$(last_tick "$(guest_log)")
out=/tmp/transport-migrate.out
migrate_behind_relay "$out"
stranger_knocks /tmp/transport-stranger.out
[ "$stranger" = 3 ] || fail "a stranger with a wrong key was not refused (xlt-client exit $stranger: $(oneline /tmp/transport-stranger.out))"
note "stranger refused: $(cat /tmp/transport-stranger.out)"
# A port scan: connect, say nothing, go.
xs-copy connect "$PEER" $DATA_PORT 2 < /dev/null > /dev/null 2>&1
# Once the sender is in, nothing listens there any more.
wait_line "$out" "migration sender: data connection to" 60 ||
    { wait $mig; fail "no data connection: $(oneline "$out" 5)"; }
xlt-client "$PEER" $DATA_PORT > /tmp/transport-second.out 2>&1
second=$?
wait $mig
rc=$?
took=$(since "$t0")
cat "$out"
[ $rc = 0 ] || fail "xl migrate --data-port failed (exit $rc): $(oneline "$out" 5)"
[ $second = 2 ] || fail "a connection during the migration was not refused by B's kernel (xlt-client exit $second: $(oneline /tmp/transport-second.out))"
refused=$(grep -c "migration target: data connection refused" "$out")
[ "$refused" -ge 2 ] || fail "B's xl did not report both strangers ($refused refused lines): $(oneline "$out" 8)"
grep -q "data connection refused: TLS handshake with $XS_IP:.*failed" "$out" ||
    fail "no refusal naming this host's address: $(oneline "$out" 8)"
cipher=$(sed -n 's/^migration sender: data connection to .* (\(.*\))$/\1/p' "$out")
case $cipher in
    *CHACHA20*|*GCM*) ;;
    *) fail "the data connection is not encrypted with an AEAD cipher: '$cipher'" ;;
esac
arrived_on_peer "$before"
pass "migrated over the data connection ($cipher) in $took s; $refused strangers refused first ($(head -c 120 /tmp/transport-stranger.out)); a connection during the stream refused ($(head -c 80 /tmp/transport-second.out)); on B: $evidence"
