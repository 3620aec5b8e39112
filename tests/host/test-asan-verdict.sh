#!/bin/bash
# Tests of tests/host/asan-verdict.sh (the judge of `make host-asan`) on
# made-up run directories: which sanitizer reports fail the run.
# Prints PASS:/FAIL: lines through tests/lib/report.sh.
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/report.sh"
V=$TOP/tests/host/asan-verdict.sh
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

# case NAME WANT_RC TEXT: a run whose results hold TEXT must give WANT_RC.
case_() {
    local name=$1 want=$2 text=$3 rc
    mkdir -p "$D/$name/results"
    printf '%s\n' "$text" > "$D/$name/results/scenario.log"
    : > "$D/$name/serial.log"
    TOP=$TOP bash "$V" "$D/$name" > "$D/$name.out" 2>&1
    rc=$?
    [ $rc = "$want" ]
    report "host/asan-verdict/$name" $? "exit $rc, want $want: $(tr '\n' '|' < "$D/$name.out" | cut -c1-200)"
}

case_ clean 0 "xl: all fine"
case_ upstream-ubsan 0 "/build/src/tools/libs/light/libxl_utils.c:659:5: runtime error: null pointer passed as argument 2"
case_ our-ubsan 1 "/build/src/tools/libs/light/libxl_stream_read.c:412:9: runtime error: shift exponent 40 is too large"
case_ our-xl-ubsan 1 "tools/xl/xl_migrate.c:88:3: runtime error: signed integer overflow"
case_ asan 1 "==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011"
case_ mixed 1 "libelf-tools.c:115:1: runtime error: load of misaligned address
==9==ERROR: AddressSanitizer: stack-use-after-return"

# Nothing to judge is not a pass.
mkdir -p "$D/none"
TOP=$TOP bash "$V" "$D/none" > /dev/null 2>&1
[ $? = 2 ]; report host/asan-verdict/no-results $?
