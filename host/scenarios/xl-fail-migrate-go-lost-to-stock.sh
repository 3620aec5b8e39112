# xl-fail-migrate-go-lost-to-stock: xl-fail-migrate-go-lost with a stock
# xl as the receiver: our sender's reading of the protocol (a receiver
# without GO never starts its copy) must hold for stock receivers too.
XS_PEER_BUILD=stock
. /run/xs/in/scenarios/xl-fail-migrate-go-lost.sh
