# Sourced by test scripts: report NAME STATUS [DETAIL] appends a PASS:/FAIL:
# line to $RESULTS (a stage log under build/results) and echoes it.
: "${RESULTS:=/dev/null}"
report() {
    local name=$1 ok=$2; shift 2
    if [ "$ok" = 0 ]; then
        echo "PASS: $name${*:+ ($*)}" | tee -a "$RESULTS"
    else
        echo "FAIL: $name${*:+ ($*)}" | tee -a "$RESULTS"
    fi
}

# report_host_verdicts PREFIX RUN_OUT RC RUN_DIR NAME...: one PASS/FAIL/SKIP
# line, named PREFIX/NAME, per scenario NAME from run-host.sh's output
# RUN_OUT (RC its exit status, RUN_DIR its logs); a scenario it printed
# nothing for failed.  Returns 1 if any failed.
report_host_verdicts() {
    local prefix=$1 out=$2 rc=$3 dir=$4 s line bad=0; shift 4
    for s in "$@"; do
        line=$(grep -E "^(PASS|FAIL|SKIP): host/$s " "$out" | tail -1)
        case $line in
            PASS:*) report "$prefix/$s" 0 "${line#PASS: host/$s }" ;;
            SKIP:*) echo "SKIP: $prefix/$s ${line#SKIP: host/$s }" | tee -a "$RESULTS" ;;
            FAIL:*) report "$prefix/$s" 1 "${line#FAIL: host/$s }"; bad=1 ;;
            *) report "$prefix/$s" 1 "no verdict (run-host exit $rc; logs in $dir)"; bad=1 ;;
        esac
    done
    return $bad
}
