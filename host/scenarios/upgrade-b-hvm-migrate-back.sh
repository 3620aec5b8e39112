# upgrade-b-hvm-migrate-back (host B of `make check-upgrade-hvm`): B -> A
# for the HVM guest, Debian 13's xl on Xen 4.20 live-migrating h1 (which
# upgrade-b-hvm-receive judged here) to our xl on Xen 4.17 (Xen does not
# promise migration to an older release).  Unlike a PV guest's, an HVM
# guest's log-dirty mode runs on HAP, which Debian 13's Xen has.  The
# outcome must be a clear one: either h1 runs on A (upgrade-a-hvm-receive-back
# judges it there) or the migration fails and h1 still runs here.
#
# The stream is not captured on the way: with XS_CAPTURE the ssh
# stand-in (xs-ssh) is a shell waiting on a pipeline, and the shell holds
# xl's reply pipe open, so if the receiver gives up and closes the
# connection while xl waits for its reply, xl would not see the end.  A
# first run with the capture hung in this scenario until it was killed.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.20 debian13
. /run/xs/in/scenarios/libxl-lib-hvm.sh
hvm_exists || fail "no h1 here to migrate back"
# A says "ready" once its receiver listens (it retries until we listen).
listen_word 8022
await_word 8022
[ "$word" = ready ] || fail "host A is not ready to receive: $word"
# h1 came here by migration: its console is the incoming log.
log=$HVM_INC_LOG
before=$(last_tick "$log")
export XS_MIGRATE_PORT=8023
err=$XS_OUT/$XS_SCENARIO.xl.err
# Bounded: a sender still running after HVM_BACK_LIMIT s is a hang, told
# to A as such (A waits a little longer than that for the word).
# What every process was doing then goes into $XS_SCENARIO.hang.txt.
lim=${HVM_BACK_LIMIT:-240}
echo "+ xl migrate -s xs-ssh $G $XS_PEER_IP"
xl migrate -s xs-ssh "$G" "$XS_PEER_IP" 2> "$err" &
mpid=$!
t0=$(now)
status=
while kill -0 $mpid 2> /dev/null; do
    if awk -v a="$t0" -v b="$(now)" -v s="$lim" 'BEGIN { exit !(b - a > s) }'; then
        proc_diag "$XS_OUT/$XS_SCENARIO.hang.txt"
        status=hung
        kill -9 $mpid
        break
    fi
    sleep 0.5
done
wait $mpid
rc=$?
mig_took=$(since "$t0")
[ -n "$status" ] || { status=failed; [ $rc = 0 ] && status=ok; }
note "xl migrate (hvm, Debian 13, Xen 4.20) to $XS_PEER_IP (ours, Xen 4.17): $status (exit $rc) after $mig_took s"
last=$(last_tick "$log")
tell 8024 "$status" "$before" "$mig_took" "$last" || fail "could not tell host A the outcome ($status)"
cat "$err"
said=$(grep -i 'error\|fail' "$err" | head -4 | tr '\n' '|' | cut -c1-400)
if [ $status = hung ]; then
    xl list
    fail "Debian 13's xl migrate B -> A was still running after $lim s (hang), killed; domains here: $(xl list | tail -n +2 | awk '{ print $1 "(" $5 ")" }' | tr '\n' ' '); it said: $said"
fi
if [ $status = ok ]; then
    hvm_exists && fail "xl migrate says done, but h1 is still here"
    pass "xl migrate B -> A done in $mig_took s"
fi
# Failed: Debian's xl must have resumed h1 here.
hvm_exists || fail "xl migrate failed after $mig_took s and h1 is gone from B too; Debian's xl said: $said"
check_continues "$log" "$(lines "$log")" "$last" || fail "migration failed and h1 here does not go on: $evidence"
pass "xl migrate B -> A failed after $mig_took s, Debian's xl said: $said; h1 runs on here: $evidence"
