# libvirt-h2h-b2 (host B): restart libvirtd with the stock library while
# the guest runs (libvirt finds it again), then migrate it back to A
# (stock -> ours).
# xs-timeout: 300
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
need_builds ours stock
lv_start stock --listen
[ "$(lv_state)" = running ] || fail "after the restart with stock, libvirt says the guest is '$(lv_state)'"
lv_migrate_leg $LV_PORT_LEG2 "stock -> ours"
lv_expect_leg $LV_PORT_LEG3
pass "$lv_maps_evidence; guest found again after the restart; sent back to host A in $mig_took s"
