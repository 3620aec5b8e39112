# libvirt-h2h-a2 (host A): the guest comes back from B, whose libvirtd runs
# the stock library: stock -> ours.
# xs-timeout: 300
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
lv_expect_leg $LV_PORT_LEG2
lv_judge_leg $LV_PORT_LEG2 "stock -> ours"
pass "$evidence"
