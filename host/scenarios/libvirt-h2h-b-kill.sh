# libvirt-h2h-b-kill (host B): libvirtd restarted on our library (b2 left
# it on stock's), host A told so, then libvirtd killed (SIGKILL) mid-stream,
# as soon as the restore guardian of the domain coming in from host A runs
# (our library starts it when the stream starts; /proc is looked at, which
# is quicker than xl under TCG).  Nothing may be left here: no domain once
# the sender has given up, and none after libvirtd is started again (stock
# library, listening, for the next leg).  Nothing in the killed daemon can
# clean up: our library's restore guardian (libxl-restore-guardian)
# destroys the half-restored domain, and says so in syslog (a busybox
# syslogd here).
# xs-timeout: 300
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
need_builds ours stock
lv_start ours --listen
pid=$(cat "$LV_PID")
lv_send_info $LV_PORT_KILLREADY "ready 0 0 0" ||
    fail "cannot tell host A that libvirtd runs our library"
slog=$XS_OUT/$XS_SCENARIO.syslog.txt
slogd=
if command -v syslogd > /dev/null; then
    syslogd -n -O "$slog" &
    slogd=$!
fi
t0=$(now)
seen=
n=0
until [ -n "$(guardian_pids)" ]; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 240) }' &&
        fail "neither a restore guardian nor the incoming domain appeared here"
    n=$((n + 1))
    if [ $((n % 10)) = 0 ] && guest_exists; then
        [ -n "$seen" ] && break
        seen=1
    fi
    sleep 0.1
done
guardian=$(guardian_pids | tr '\n' ' ')
kill -9 "$pid" || fail "cannot kill libvirtd ($pid)"
rm -f "$LV_PID"
note "libvirtd ($pid) killed $(since "$t0") s after we started waiting; restore guardian: ${guardian:-none}"
lv_wait_info $LV_PORT_KILL 240 || fail "no word from host A after the kill"
sleep 5
left=$(xl list | awk 'NR > 2 { print $1 "(" $2 ")" }' | tr '\n' ' ')
lv_start stock --listen
sleep 5
left2=$(xl list | awk 'NR > 2 { print $1 "(" $2 ")" }' | tr '\n' ' ')
[ -n "$slogd" ] && kill "$slogd"
listed=$(lv list --all 2>/dev/null | tr -s ' ' | tr '\n' '|')
# The next leg needs the name free, whatever the verdict.
for d in $(xl list | awk 'NR > 2 { print $1 }'); do xl destroy "$d"; done
lv_expect_leg $LV_PORT_LEG3
lv_send_info $LV_PORT_READY "ready 0 0 0"
[ -z "$left" ] || fail "left on host B after the sender gave up: $left; after libvirtd's restart: ${left2:-nothing}; libvirt lists: ${listed:-nothing}"
[ -z "$left2" ] || fail "no domain after the kill, but after libvirtd's restart: $left2"
[ -n "$guardian" ] || fail "no domain left, but no restore guardian was seen while our library restored"
[ -z "$(guardian_pids)" ] || fail "a libxl-restore-guardian still runs after it acted: $(guardian_pids | tr '\n' ' ')"
said=$(grep 'libxl-restore-guardian' "$slog" 2>/dev/null | tail -1 | sed 's/^.*libxl-restore-guardian[^:]*: //' | cut -c1-160)
pass "libvirtd killed mid-stream (restore guardian: ${guardian:-none seen}); host A reports virsh exit $info_before after $info_took s; no domain left here, before or after libvirtd's restart; guardian: '${said:-no syslog line}'"
