# Our libxl stream code (tools/libxl/) beyond what the host scenarios
# cover: damaged images refused with the reader's messages, a failing save
# that leaves the guest running, Remus checkpoints and failover, an HVM
# guest's emulator records (saved, restored, migrated on one host and
# between two).  Runs in the emulated host (see tests/libxl/check-libxl.sh):
# one boot for the scenarios, one two-host boot for the HVM migration.
#
#   make check-libxl [LIBXL_SCENARIOS="libxl-remus libxl-h2h-hvm"]
#   make check-libxl LIBXL_H2H_PEERS="ours stock"   # also ours -> stock

LIBXL_SCENARIOS ?=
LIBXL_H2H_PEERS ?= ours

CHECK_STAGES_ALL += check-libxl
CHECK_LANE_ALL += check-libxl

check-libxl:
	@mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory xen || echo "== libxl: make xen failed"
	@RESULTS=$(RESULTS)/check-libxl.log LIBXL_H2H_PEERS="$(LIBXL_H2H_PEERS)" bash $(TOP)/tests/libxl/check-libxl.sh $(LIBXL_SCENARIOS)

.PHONY: check-libxl
