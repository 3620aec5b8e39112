# zstd-migrate-to-stock-refused: xl migrate -z towards a stock receiver.
# Stock migrate-receive rejects --zstd before its banner, so the sender
# sends nothing (the capture of what it sent is empty), says why, and the
# guest goes on running here; no domain appears for the receiver.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/zstd-lib.sh
need_zstd_xl
need_builds ours stock
ensure_guest || fail "no running guest"
log=$(guest_log)
from=$(lines "$log")
before=$(last_tick "$log")
cap=/tmp/zstd-sent
rm -f "$cap"
# The ssh stand-in: a stock receiving xl here; once it has exited, its end
# of the channel is closed (as ssh's would be) and whatever the sender had
# sent is kept in $cap.  (xs-ssh's capture would hold the channel open.)
cat > /run/xs/zstd-ssh <<SH
#!/bin/sh
shift
xs-with stock "\$@"
rc=\$?
exec 1>&-
cat > $cap
exit \$rc
SH
chmod +x /run/xs/zstd-ssh
run "xl migrate -z (ours -> stock)" xlb ours migrate -z -s /run/xs/zstd-ssh "$XS_GUEST" localhost \
    > /tmp/zmig.out 2>&1 && fail "migration to a stock receiver succeeded: $(oneline /tmp/zmig.out)"
cat /tmp/zmig.out
# Stock xl's own words for an unknown long option ("option `' not
# supported.", with optopt 0 as the character) and its exit status 2.
grep -aq "' not supported\.\$" /tmp/zmig.out &&
    grep -aq "transport process .* exited with error status 2" /tmp/zmig.out ||
    fail "stock migrate-receive did not reject --zstd: $(oneline /tmp/zmig.out 5)"
grep -q "the domain was not touched" /tmp/zmig.out ||
    fail "the sender did not say the domain was untouched: $(oneline /tmp/zmig.out 5)"
grep -q "receiving xl must support zstd" /tmp/zmig.out ||
    fail "the sender did not name -z as the cause: $(oneline /tmp/zmig.out 5)"
sent=$(octets "$cap" 2>/dev/null || echo missing)
[ "$sent" = 0 ] || fail "the sender sent $sent octets to a receiver that refused"
xl list | grep -q -- "--incoming" && fail "an incoming domain exists: $(xl list | tr '\n' '|')"
guest_exists || fail "the guest is gone from the source"
check_continues "$log" "$from" "$before" || fail "guest not running on the source: $evidence"
pass "stock receiver exited 2 before its banner ('$(grep -a "not supported" /tmp/zmig.out | tr -d '\0' | head -1)'), 0 octets sent; guest still running: $evidence"
