# Top-level Makefile.  Each part of the project has its fragment in mk/;
# this file only bootstraps configure and runs the test stages in order.
#
#   make            build the codec, xen-stream and convert-legacy-stream
#   make check      install what is missing, build everything, run all tests
#   make demo       boot the emulated Xen host and save/restore/migrate a guest
#   make xen        build the pinned Xen tools with our patches (xen-stock: without)
#   make bench      benchmarks, printed next to their baselines
#   make bench-host ours against stock in the emulated host(s) (boots QEMU)
#   make check-all  make check with the extra stages (check-deb, check-upgrade-hvm), then make bench and make bench-host
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

# Stages that boot the emulated host take most of the time, and one host
# keeps about half a core to one core busy: the stages in CHECK_LANE (a
# fragment adds its stage there as well as to the stage list) run one
# after another in a second lane, beside the others.  The lane starts
# first, as soon as the tools it needs are built (check-lane-prep), so
# that its hosts use the core the single-threaded unit and fuzz stages
# leave idle.  Its output goes to $(RESULTS)/<stage>.out and is shown when
# the lane ends.  CHECK_LANE= runs everything in order.
CHECK_LANE ?= $(CHECK_LANE_ALL)

check:
	@rm -rf $(RESULTS); mkdir -p $(RESULTS)
	@total0=$$(date +%s); lane=; lane_pid=; \
	for t in $(CHECK_STAGES); do \
	    case " $(CHECK_LANE) " in *" $$t "*) lane="$$lane $$t" ;; esac; \
	done; \
	if [ -n "$$lane" ]; then \
	    echo "== building what both lanes use"; \
	    $(MAKE) --no-print-directory check-lane-prep; \
	    echo "== lane:$$lane, started beside the other stages"; \
	    $(MAKE) --no-print-directory check-lane CHECK_LANE_STAGES="$$lane" & lane_pid=$$!; \
	fi; \
	for t in $(CHECK_STAGES); do \
	    case " $$lane " in *" $$t "*) continue ;; esac; \
	    $(MAKE) --no-print-directory check-stage CHECK_STAGE=$$t; \
	done; \
	if [ -n "$$lane_pid" ]; then \
	    echo "== waiting for the lane:$$lane"; wait $$lane_pid; \
	    for t in $$lane; do cat $(RESULTS)/$$t.out; done; \
	fi; \
	echo "== all stages took $$(( $$(date +%s) - total0 )) s"
	@bash tests/lib/summary.sh $(RESULTS)

# One stage, its time, and a FAIL line if it exits non-zero.
check-stage:
	@echo "== stage $(CHECK_STAGE)"; t0=$$(date +%s); \
	if ! $(MAKE) --no-print-directory $(CHECK_STAGE); then \
	    echo "FAIL: stage $(CHECK_STAGE) exited non-zero" | tee -a $(RESULTS)/$(CHECK_STAGE).log; \
	fi; \
	echo "== stage $(CHECK_STAGE) took $$(( $$(date +%s) - t0 )) s"

# The second lane: its stages in order, each into $(RESULTS)/<stage>.out.
check-lane:
	@for t in $(CHECK_LANE_STAGES); do \
	    $(MAKE) --no-print-directory check-stage CHECK_STAGE=$$t > $(RESULTS)/$$t.out 2>&1; \
	done

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf config.mk config.log config.status configure aclocal.m4 autom4te.cache

.PHONY: all check check-stage check-lane clean distclean
