# libvirt-interop-images: an image libvirt saved with our libxenlight is
# restored by libvirtd running the stock one, and the other way round
# (libvirtd is restarted between the two, with the other build on /usr).
# Ends with libvirtd back on the build under test.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
need_builds ours stock
lv_save_restore ours stock
ev1=$lv_sr_evidence
lv_save_restore stock ours
pass "ours -> stock: $ev1; stock -> ours: $lv_sr_evidence"
