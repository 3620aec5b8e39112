# Top-level Makefile.  Each part of the project has its fragment in mk/;
# this file only bootstraps configure and runs the test stages in order.
#
#   make            build the codec, xen-stream and convert-legacy-stream
#   make check      install what is missing, build everything, run all tests
#   make demo       boot the emulated Xen host and save/restore/migrate a guest
#   make xen        build the pinned Xen tools with our patches (xen-stock: without)
#   make bench      benchmarks, printed next to their baselines
#   make bench-host ours against stock in the emulated host(s) (boots QEMU)
#   make check-all  make check with check-libvirt, then make bench and make bench-host
#   make fuzz FUZZ_SECONDS=N   run every fuzzer for N seconds

TOP      := $(abspath .)
BUILD    := $(TOP)/build
RESULTS  := $(BUILD)/results
export TOP BUILD RESULTS

.DEFAULT_GOAL := all

# configure is generated, not committed: the first make bootstraps it.
config.mk: configure.ac config.mk.in $(wildcard m4/*.m4)
	@echo "== checking and installing build dependencies"
	@bash scripts/install-deps.sh
	@echo "== generating configure"
	@aclocal -I m4 --output=aclocal.m4 && autoconf
	@echo "== running configure"
	@./configure -q

include config.mk
include $(wildcard mk/*.mk)

# Test stages run in this order; each writes PASS:/FAIL: lines into
# $(RESULTS)/<stage>.log.  A stage that breaks does not stop the others.
CHECK_STAGES ?= $(CHECK_STAGES_ALL)

check:
	@rm -rf $(RESULTS); mkdir -p $(RESULTS)
	@total0=$$(date +%s); \
	for t in $(CHECK_STAGES); do \
	    echo "== stage $$t"; t0=$$(date +%s); \
	    if ! $(MAKE) --no-print-directory $$t; then \
	        echo "FAIL: stage $$t exited non-zero" | tee -a $(RESULTS)/$$t.log; \
	    fi; \
	    echo "== stage $$t took $$(( $$(date +%s) - t0 )) s"; \
	done; \
	echo "== all stages took $$(( $$(date +%s) - total0 )) s"
	@bash tests/lib/summary.sh $(RESULTS)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf config.mk config.log config.status configure aclocal.m4 autom4te.cache

.PHONY: all check clean distclean
