# transport-migrate-trusted (host A): xl migrate --data-port --data-trusted
# to host B.  Declaring the network trusted drops the encryption, never the
# authentication: a stranger that tries the trusted handshake with a key of
# its own is refused first, and the real sender's connection says it runs
# TLS-PSK with the NULL cipher; the guest goes on on B, its memory intact.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
XS_GUEST=g6
need_peer
create_guest "$XS_BUILD" || fail "xl create or first ticks failed"
before=$(last_tick "$(guest_log)")
out=/tmp/transport-trusted.out
migrate_behind_relay "$out" --data-trusted
stranger_knocks /tmp/transport-trusted-stranger.out --trusted
wait $mig
rc=$?
took=$(since "$t0")
cat "$out"
[ "$stranger" = 3 ] || fail "with --data-trusted, a stranger with a wrong key was not refused (xlt-client exit $stranger: $(oneline /tmp/transport-trusted-stranger.out))"
[ $rc = 0 ] || fail "xl migrate --data-port --data-trusted failed (exit $rc): $(oneline "$out" 5)"
grep -q "migration target: data connection refused" "$out" ||
    fail "B's xl did not report the stranger: $(oneline "$out" 8)"
line=$(grep -m1 "^migration sender: data connection to" "$out")
case $line in
    *NULL*"not encrypted: --data-trusted"*) ;;
    *) fail "the trusted connection does not say it is authenticated but not encrypted: '$line'" ;;
esac
arrived_on_peer "$before"
pass "migrated with --data-trusted in $took s (${line#migration sender: }); a stranger with a wrong key refused first ($(head -c 100 /tmp/transport-trusted-stranger.out)); on B: $evidence"
