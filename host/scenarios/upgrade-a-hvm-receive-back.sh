# upgrade-a-hvm-receive-back (host A of `make check-upgrade-hvm`): our xl
# migrate-receive on Xen 4.17 takes the HVM guest that Debian 13's xl on
# Xen 4.20 sends back (upgrade-b-hvm-migrate-back), into Debian 12's
# device model (QEMU 7.2, from the bundle).  Xen does not promise it; the
# outcome must be clear either way: h1 arrives and goes on from where it
# was on B, or our receiver ends with an error and leaves no domain
# behind.  A receiver still running after B's xl gave up is a hang.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.17 ours
. /run/xs/in/scenarios/libxl-lib-hvm.sh
out=$XS_OUT/$XS_SCENARIO.receive.log
hvm_exists && xl destroy "$G"
log=$HVM_INC_LOG
[ -f "$log" ] && mv "$log" "$log.old"
xs-copy listen -a "$XS_IP" 8023 -- xl migrate-receive > "$out" 2>&1 &
pid=$!
listen_word 8024
tell 8022 ready || fail "could not tell host B we are ready"
# B's word comes within its xl's limit (upgrade-b-hvm-migrate-back's
# HVM_BACK_LIMIT) and the image copy; meanwhile, note when our receiver
# ends.
t0=$(now)
ended=
rc=
while [ ! -s /run/xs/word.8024 ]; do
    if [ -z "$ended" ] && ! kill -0 $pid 2> /dev/null; then
        wait $pid
        rc=$?
        ended=$(since "$t0")
        note "our migrate-receive exited $rc, $ended s after we said ready"
    fi
    awk -v a="$t0" -v b="$(now)" -v s="${HVM_BACK_WAIT:-300}" 'BEGIN { exit !(b - a > s) }' &&
        proc_diag "$XS_OUT/$XS_SCENARIO.hang.txt" && fail "no word from B's xl migrate within ${HVM_BACK_WAIT:-300} s; our migrate-receive ${ended:+exited $rc after $ended s}${ended:-is still running}; domains here: $(xl list | tail -n +2 | awk '{print $1}' | tr '\n' ' '); its last output: $(tail -3 "$out" | tr '\n' '|')"
    sleep 0.5
done
read -r word < /run/xs/word.8024
set -- $word
status=$1 before=$2 mig_took=$3
t0=$(now)
while [ -z "$ended" ] && kill -0 $pid 2>/dev/null; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 60) }' &&
        proc_diag "$XS_OUT/$XS_SCENARIO.hang.txt" && fail "B's xl migrate $status, but our migrate-receive is still running 60 s later (hang); domains here: $(xl list | tail -n +2 | awk '{print $1}' | tr '\n' ' '); its last output: $(tail -3 "$out" | tr '\n' '|')"
    sleep 0.5
done
if [ -z "$ended" ]; then
    wait $pid
    rc=$?
fi
receive_back_verdict hvm_exists "h1"
