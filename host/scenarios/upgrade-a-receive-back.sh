# upgrade-a-receive-back (host A of `make check-upgrade`): our xl
# migrate-receive on Xen 4.17 takes the live migration Debian 13's xl on
# Xen 4.20 sends (upgrade-b-migrate-back).  Xen does not promise it; the
# outcome must be clear either way: the guest arrives and goes on from
# where it was on B, or our receiver ends with an error and leaves no
# domain behind.  A receiver still running after B's xl gave up is a hang.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.17 ours
out=$XS_OUT/receive-back.log
guest_exists && xl destroy "$XS_GUEST"
log=$(incoming_log)
xs-copy listen -a "$XS_IP" 8012 -- xl migrate-receive > "$out" 2>&1 &
pid=$!
listen_word 8013
tell 8011 ready || fail "could not tell host B we are ready"
await_word 8013
set -- $word
status=$1 before=$2 mig_took=$3
# Our receiver must be done within a while of B's xl being done.
t0=$(now)
while kill -0 $pid 2>/dev/null; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 60) }' &&
        fail "B's xl migrate $status, but our migrate-receive is still running 60 s later (hang); domains here: $(xl list | tail -n +2 | awk '{print $1}' | tr '\n' ' '); its last output: $(tail -3 "$out" | tr '\n' '|')"
    sleep 0.5
done
wait $pid
rc=$?
receive_back_verdict guest_exists "$XS_GUEST"
