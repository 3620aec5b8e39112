# transport-done (host A, last): tell host B the transport run is over.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/transport-lib.sh
on_peer touch /run/xs/transport-done || fail "cannot reach host B over ssh"
pass "told host B"
