# migrate-host-to-host (host B of a two-host run): receive the guest from
# host A and judge: the counter must go on from the last tick A saw.
#
# The receiving xl runs on the TCP connection itself (xs-copy listen execs
# it), so host B copies nothing; host A's xs-ssh relays xl's pipes.
. /run/xs/in/scenarios/lib.sh
: "${XS_IP:?no address}"
info=/run/xs/peer-info
log=$XS_CONS/guest-$XS_GUEST--incoming.log
xs-copy listen -a "$XS_IP" 8002 -- xl migrate-receive > "$XS_OUT/migrate-receive.log" 2>&1 &
xs-copy listen -a "$XS_IP" 8003 -- sh -c "cat > $info.tmp && mv $info.tmp $info" &
note "listening on $XS_IP:8002 for the migration"
t0=$(now)
until [ -s "$info" ]; do
    if guest_exists && [ -z "${arrived:-}" ]; then
        arrived=$(since "$t0"); note "domain $XS_GUEST appeared here ${arrived} s after we started listening"
    fi
    awk -v a="$t0" -v b="$(now)" -v s="$((XS_SCENARIO_TIMEOUT - 30))" 'BEGIN { exit !(b - a > s) }' &&
        fail "no word from host A within $((XS_SCENARIO_TIMEOUT - 30)) s (migrate-receive said: $(tail -2 "$XS_OUT/migrate-receive.log" | tr '\n' ' '))"
    sleep 1
done
read -r status before mig_took last_a < "$info"
[ "$status" = ok ] || fail "host A says its xl migrate failed; migrate-receive said: $(tail -3 "$XS_OUT/migrate-receive.log" | tr '\n' ' ')"
guest_exists || fail "host A says it migrated, but there is no $XS_GUEST here"
check_continues "$log" 0 "$before" || fail "$evidence"
first=$(ticks "$log" 0 | head -1)
pass "xl migrate A -> B ${mig_took} s over the emulated network; last tick on A $last_a, first on B $first; $evidence"
