# libvirt-save-enospc-stock: libvirt-save-enospc with libvirtd on the stock
# library, so that what libvirt does after a failed save is told apart from
# what our library does.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/libvirt-lib.sh
need_builds ours stock
LV_SAVE_BUILD=stock
. /run/xs/in/scenarios/libvirt-save-enospc.sh
