#!/bin/bash
# The check-host stage: the emulated Xen host end to end.
#
# mk/30-host.mk builds both tool builds first (make xen-stock, make xen) and
# passes their exit status in XEN_STOCK_RC and XEN_RC.  This script then
# fetches the Debian packages, builds the images, boots one host with every
# single-host scenario (the patched build under test, stock for interop),
# then two hosts for the host-to-host migration, and turns each scenario's
# result into a "PASS: host/<scenario> (Ns)" line (evidence on the line
# after) in $RESULTS (build/results/check-host.log).  Each step's time is
# printed and logged.
set -uo pipefail
# The whole script is one brace group, read completely before it runs: the
# script may be edited (git pull, a colleague) while a long run is going.
{
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/report.sh"
: "${XEN_STOCK_RC:=0}" "${XEN_RC:=0}"
LOG=$RESULTS
note() { echo "$*" | tee -a "$LOG"; }

stage_t0=$(date +%s)
timed() {   # timed LABEL CMD...: run CMD, report host/LABEL with its time
    local label=$1 t0 rc; shift
    t0=$(date +%s)
    "$@" > "$TOP/build/host/$label.log" 2>&1
    rc=$?
    report "host/$label" $rc "$(( $(date +%s) - t0 ))s"
    [ $rc = 0 ] || tail -15 "$TOP/build/host/$label.log" | sed 's/^/    /'
    return $rc
}

mkdir -p "$TOP/build/host"
report host/build-xen-stock "$XEN_STOCK_RC" "${XEN_STOCK_SECS:-?}s"
report host/build-xen "$XEN_RC" "${XEN_SECS:-?}s"
[ "$XEN_STOCK_RC" = 0 ] || { note "  the stock build is needed for the host image: stopping"; exit 0; }

timed debs bash "$TOP/host/fetch-debs.sh" || exit 0
ours=()
[ "$XEN_RC" = 0 ] && ours=(--ours "$TOP/build/xen/dist")
timed image bash "$TOP/host/build-image.sh" "${ours[@]}" || exit 0
# The byte mover the migrations go through, tested on this machine first.
bash "$TOP/tests/host/test-xs-copy.sh" "$TOP/build/host/xs-copy"
bash "$TOP/tests/host/test-asan-verdict.sh"
# make demo's steps would work from a fresh clone (no build/ to hide behind).
bash "$TOP/tests/host/test-demo-fresh-clone.sh"
build=ours
[ "$XEN_RC" = 0 ] || { build=stock; note "  make xen failed: running the scenarios with the stock build (interop scenarios skip)"; }

# run_and_report ARGS...: run-host.sh ARGS, then one report line per
# scenario.
run_and_report() {
    local out=$TOP/build/host/run-host.out line status name secs evidence
    bash "$TOP/host/run-host.sh" "$@" 2>&1 | tee "$out" | sed -n 's/^run-host: /  run-host: /p'
    while IFS= read -r line; do
        case $line in
            PASS:\ host/*|FAIL:\ host/*|SKIP:\ host/*) ;;
            *) continue ;;
        esac
        status=${line%%:*}
        line=${line#*: host/}
        name=${line%% *}
        line=${line#"$name"}; line=${line# }
        secs=${line%%)*}; secs=${secs#(}
        evidence=${line#*) }
        [ "$evidence" = "$line" ] && evidence=
        case $status in
            PASS) report "host/$name" 0 "$secs" ;;
            FAIL) report "host/$name" 1 "$secs" ;;
            SKIP) echo "SKIP: host/$name ($evidence)" | tee -a "$LOG"; continue ;;
        esac
        [ -n "$evidence" ] && note "    $evidence"
    done < "$out"
    # run-host.sh shows the serial log's tail itself when the host hangs.
    grep -q '^    ' "$out" && grep '^    \|^run-host: ' "$out" | tail -45 >> "$LOG"
    return 0
}

t0=$(date +%s)
run_and_report --build "$build" --name check-single
note "  single-host run took $(( $(date +%s) - t0 )) s"
t0=$(date +%s)
run_and_report --build "$build" --name check-two-host --two-host
note "  two-host run took $(( $(date +%s) - t0 )) s"
# Live migration between hosts running different builds, both ways,
# through the ssh stand-in (plain TCP), which can capture the stream for
# xen-stream; stock <-> ours over real ssh is check-transport's
# (mk/30-host.mk).
if [ "$build" = ours ]; then
    for peer in "ours stock" "stock ours"; do
        set -- $peer
        t0=$(date +%s)
        run_and_report --build "$1" --peer-build "$2" --name "check-two-host-$1-$2" --two-host \
            --conf XS_H2H_TRANSPORT=standin
        note "  two-host run ($1 -> $2) took $(( $(date +%s) - t0 )) s"
    done
    # A stock receiver whose memory is not scrubbed (Xen's bootscrub=0:
    # pages Xen freed after building dom0 keep what they held): with
    # --send-zero-pages every page goes with its data, so the guest's
    # memory comes out right although a stock restore does not clear the
    # pages it populates (docs/zero-pages.md).
    t0=$(date +%s)
    (
        export XS_XEN_BOOTSCRUB=0
        run_and_report --build ours --peer-build stock --two-host \
            --name check-two-host-ours-stock-unscrubbed \
            --conf XS_MIGRATE_OPTS=--send-zero-pages --conf XS_H2H_TRANSPORT=standin \
            --conf XS_RESULT_SUFFIX=-ours-to-unscrubbed-stock-send-zero-pages
    )
    note "  two-host run (ours --send-zero-pages -> stock, bootscrub=0) took $(( $(date +%s) - t0 )) s"
fi
note "  check-host took $(( $(date +%s) - stage_t0 )) s after the tool builds"
exit 0
# End of the group: nothing after this line is read.
exit
}
