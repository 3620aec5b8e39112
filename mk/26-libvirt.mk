# Our libxenlight driven by Debian 12's libvirtd (libxl driver) and virsh in
# the emulated host, with the stock build for interop: define and start,
# save/restore, managedsave, a full disk, a stalled restore, images
# exchanged with stock.  See tests/libvirt/check-libvirt.sh and
# docs/libvirt.md.
#
#   make check-libvirt [LIBVIRT_SCENARIOS="libvirt-define-start libvirt-save-restore"]

LIBVIRT_SCENARIOS ?=

# Not a stage of make check: at ~7 min (two boots under -cpu Nehalem) it
# would take make check past its time budget.  make check-all runs it.
CHECK_STAGES_EXTRA += check-libvirt
CHECK_LANE_ALL += check-libvirt

check-libvirt:
	@mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory xen-stock || echo "== libvirt: make xen-stock failed"
	@$(MAKE) --no-print-directory xen || echo "== libvirt: make xen failed"
	@$(MAKE) --no-print-directory $(BUILD)/bin/xen-stream || echo "== libvirt: no xen-stream; images will not be verified in the host"
	@RESULTS=$(RESULTS)/check-libvirt.log bash $(TOP)/tests/libvirt/check-libvirt.sh $(LIBVIRT_SCENARIOS)

.PHONY: check-libvirt
