# The host benchmark: our tools against stock in the emulated host.
#
#   make bench-host [BENCH_ROUNDS=N] [BENCH_VARIANTS="ours stock ours-z"]
#                   [BENCH_H2H=0|1] [BENCH_H2H_ROUNDS=N]
#                     save, restore, localhost migrate of the 128 MiB PV
#                     guest, ours next to stock; then migration between
#                     two hosts (tests/bench/bench-host.sh; tables also in
#                     build/results/bench-host.txt)
#   make check-all    make check with check-libvirt, then make bench and
#                     make bench-host
#
# Neither is part of make check.  Both boot QEMU: on a shared machine run
# them under the host lock (flock /work/host.lock make bench-host).

BENCH_ROUNDS   ?= 6
BENCH_VARIANTS ?= ours stock ours-z
BENCH_H2H      ?= 1
BENCH_H2H_ROUNDS ?= 3

bench-host: host-image $(BUILD)/bin/xen-stream
	@BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_VARIANTS="$(BENCH_VARIANTS)" \
	    BENCH_H2H=$(BENCH_H2H) BENCH_H2H_ROUNDS=$(BENCH_H2H_ROUNDS) bash $(TOP)/tests/bench/bench-host.sh

# A benchmark that fails (a memory check, an operation) fails check-all,
# after everything has run.
check-all:
	@rc=0; \
	$(MAKE) --no-print-directory check \
	    CHECK_STAGES="$(CHECK_STAGES_ALL) $(CHECK_STAGES_EXTRA)" || rc=1; \
	$(MAKE) --no-print-directory bench || rc=1; \
	$(MAKE) --no-print-directory bench-host || rc=1; \
	exit $$rc

.PHONY: bench-host check-all
