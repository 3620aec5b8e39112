# upgrade-b-migrate-back (host B of `make check-upgrade`): B -> A, Debian
# 13's xl on Xen 4.20 live-migrating the guest to our xl on Xen 4.17 (Xen
# does not promise migration to an older release).  The stream is captured
# on the way and checked by xen-stream.  Whatever the outcome, it must be a
# clear one: either the guest runs on A (upgrade-a-receive-back judges it
# there) or the migration fails and the guest is still running here.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.20 debian13
cap=/tmp/b2a.stream
guest_exists || fail "no guest here to migrate back"
await_word 8011
[ "$word" = ready ] || fail "host A is not ready to receive: $word"
log=$(guest_log)
before=$(last_tick "$log")
export XS_MIGRATE_PORT=8012 XS_CAPTURE=$cap
err=$XS_OUT/b2a-xl.err
if run "xl migrate (Debian 13, Xen 4.20) to $XS_PEER_IP (ours, Xen 4.17)" \
        xl migrate -s xs-ssh "$XS_GUEST" "$XS_PEER_IP" 2> "$err"; then
    status=ok
else
    status=failed
fi
mig_took=$took
last=$(last_tick "$log")
tell 8013 "$status" "$before" "$mig_took" "$last" || fail "could not tell host A the outcome ($status)"
cat "$err"
verified="nothing captured"
[ -s "$cap" ] && { verify_image "$cap" || true; }
octets=$(stat -c %s "$cap" 2> /dev/null || echo 0)
if [ $status = ok ]; then
    guest_exists && fail "xl migrate says done, but the guest is still here"
    pass "xl migrate B -> A done in $mig_took s; captured stream $octets octets: $verified"
fi
# Failed: Debian's xl must have resumed the guest here.
guest_exists || fail "xl migrate failed after $mig_took s and the guest is gone from B too"
check_continues "$log" "$(lines "$log")" "$last" || fail "migration failed and the guest here does not go on: $evidence"
pass "xl migrate B -> A failed after $mig_took s, Debian's xl said: $(grep -i 'error\|fail' "$err" | head -3 | tr '\n' '|' | cut -c1-300); the guest runs on here: $evidence; what it sent before it stopped ($octets octets): $verified"
