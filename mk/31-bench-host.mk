# The host benchmark: our tools against stock in the emulated host.
#
#   make bench-host [BENCH_ROUNDS=N] [BENCH_VARIANTS="ours stock ours-z"]
#                   [BENCH_GUESTS="pv hvm"] [BENCH_H2H=0|1] [BENCH_H2H_ROUNDS=N]
#                   [BENCH_H2H_VARIANTS="..."] [BENCH_H2H_GUESTS="pv hvm"]
#                   [BENCH_H2H_ONCE="stock-ssh"]
#                   [BENCH_H2H_ONEWAY="stock-ssh"] [BENCH_H2H_RETURN=ours-tls]
#                     save, restore, localhost migrate of the 128 MiB PV
#                     and HVM guests, ours next to stock (BENCH_GUESTS=
#                     skips that boot); then migration of the guests of
#                     BENCH_H2H_GUESTS (default pv hvm, one after the
#                     other in the same two-host boot, a table each)
#                     between two hosts over the stand-in, real ssh and
#                     --data-port (tests/bench/bench-host.sh; tables also
#                     in build/results/bench-host.txt)
#   make check-all    make check with the extra stages, then make bench and
#                     make bench-host
#
# Neither is part of make check.  Both boot QEMU: on a shared machine run
# them under the host lock (flock /work/host.lock make bench-host).

BENCH_ROUNDS   ?= 6
BENCH_VARIANTS ?= ours stock ours-z
BENCH_H2H      ?= 1
BENCH_H2H_ROUNDS ?= 3
BENCH_GUESTS   ?= pv hvm
BENCH_H2H_GUESTS ?= pv hvm
BENCH_H2H_VARIANTS ?= $(BENCH_VARIANTS) ours-ssh stock-ssh ours-tls ours-tls-z ours-tls-trusted
BENCH_H2H_ONCE ?=
BENCH_H2H_ONEWAY ?=
BENCH_H2H_RETURN ?= ours-tls

bench-host: host-image $(BUILD)/bin/xen-stream
	@BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_VARIANTS="$(BENCH_VARIANTS)" \
	    BENCH_H2H=$(BENCH_H2H) BENCH_H2H_ROUNDS=$(BENCH_H2H_ROUNDS) \
	    BENCH_GUESTS="$(BENCH_GUESTS)" BENCH_H2H_GUESTS="$(BENCH_H2H_GUESTS)" \
	    BENCH_H2H_VARIANTS="$(BENCH_H2H_VARIANTS)" \
	    BENCH_H2H_ONCE="$(BENCH_H2H_ONCE)" BENCH_H2H_ONEWAY="$(BENCH_H2H_ONEWAY)" \
	    BENCH_H2H_RETURN=$(BENCH_H2H_RETURN) bash $(TOP)/tests/bench/bench-host.sh

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
