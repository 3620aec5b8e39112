# libvirt-h2h-b3 (host B, libvirtd on the stock library): receive the
# guest from A: ours -> stock.
# xs-timeout: 300
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
lv_judge_leg $LV_PORT_LEG3 "ours -> stock"
pass "$evidence"
