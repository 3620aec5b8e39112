#!/bin/bash
# make bench-host: our tools against stock Xen 4.17's in the emulated host.
#
# One boot of the host runs the bench scenario (host/scenarios/bench.sh):
# a fresh 128 MiB PV guest saved, restored and migrated to the same host,
# BENCH_ROUNDS rounds (default 6: each variant twice in each place of the
# order) of each variant in BENCH_VARIANTS (default "ours stock ours-z"),
# the order of the variants turned by one place each round, the guest's
# memory checked after every operation.  Then the table
# (tests/bench/bench-host-report.sh) and, when the image has strace,
# where the time of one more save and restore of each build goes, per
# process and system call.
#
# With BENCH_H2H=1 (the default), a second boot of two hosts joined by
# QEMU's socket network migrates the guest back and forth between them
# (host/scenarios/bench-h2h.sh), BENCH_H2H_ROUNDS rounds (default 3) of
# the variants in BENCH_H2H_VARIANTS (default: those and the transports,
# "ours stock ours-z ours-ssh stock-ssh ours-tls ours-tls-z": BUILD-ssh
# over real ssh, BUILD-tls over xl migrate --data-port, the others over
# the plain-TCP ssh stand-in), and its table follows.
#
# Everything printed also goes to $RESULTS/bench-host.txt; the raw
# figures and the hosts' logs stay in build/host/runs/bench and
# build/host/runs/bench-h2h.
#
# Needs the host image with both tool builds (make host-image).  Boots
# QEMU: on a shared machine, run it under the host lock.
#
# Exit status: 0 tables printed, 1 the benchmark failed (an operation or a
# memory check), 2 a host gave no verdict.
set -u
{
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
RESULTS=${RESULTS:-$BUILD/results}
: "${BENCH_ROUNDS:=6}" "${BENCH_VARIANTS:=ours stock ours-z}" "${BENCH_H2H:=1}"
: "${BENCH_H2H_ROUNDS:=3}"
: "${BENCH_H2H_VARIANTS:=$BENCH_VARIANTS ours-ssh stock-ssh ours-tls ours-tls-z}"
REPORT=$TOP/tests/bench/bench-host-report.sh
out=$RESULTS/bench-host.txt
mkdir -p "$RESULTS"

for n in "$BENCH_ROUNDS" "$BENCH_H2H_ROUNDS"; do
    case $n in
        ''|*[!0-9]*|0) echo "bench-host: BENCH_ROUNDS and BENCH_H2H_ROUNDS must be positive numbers" >&2; exit 1 ;;
    esac
done
nv=$(echo $BENCH_VARIANTS | wc -w)
# About 30 s per variant and round on one host (two operations, each
# followed by the memory check), 70 s between two hosts (a round trip,
# one direction up to 40 s); a guest boot; the traced saves.  Twice that
# as the limit.
one_secs=$((2 * (60 + 30 * nv * BENCH_ROUNDS + 90)))
# Over real ssh a direction takes up to 70 s under TCG (measured 66.8 s).
two_secs=$((2 * (120 + 140 * $(echo $BENCH_H2H_VARIANTS | wc -w) * BENCH_H2H_ROUNDS)))

# host_run NAME ROUNDS ARGS...: run-host.sh, its progress lines left
# out; the run's status in $verdict.
host_run() {
    local name=$1 rounds=$2; shift 2
    bash "$TOP/host/run-host.sh" --name "$name" \
        --conf "XS_BENCH_ROUNDS=$rounds" \
        --conf "XS_BENCH_VARIANTS=\"$BENCH_VARIANTS\"" "$@" 2>&1 |
        grep -v '^  | ' | tee -a "$out"
    verdict=${PIPESTATUS[0]}
}

{
    echo "== bench-host: $(date -u '+%Y-%m-%d %H:%M UTC'), variants $BENCH_VARIANTS; $BENCH_ROUNDS rounds on one host$([ "$BENCH_H2H" = 1 ] && echo ", $BENCH_H2H_ROUNDS between two")"
    sed -n 's/^\(hypervisor\|tool builds\|built\): */  image \1: /p' "$BUILD/host/image.info" 2>/dev/null
} | tee "$out"

status=0
run_dir=$BUILD/host/runs/bench
host_run bench "$BENCH_ROUNDS" --timeout $((one_secs + 180)) \
    --conf "XS_SCENARIO_TIMEOUT=$one_secs" bench
status=$verdict
raw=$run_dir/results/bench.raw
if [ -s "$raw" ]; then
    {
        echo
        echo "one host: 128 MiB PV guest, $BENCH_ROUNDS rounds; each variant's own xl on both ends; memory checked after each operation"
        bash "$REPORT" "$raw"
        for op in save restore; do
            for b in ours stock; do
                f=$run_dir/results/strace-$op-$b.txt
                [ -s "$f" ] || continue
                echo
                echo "xl $op ($b) under strace -f -tt -T: time per process, in seconds"
                bash "$REPORT" --strace "$f"
            done
        done
    } | tee -a "$out"
else
    echo "bench-host: no figures from the host ($raw)" | tee -a "$out"
    [ "$status" = 0 ] && status=1
fi

if [ "$BENCH_H2H" = 1 ]; then
    run_dir=$BUILD/host/runs/bench-h2h
    host_run bench-h2h "$BENCH_H2H_ROUNDS" --two-host --sender bench-h2h --receiver bench-h2h \
        --conf "XS_BENCH_H2H_VARIANTS=\"$BENCH_H2H_VARIANTS\"" \
        --timeout $((two_secs + 120))
    [ "$verdict" -gt "$status" ] && status=$verdict
    # A's figures are the direction A -> B, B's the way back.
    ab=$run_dir/a/results/bench-h2h.raw ba=$run_dir/b/results/bench-h2h.raw
    raw=$run_dir/bench-h2h.raw
    cat "$ab" "$ba" > "$raw" 2> /dev/null
    if [ -s "$ab" ] && [ -s "$ba" ]; then
        {
            echo
            echo "two hosts: xl migrate of the same guest back and forth over QEMU's socket network, $BENCH_H2H_ROUNDS rounds, each variant a round trip each round; memory checked on the receiving host after each"
            # One header: the columns are in the same order in each.
            bash "$REPORT" "$ab" | sed -n '1s/^operation  /direction  /p'
            for f in "$ab" "$ba" "$raw"; do
                case $f in
                    "$ab") label="A -> B    " ;;
                    "$ba") label="B -> A    " ;;
                    *) label="both      " ;;
                esac
                bash "$REPORT" "$f" | sed -n "s/^xl migrate /$label /p"
            done
        } | tee -a "$out"
    else
        echo "bench-host: no figures from the two hosts ($ab, $ba)" | tee -a "$out"
        [ "$status" = 0 ] && status=1
    fi
fi
[ "$status" = 0 ] || echo "bench-host: a run did not pass (status $status): figures above are incomplete" | tee -a "$out"
exit "$status"
}
