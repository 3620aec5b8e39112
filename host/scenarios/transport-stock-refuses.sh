# transport-stock-refuses (host A): xl migrate --data-port to host B's
# stock xl (started through ssh with xs-with stock): stock migrate-receive
# rejects --data-port before its banner, so nothing is sent; the sender
# names the option; the guest runs on here.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
XS_GUEST=g3
need_peer
on_peer test -d /opt/xen-stock/usr || skip "no stock build on B"
ensure_guest || fail "no running guest"
log=$(guest_log)
from=$(lines "$log")
before=$(last_tick "$log")
out=/tmp/transport-stock.out
# The host argument carries the command for B: "ssh B xs-with stock xl
# migrate-receive --data-port ...".
run "xl migrate --data-port to B's stock xl" xl migrate --data-port $DATA_PORT "$XS_GUEST" "$PEER xs-with stock" > "$out" 2>&1 &&
    fail "migration to a stock receiver succeeded: $(oneline "$out" 5)"
cat "$out"
grep -aq "' not supported\.\$" "$out" ||
    fail "stock migrate-receive did not reject --data-port: $(oneline "$out" 5)"
grep -q "the domain was not touched" "$out" ||
    fail "the sender did not say the domain was untouched: $(oneline "$out" 5)"
grep -q "must support it (migrate-receive --data-port)" "$out" ||
    fail "the sender did not name --data-port as the cause: $(oneline "$out" 5)"
peer_gone "$XS_GUEST" || fail "host B has a domain $XS_GUEST"
runs_on_here "$log" "$from" "$before" || fail "$evidence"
said=$(grep -a -m1 "not supported" "$out" | tr -d "\`'" | cut -c1-80)
pass "stock receiver refused --data-port before its banner (stock xl: $said); the guest runs on here: $evidence"
