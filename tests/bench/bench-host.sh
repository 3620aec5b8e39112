#!/bin/bash
# make bench-host: our tools against stock Xen 4.17's in the emulated host.
#
# One boot of the host runs the bench scenario (host/scenarios/bench.sh):
# a fresh 128 MiB PV guest saved, restored and migrated to the same host,
# BENCH_ROUNDS rounds (default 3) of each variant in BENCH_VARIANTS
# (default "ours stock ours-z"), the order of the variants turned by one
# place each round, the guest's memory checked after every operation.
# Then the table (tests/bench/bench-host-report.sh) and, when the image
# has strace, where the time of one more save and restore of each build
# goes, per process and system call.
#
# Everything printed also goes to $RESULTS/bench-host.txt; the raw
# figures and the host's logs stay in build/host/runs/bench.
#
# Needs the host image with both tool builds (make host-image).  Boots
# QEMU: on a shared machine, run it under the host lock.
#
# Exit status: 0 table printed, 1 the benchmark failed (an operation or a
# memory check), 2 the host gave no verdict.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
RESULTS=${RESULTS:-$BUILD/results}
: "${BENCH_ROUNDS:=3}" "${BENCH_VARIANTS:=ours stock ours-z}"
run_dir=$BUILD/host/runs/bench
out=$RESULTS/bench-host.txt
mkdir -p "$RESULTS"

case $BENCH_ROUNDS in
    ''|*[!0-9]*|0) echo "bench-host: BENCH_ROUNDS must be a positive number" >&2; exit 1 ;;
esac
nv=$(echo $BENCH_VARIANTS | wc -w)
# About 30 s per variant and round (two operations, each followed by the
# memory check), a guest boot, the traced saves; twice that as the limit.
scenario_secs=$((2 * (60 + 30 * nv * BENCH_ROUNDS + 90)))

{
    echo "== bench-host: $(date -u '+%Y-%m-%d %H:%M UTC'), $BENCH_ROUNDS rounds of: $BENCH_VARIANTS"
    sed -n 's/^\(hypervisor\|tool builds\|built\): */  image \1: /p' "$BUILD/host/image.info" 2>/dev/null
} | tee "$out"

bash "$TOP/host/run-host.sh" --name bench --timeout $((scenario_secs + 180)) \
    --conf "XS_BENCH_ROUNDS=$BENCH_ROUNDS" \
    --conf "XS_BENCH_VARIANTS=\"$BENCH_VARIANTS\"" \
    --conf "XS_SCENARIO_TIMEOUT=$scenario_secs" bench 2>&1 |
    grep -v '^  | ' | tee -a "$out"
verdict=${PIPESTATUS[0]}
raw=$run_dir/results/bench.raw
[ -s "$raw" ] || { echo "bench-host: no figures ($raw)" | tee -a "$out"; exit $((verdict ? verdict : 1)); }

{
    echo
    echo "128 MiB PV guest, $BENCH_ROUNDS rounds; each variant's own xl on both ends; memory checked after each operation"
    bash "$TOP/tests/bench/bench-host-report.sh" "$raw"
    for op in save restore; do
        for b in ours stock; do
            f=$run_dir/results/strace-$op-$b.txt
            [ -s "$f" ] || continue
            echo
            echo "xl $op ($b) under strace -f -tt -T: time per process, in seconds"
            bash "$TOP/tests/bench/bench-host-report.sh" --strace "$f"
        done
    done
} | tee -a "$out"
[ "$verdict" = 0 ] || echo "bench-host: the run did not pass (status $verdict): figures above are incomplete" | tee -a "$out"
exit "$verdict"
