# libvirt-h2h-b-kill (host B): kill libvirtd (SIGKILL) once the domain
# coming in from host A has appeared, mid-stream.  Nothing may be left
# here: no domain once the sender has given up, and none after libvirtd
# is started again (stock library, listening, for the next leg).
# xs-timeout: 300
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
pid=$(cat "$LV_PID")
t0=$(now)
until guest_exists; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 240) }' && fail "the incoming domain never appeared here"
    sleep 0.2
done
sleep 1
kill -9 "$pid" || fail "cannot kill libvirtd ($pid)"
rm -f "$LV_PID"
note "libvirtd ($pid) killed $(since "$t0") s after we started waiting"
lv_wait_info $LV_PORT_KILL 240 || fail "no word from host A after the kill"
sleep 5
left=$(xl list | awk 'NR > 2 { print $1 "(" $2 ")" }' | tr '\n' ' ')
lv_start stock --listen
sleep 5
left2=$(xl list | awk 'NR > 2 { print $1 "(" $2 ")" }' | tr '\n' ' ')
listed=$(lv list --all 2>/dev/null | tr -s ' ' | tr '\n' '|')
# The next leg needs the name free, whatever the verdict.
for d in $(xl list | awk 'NR > 2 { print $1 }'); do xl destroy "$d"; done
lv_expect_leg $LV_PORT_LEG3
lv_send_info $LV_PORT_READY "ready 0 0 0"
[ -z "$left" ] || fail "left on host B after the sender gave up: $left; after libvirtd's restart: ${left2:-nothing}; libvirt lists: ${listed:-nothing}"
[ -z "$left2" ] || fail "no domain after the kill, but after libvirtd's restart: $left2"
pass "libvirtd killed mid-stream; host A reports virsh exit $info_before after $info_took s; no domain left here, before or after libvirtd's restart"
