# migrate-host-to-host (host B of a two-host run): receive the guest from
# host A and judge: the counter must go on from the last tick A saw.
#
# The receiving xl is started by this host's sshd (host A's xl runs
# "ssh B xl migrate-receive"); its messages go to host A's log.  With
# XS_H2H_TRANSPORT=standin, an xs-copy listener on 8002 runs it instead.
# Host A tells this host how it went on port 8003.
. /run/xs/in/scenarios/lib.sh
: "${XS_IP:?no address}"
info=/run/xs/peer-info
log=$XS_CONS/guest-$XS_GUEST--incoming.log
xs-copy listen -a "$XS_IP" 8003 -- sh -c "cat > $info.tmp && mv $info.tmp $info" &
via=ssh
if [ "${XS_H2H_TRANSPORT:-ssh}" = standin ]; then
    # The stand-in's receiving end: xl migrate-receive on the connection.
    via=standin
    xs-copy listen -a "$XS_IP" 8002 -- xl migrate-receive > "$XS_OUT/migrate-receive.log" 2>&1 &
fi
note "waiting for the migration over $via"
t0=$(now)
until [ -s "$info" ]; do
    if guest_exists && [ -z "${arrived:-}" ]; then
        arrived=$(since "$t0"); note "domain $XS_GUEST appeared here ${arrived} s after we started listening"
    fi
    awk -v a="$t0" -v b="$(now)" -v s="$((XS_SCENARIO_TIMEOUT - 30))" 'BEGIN { exit !(b - a > s) }' &&
        fail "no word from host A within $((XS_SCENARIO_TIMEOUT - 30)) s (sshd said: $(tail -2 "$XS_OUT/sshd.log" | tr '\n' ' '))"
    sleep 1
done
read -r status before mig_took last_a < "$info"
[ "$status" = ok ] || fail "host A says its xl migrate failed (its log has the receiver's messages)"
guest_exists || fail "host A says it migrated, but there is no $XS_GUEST here"
# The stream came through this host's sshd, authenticated by the root key.
login=$(grep -m1 "Accepted publickey for root from $XS_PEER_IP" "$XS_OUT/sshd.log" 2>/dev/null)
[ $via = standin ] && login="(stand-in: $XS_PEER_IP -> 8002)"
[ -n "$login" ] || fail "the guest is here, but sshd saw no login from $XS_PEER_IP (sshd.log: $(tail -2 "$XS_OUT/sshd.log" 2>/dev/null | tr '\n' ' '))"
check_continues "$log" 0 "$before" || fail "$evidence"
first=$(ticks "$log" 0 | head -1)
pass "xl migrate A -> B ${mig_took} s over $via on the emulated network; last tick on A $last_a, first on B $first; $evidence; sshd: ${login#*: }"
