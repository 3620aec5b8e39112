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
