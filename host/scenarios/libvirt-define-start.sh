# libvirt-define-start: Debian 12's libvirtd, started by hand with the
# build under test on /usr, must map that build's libxenlight (not
# Debian's); the PV test guest, defined from domain XML and started by
# libvirt, must tick and pass its memory check.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
lv_start "$XS_BUILD"
lv_create
log=$(guest_log)
[ "$(lv_state)" = running ] || fail "libvirt says the guest is '$(lv_state)'"
lv dominfo "$XS_GUEST" > "$XS_OUT/$XS_SCENARIO.dominfo.txt" 2>&1
check_memory "$log" 0 || fail "$mem_evidence"
pass "$lv_maps_evidence; virsh define + start $create_took s, ticking (tick $(last_tick "$log")); $mem_evidence"
