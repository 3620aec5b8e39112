# libxl-h2h-hvm-receive (host B of check-libxl's two-host run): receive
# the HVM guest h1 from host A (libxl-h2h-hvm-send) and judge it: it runs
# here, its counter goes on from where A saw it (no reboot), its device
# model is running and the physmap keys A's device model had are under the
# new domid.
. /run/xs/in/scenarios/libxl-lib-hvm.sh
: "${XS_IP:?no address}"
info=/run/xs/peer-info
inc=$XS_CONS/guest-$G--incoming.log
# The bundle is unpacked (libxl-lib-hvm.sh): the incoming domain's config
# names /tmp/hvm/dm, hvmloader and SeaBIOS, as on A.
xs-copy listen -a "$XS_IP" 8002 -- xl migrate-receive > "$XS_OUT/$XS_SCENARIO.receive.log" 2>&1 &
xs-copy listen -a "$XS_IP" 8003 -- sh -c "cat > $info.tmp && mv $info.tmp $info" &
note "listening on $XS_IP:8002 for h1"
t0=$(now)
limit=$((XS_SCENARIO_TIMEOUT - 30))
until [ -s "$info" ]; do
    if hvm_exists && [ -z "${arrived:-}" ]; then
        arrived=$(since "$t0"); note "h1 appeared here $arrived s after we started listening"
    fi
    awk -v a="$t0" -v b="$(now)" -v s="$limit" 'BEGIN { exit !(b - a > s) }' &&
        fail "no word from host A within $limit s (migrate-receive said: $(tail -2 "$XS_OUT/$XS_SCENARIO.receive.log" | tr '\n' ' '))"
    sleep 1
done
read -r status before mig_took last_a < "$info"
[ "$status" = ok ] || fail "host A says it did not migrate h1 (see its libxl-h2h-hvm-send); migrate-receive said: $(tail -3 "$XS_OUT/$XS_SCENARIO.receive.log" | tr '\n' ' ')"
hvm_exists || fail "host A says it migrated h1, but there is no h1 here"
domid=$(xl domid "$G")
# No tick below the one A saw when the migration began ...
check_continues "$inc" 0 "$before" || fail "$evidence"
# ... and on past the last one A's console printed.
wait_tick "$inc" 0 "$last_a" 60 > /dev/null ||
    fail "no tick above $last_a (the last one on A) within 60 s; here: $(ticks "$inc" | tr '\n' ' ' | cut -c1-80)"
first=$(ticks "$inc" | head -1)
now_at=$(last_tick "$inc")
# The counter counts loops, not seconds: a guest that resumed where it
# stopped prints the tick after A's last (give or take what A's console
# daemon had not yet read when the domain left).
[ "$first" -le $((last_a + 5)) ] ||
    fail "first tick here $first is far past the last on A ($last_a): not where the guest stopped"
dm=/local/domain/0/device-model/$domid
state=$(xsr "$dm/state" 2>/dev/null)
[ "$state" = running ] || fail "device model state for domid $domid is '$state', not running"
name=$(hvm_pm_name) || fail "no physmap keys under domid $domid"
[ "$name" = vga.vram ] || fail "physmap name under domid $domid is '$name'"
sa=$(xsr "$dm/$HVM_PM_KEY/start_addr")
sz=$(xsr "$dm/$HVM_PM_KEY/size")
[ "$sa" = f1000000 ] && [ "$sz" = 1000000 ] ||
    fail "physmap pair under domid $domid: start_addr '$sa' size '$sz' (A had f1000000, 1000000)"
pass "h1 arrived as domid $domid (xl migrate on A $mig_took s); last tick on A $last_a, first here $first, now $now_at; $evidence; device model running, physmap keys under the new domid"
