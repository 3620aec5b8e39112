# xl-fail-migrate-stalled: the waits xl does on the handshake end.
#  1. The peer never answers (no banner): with XL_MIGRATE_TIMEOUT=5 the
#     sender gives up after ~5 s, says why, and the guest is untouched.
#  2. The sender stalls after the receiver's "ready" (its GO never
#     arrives): the receiver (XL_MIGRATE_TIMEOUT=8) gives up waiting,
#     destroys its copy and tells the sender, which resumes the guest.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
log=$(guest_log)
out=$XS_OUT/$XS_SCENARIO.banner.txt
ssh=$(stall_ssh)
before=$(last_tick "$log")
from=$(lines "$log")
run "xl migrate to a peer that never answers" env XL_MIGRATE_TIMEOUT=5 timeout 60 \
    xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &&
    fail "xl migrate succeeded with a silent peer"
t1=$took
cat "$out"
# The sender must have stopped it; kill it in case it did not.
[ -s /run/xs/stall.pid ] && kill -0 "$(cat /run/xs/stall.pid)" 2>/dev/null && {
    kill "$(cat /run/xs/stall.pid)"; fail "the hung transport was left running"; }
awk -v t="$t1" 'BEGIN { exit !(t < 20) }' || fail "the sender took $t1 s to give up on a silent peer"
grep -q 'no answer within 5 s' "$out" || fail "the sender does not say it timed out: $(oneline "$out")"
grep -q 'the domain was not touched' "$out" || fail "no word on the domain: $(oneline "$out")"
grep -q 'has not exited after 3 s; stopping it' "$out" || fail "the hung transport was not stopped: $(oneline "$out")"
check_continues "$log" "$from" "$before" || fail "after the banner timeout: $evidence"
ev1=$evidence

out=$XS_OUT/$XS_SCENARIO.go.txt
ssh=$(go_cut_ssh)
before=$(last_tick "$log")
from=$(lines "$log")
XS_GO_STALL=1 XS_RECEIVER_TIMEOUT=8
export XS_GO_STALL XS_RECEIVER_TIMEOUT
run "xl migrate with the sender stalled after ready" timeout 200 \
    xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &&
    fail "xl migrate succeeded although GO never arrived: $(oneline "$out")"
t2=$took
unset XS_GO_STALL XS_RECEIVER_TIMEOUT
[ -s /run/xs/gocut/stalled.pid ] && kill -9 "$(cat /run/xs/gocut/stalled.pid)" 2>/dev/null
cat "$out"
[ -f /run/xs/gocut/cut ] || fail "the transport never saw the receiver's ready message: $(oneline "$out" 4)"
grep -q 'no permission to start from the sender: no answer within 8 s' "$out" ||
    fail "the receiver does not say it timed out waiting for GO: $(oneline "$out" 6)"
grep -q 'has destroyed its copy' "$out" || fail "the sender was not told: $(oneline "$out" 4)"
grep -q 'undefined\|not known here' "$out" && fail "the sender claims an unknown state: $(oneline "$out" 6)"
wait_no_domain "$XS_GUEST--incoming" 30 || fail "the receiver kept $XS_GUEST--incoming"
xl domid "$XS_GUEST" > /dev/null 2>&1 || fail "no $XS_GUEST on the sender"
check_continues "$log" "$from" "$before" || fail "after the GO timeout: $evidence"
pass "silent peer: sender gave up in $t1 s, guest untouched ($ev1); GO never arrived: receiver gave up after 8 s, destroyed its copy, sender resumed in $t2 s total ($evidence)"
