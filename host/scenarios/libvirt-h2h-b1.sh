# libvirt-h2h-b1 (host B): receive the guest from A, ours -> ours; judge
# its counter and memory.
# xs-timeout: 400
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
lv_listen_info $LV_PORT_LEG1
lv_listen_info $LV_PORT_LEG3
lv_listen_info $LV_PORT_KILL
lv_expect_leg $LV_PORT_LEG1
lv_two_host_setup b ours
lv_judge_leg $LV_PORT_LEG1 "ours -> ours"
pass "$lv_maps_evidence; $evidence"
