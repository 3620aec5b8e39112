# xl-fail-migrate-go-lost: xl migrate to this host where the connection
# from the sender to the receiver is cut just after the receiver has said
# "ready": writing GO fails at the sender.  The receiver never got
# permission to start, so this is not an undefined state: the sender must
# take the domain back (its own name, running, counter going on) and say
# so, and the receiver must destroy its copy.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
if [ -n "${XS_PEER_BUILD:-}" ]; then
    need_builds "$XS_BUILD" "$XS_PEER_BUILD"
    export XS_PEER_BUILD
fi
ensure_guest || fail "no running guest"
ssh=$(go_cut_ssh)
out=$XS_OUT/$XS_SCENARIO.sender.txt
log=$(guest_log)
before=$(last_tick "$log")
from=$(lines "$log")
run "xl migrate with GO cut off" timeout 180 xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &&
    fail "xl migrate succeeded although GO could not be delivered: $(oneline "$out")"
mig_took=$took
cat "$out"
[ -f /run/xs/gocut/cut ] || fail "the transport never saw the receiver's ready message: $(oneline "$out" 4)"
grep -q 'undefined' "$out" && fail "the sender claims an undefined state: $(oneline "$out" 6)"
grep -q 'permission to start could not be sent' "$out" ||
    fail "the sender does not say GO failed: $(oneline "$out" 4)"
grep -q 'the domain is running here' "$out" || fail "the sender did not take the domain back: $(oneline "$out" 4)"
xl domid "$XS_GUEST" > /dev/null 2>&1 || fail "no $XS_GUEST on the sender: $(xl list | tr '\n' '|')"
xl domid "$XS_GUEST--migratedaway" > /dev/null 2>&1 && fail "$XS_GUEST--migratedaway still exists"
wait_no_domain "$XS_GUEST--incoming" 60 ||
    fail "the receiver kept its copy $XS_GUEST--incoming: $(xl list | tr '\n' '|')"
check_continues "$log" "$from" "$before" || fail "$evidence"
pass "GO cut off: sender failed in $mig_took s and resumed the domain under its name ('$(grep 'migration sender:' "$out" | tail -1 | cut -c1-120)'); receiver destroyed $XS_GUEST--incoming; $evidence"
