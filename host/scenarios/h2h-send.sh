# h2h-send (host A of a two-host run): boot the guest, xl migrate it to host
# B over real ssh (xl's default transport: "ssh B xl migrate-receive", B's
# sshd started by its init), then tell B the last tick A saw, so that B can
# judge whether the counter went on.
# XS_MIGRATE_OPTS (run.conf): more options for xl migrate
# (--send-zero-pages).
. /run/xs/in/scenarios/lib.sh
: "${XS_PEER_IP:?no peer address}"
create_guest "$XS_BUILD" || fail "xl create or first ticks failed"
# Wait for B to be reachable before timing the migration.
t0=$(now)
until ping -c 1 -W 1 "$XS_PEER_IP" > /dev/null 2>&1; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 180) }' && fail "host B ($XS_PEER_IP) not reachable"
    sleep 1
done
note "host B reachable after $(since "$t0") s"
before=$(last_tick "$(guest_log)")
# XS_H2H_TRANSPORT=standin (run.conf, both hosts): the ssh stand-in
# instead, to B's xs-copy listener on 8002 (a plain TCP relay: check-host's
# interop runs, which test the stream, not ssh; see docs/transport.md).
via=ssh
if [ "${XS_H2H_TRANSPORT:-ssh}" = standin ]; then
    export XS_MIGRATE_PORT=8002
    via=standin
    set -- -s xs-ssh
else
    set --
fi
run "xl migrate ${XS_MIGRATE_OPTS:+$XS_MIGRATE_OPTS }to $XS_PEER_IP over $via" \
    xl migrate ${XS_MIGRATE_OPTS:-} "$@" "$XS_GUEST" "$XS_PEER_IP" ||
    { echo "failed 0 $took" | xs-copy connect "$XS_PEER_IP" 8003 30; fail "xl migrate to host B failed after $took s"; }
mig_took=$took
guest_exists && fail "the guest is still on host A after the migration"
# The last tick this host's console saw (the guest ran on while its
# memory was copied).
last=$(last_tick "$(guest_log)")
echo "ok $before $mig_took $last" | xs-copy connect "$XS_PEER_IP" 8003 60 ||
    fail "migrated, but could not tell host B the last tick"
pass "migrated to host B over $via in ${mig_took} s; tick $before when it started, tick $last the last one here"
