# libvirt-h2h-a1 (host A): libvirtd with our library, the guest defined and
# started through libvirt, migrated live to host B (our library there too)
# with virsh migrate over libvirt's own transport.
# xs-timeout: 400
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
lv_two_host_setup a ours
lv_listen_info $LV_PORT_LEG2
lv_listen_info $LV_PORT_READY
lv_listen_info $LV_PORT_KILLREADY
lv_create
lv_migrate_leg $LV_PORT_LEG1 "ours -> ours"
pass "$lv_maps_evidence; sent to host B (ours) in $mig_took s"
