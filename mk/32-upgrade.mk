# The upgrade path to Debian 13's Xen 4.20: host A (Debian 12's Xen 4.17
# with our build) and host B (Debian 13's Xen 4.20 hypervisor with Debian's
# stock 4.20 tools, their trixie libraries carried in a root of their own)
# in one two-host boot: A -> B live migration, our image restored on B,
# B's image verified by xen-stream, and B -> A by image and live.  See
# docs/upgrade-to-xen-4.20.md and tests/upgrade/check-upgrade.sh.
#
#   make check-upgrade [UPGRADE_MIGRATE_OPTS=--send-zero-pages]
#   make check-upgrade-hvm   the HVM guest A -> B and back, in a two-host
#                            boot of its own (make check-all's: its first
#                            boot under TCG alone takes longer than all of
#                            check-upgrade)
#   make host-image-deb13    host B's images only (build/host-deb13)

UPGRADE_MIGRATE_OPTS ?=

# In make check's first lane, after check-host: the second lane carries
# check-libxl, check-libvirt and check-transport.
CHECK_STAGES_ALL += check-upgrade

check-upgrade:
	@mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory xen-stock || echo "== upgrade: make xen-stock failed"
	@$(MAKE) --no-print-directory xen || echo "== upgrade: make xen failed"
	@$(MAKE) --no-print-directory $(BUILD)/bin/xen-stream || echo "== upgrade: no xen-stream; streams will not be verified in the hosts"
	@RESULTS=$(RESULTS)/check-upgrade.log UPGRADE_MIGRATE_OPTS="$(UPGRADE_MIGRATE_OPTS)" bash $(TOP)/tests/upgrade/check-upgrade.sh

CHECK_STAGES_EXTRA += check-upgrade-hvm
CHECK_LANE_ALL += check-upgrade-hvm

check-upgrade-hvm:
	@mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory xen-stock || echo "== upgrade: make xen-stock failed"
	@$(MAKE) --no-print-directory xen || echo "== upgrade: make xen failed"
	@$(MAKE) --no-print-directory $(BUILD)/bin/xen-stream || echo "== upgrade: no xen-stream; streams will not be verified in the hosts"
	@RESULTS=$(RESULTS)/check-upgrade-hvm.log UPGRADE_MIGRATE_OPTS="$(UPGRADE_MIGRATE_OPTS)" bash $(TOP)/tests/upgrade/check-upgrade.sh --hvm

host-image-deb13: host-image
	@bash $(TOP)/host/fetch-debs-deb13.sh
	@bash $(TOP)/host/build-image-deb13.sh

.PHONY: check-upgrade check-upgrade-hvm host-image-deb13
