# libvirt-save-restore: virsh save (libvirt's header, then libxl's stream
# written by our library from libvirtd's threads), xen-stream verify and
# info of the image, virsh restore; the counter goes on, memory checks out.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
lv_save_restore "$XS_BUILD" "$XS_BUILD"
pass "$lv_sr_evidence"
