# libvirt-h2h-a3 (host A): migrate the guest to B once more, now from our
# library to B's stock one (ours -> stock).
# xs-timeout: 300
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
# B cleans up after the kill leg and restarts its libvirtd first.
lv_wait_info $LV_PORT_READY 240 || fail "host B never said it was ready after the kill leg"
lv_migrate_leg $LV_PORT_LEG3 "ours -> stock"
pass "sent to host B (stock) in $mig_took s"
