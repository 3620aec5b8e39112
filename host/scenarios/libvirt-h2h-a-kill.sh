# libvirt-h2h-a-kill (host A, our library): virsh migrate --live to host B
# (our library too, once B says so), whose libvirtd host B kills (SIGKILL)
# once the incoming domain's restore guardian runs there.  The migration must fail, and the guest must go on
# running here under libvirt: counter and memory.
# xs-timeout: 300
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
lv_wait_info $LV_PORT_KILLREADY 240 ||
    fail "host B never said its libvirtd runs our library for the kill leg"
lv_wait_peer 240 || fail "the peer's libvirtd ($XS_PEER_IP) does not answer"
log=$(guest_log)
before=$(last_tick "$log")
from=$(lines "$log")
out=$XS_OUT/$XS_SCENARIO.virsh.txt
run "virsh migrate --live while B's libvirtd gets killed" timeout 240 \
    sh -c 'LD_LIBRARY_PATH=$0/lib "$0/bin/virsh" -k 0 -q -c "$1" migrate --live "$2" "xen+tcp://$3/system" --migrateuri "tcp://$3"' \
    "$LV" "$LV_URI" "$XS_GUEST" "$XS_PEER_IP" > "$out" 2>&1
rc=$?
t=$took
lv_send_info $LV_PORT_KILL "done $rc $t 0"
cat "$out"
[ $rc != 0 ] || fail "virsh migrate succeeded although B's libvirtd was killed"
[ $rc != 124 ] || fail "virsh migrate still waiting after 240 s"
guest_exists || fail "the guest is gone from host A after the failed migration"
[ "$(lv_state)" = running ] || fail "libvirt says the guest is '$(lv_state)' after the failed migration"
check_continues "$log" "$from" "$before" || fail "after the failed migration: $evidence"
pass "virsh migrate failed after $t s: '$(grep -i error "$out" | head -1 | cut -c1-160)'; guest running under libvirt here: $evidence"
