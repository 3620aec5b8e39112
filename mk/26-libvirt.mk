# Our libxenlight driven by Debian 12's libvirtd (libxl driver) and virsh in
# the emulated host, with the stock build for interop: define and start,
# save/restore, managedsave, a full disk, a stalled restore, images
# exchanged with stock.  See tests/libvirt/check-libvirt.sh and
# docs/libvirt.md.
#
#   make check-libvirt [LIBVIRT_SCENARIOS="libvirt-define-start libvirt-save-restore"]

LIBVIRT_SCENARIOS ?=

# A stage of make check, in its second lane (two boots under -cpu
# Nehalem, ~5-7 min).
CHECK_STAGES_ALL += check-libvirt
CHECK_LANE_ALL += check-libvirt

check-libvirt:
	@mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory xen-stock || echo "== libvirt: make xen-stock failed"
	@$(MAKE) --no-print-directory xen || echo "== libvirt: make xen failed"
	@$(MAKE) --no-print-directory $(BUILD)/bin/xen-stream || echo "== libvirt: no xen-stream; images will not be verified in the host"
	@RESULTS=$(RESULTS)/check-libvirt.log bash $(TOP)/tests/libvirt/check-libvirt.sh $(LIBVIRT_SCENARIOS)

.PHONY: check-libvirt
