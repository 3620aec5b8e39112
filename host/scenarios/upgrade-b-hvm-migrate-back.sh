# upgrade-b-hvm-migrate-back (host B of `make check-upgrade-hvm`): B -> A
# for the HVM guest, Debian 13's xl on Xen 4.20 live-migrating h1 (which
# upgrade-b-hvm-receive judged here) to our xl on Xen 4.17 (Xen does not
# promise migration to an older release).  Unlike a PV guest's, an HVM
# guest's log-dirty mode runs on HAP, which Debian 13's Xen has.  The
# stream is captured on the way and checked by xen-stream.  The outcome
# must be a clear one: either h1 runs on A (upgrade-a-hvm-receive-back
# judges it there) or the migration fails and h1 still runs here.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.20 debian13
. /run/xs/in/scenarios/libxl-lib-hvm.sh
cap=/tmp/$G.b2a.stream
hvm_exists || fail "no h1 here to migrate back"
# A says "ready" once its receiver listens (it retries until we listen).
listen_word 8022
await_word 8022
[ "$word" = ready ] || fail "host A is not ready to receive: $word"
log=$(hvm_live_log)
before=$(last_tick "$log")
export XS_MIGRATE_PORT=8023 XS_CAPTURE=$cap
err=$XS_OUT/$XS_SCENARIO.xl.err
if run "xl migrate (hvm, Debian 13, Xen 4.20) to $XS_PEER_IP (ours, Xen 4.17)" \
        xl migrate -s xs-ssh "$G" "$XS_PEER_IP" 2> "$err"; then
    status=ok
else
    status=failed
fi
mig_took=$took
last=$(last_tick "$log")
tell 8024 "$status" "$before" "$mig_took" "$last" || fail "could not tell host A the outcome ($status)"
cat "$err"
verified="nothing captured"
[ -s "$cap" ] && { verify_image "$cap" || true; }
octets=$(stat -c %s "$cap" 2> /dev/null || echo 0)
said=$(grep -i 'error\|fail' "$err" | head -4 | tr '\n' '|' | cut -c1-400)
if [ $status = ok ]; then
    hvm_exists && fail "xl migrate says done, but h1 is still here"
    pass "xl migrate B -> A done in $mig_took s; captured stream $octets octets: $verified"
fi
# Failed: Debian's xl must have resumed h1 here.
hvm_exists || fail "xl migrate failed after $mig_took s and h1 is gone from B too; Debian's xl said: $said"
check_continues "$log" "$(lines "$log")" "$last" || fail "migration failed and h1 here does not go on: $evidence"
pass "xl migrate B -> A failed after $mig_took s, Debian's xl said: $said; h1 runs on here: $evidence; what it sent ($octets octets): $verified"
