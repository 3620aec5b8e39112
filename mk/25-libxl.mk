# Our libxl stream code (tools/libxl/) beyond what the host scenarios
# cover: damaged images refused with the reader's messages, a failing save
# that leaves the guest running, Remus checkpoints and failover.  Runs in
# the emulated host (see tests/libxl/check-libxl.sh).
#
#   make check-libxl [LIBXL_SCENARIOS="libxl-remus"]

LIBXL_SCENARIOS ?=

CHECK_STAGES_ALL += check-libxl

check-libxl:
	@mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory xen || echo "== libxl: make xen failed"
	@RESULTS=$(RESULTS)/check-libxl.log bash $(TOP)/tests/libxl/check-libxl.sh $(LIBXL_SCENARIOS)

.PHONY: check-libxl
