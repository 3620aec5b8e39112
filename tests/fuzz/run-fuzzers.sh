#!/bin/bash
# Runs each named libFuzzer harness for SECONDS_EACH seconds on a working
# copy of its seed corpus and writes one PASS:/FAIL: line per harness.
# A harness binary that is missing gives SKIP (libFuzzer unavailable).
#
# Environment: RESULTS (log), FUZZ_DIR, CORPUS, SECONDS_EACH.
set -u
. "$(dirname "$0")/../lib/report.sh"
fails=0
for f in "$@"; do
    bin=$FUZZ_DIR/$f
    if [ ! -x "$bin" ]; then
        echo "SKIP: fuzz/$f (no libFuzzer build)" | tee -a "$RESULTS"
        continue
    fi
    work=$FUZZ_DIR/work/$f
    art=$FUZZ_DIR/artifacts/$f/
    mkdir -p "$work" "$art"
    log=$FUZZ_DIR/$f.log
    "$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$art" \
        "$work" "$CORPUS/$f" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    if [ $rc = 0 ]; then
        report "fuzz/$f" 0 "${SECONDS_EACH}s, ${runs:-?} runs, ${cov:-cov ?}"
    else
        report "fuzz/$f" 1 "exit $rc, see $log and $art"
        fails=$((fails + 1))
    fi
done
exit $((fails > 0))
