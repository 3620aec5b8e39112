# upgrade-a-restore-deb13 (host A of `make check-upgrade`): B -> A by image:
# our xl on Xen 4.17 restores the image Debian 13's xl saved on Xen 4.20
# (upgrade-b-save-verify).  Xen does not promise this.  Either outcome is
# judged: restored, the guest must go on from the tick it was saved at; or
# refused, with an error that says why, no domain left behind and no xl
# left running.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.17 ours
img=/tmp/deb13.save
await_image "$img" 8008
guest_exists && xl destroy "$XS_GUEST"
log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
xl restore "$img" > "$XS_OUT/restore-deb13.out" 2>&1 &
pid=$!
t0=$(now)
while kill -0 $pid 2>/dev/null; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 120) }' &&
        fail "our xl restore of the 4.20 image still running after 120 s (hang); domains: $(xl list | tail -n +2 | awk '{print $1}' | tr '\n' ' '); last output: $(tail -2 "$XS_OUT/restore-deb13.out" | tr '\n' '|')"
    sleep 0.5
done
wait $pid
rc=$?
took=$(since "$t0")
if [ $rc = 0 ]; then
    set_guest_log "$log"
    check_continues "$log" "$from" "$before" || fail "restored, but: $evidence"
    xl destroy "$XS_GUEST"
    pass "our xl restored the Debian 13 image in $took s; $verified; $evidence"
fi
guest_exists && fail "our xl restore failed (exit $rc) and left domain $XS_GUEST behind: $(tail -2 "$XS_OUT/restore-deb13.out" | tr '\n' '|')"
left=$(xl list | tail -n +2 | awk '$1 != "Domain-0" { print $1 }' | tr '\n' ' ')
[ -z "$left" ] || fail "our xl restore failed (exit $rc) and domains are left: $left"
pass "refused cleanly (exit $rc after $took s, no domain left): $(grep -v '^ *$' "$XS_OUT/restore-deb13.out" | tail -3 | tr '\n' '|' | cut -c1-400); $verified"
