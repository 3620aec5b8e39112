# bench-hvm: bench.sh with the HVM guest (save, restore, localhost
# migrate, ours next to stock); `make bench-host` runs it when
# BENCH_GUESTS has hvm.  Under TCG the guest's boot alone takes minutes.
XS_BENCH_GUEST=hvm
. /run/xs/in/scenarios/bench.sh
