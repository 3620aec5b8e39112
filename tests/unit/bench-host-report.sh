#!/bin/bash
# The table of `make bench-host` (tests/bench/bench-host-report.sh), from
# raw figures written here: means, minimums and ratios to stock per
# operation, sizes of the first and last round with their ratios, the size
# and time targets judged met or not, and refusals of malformed input
# naming the line.
#
# Environment: RESULTS (log), WORK.
set -u
REPORT=$(cd "$(dirname "$0")/../bench" && pwd)/bench-host-report.sh
UNIT_FRESH_WORK=1
. "$(dirname "$0")/../lib/unit-script.sh"

# line R OP V SECS OCTETS AGE XALLOC
line() { echo "round $1 op $2 variant $3 secs $4 octets $5 age $6 xalloc $7"; }
{
    line 1 save ours 1.20 64000000 30 17000
    line 1 restore ours 1.00 64000000 30 -
    line 1 migrate ours 2.00 65000000 40 -
    line 1 save stock 2.40 134500000 50 -
    line 1 restore stock 1.50 134500000 50 -
    line 1 migrate stock 3.00 135000000 60 -
    line 1 save ours-z 1.00 23000000 70 -
    line 1 restore ours-z 1.10 23000000 70 -
    line 1 migrate ours-z 2.50 24000000 80 -
    line 2 save stock 2.60 134500000 90 -
    line 2 restore stock 1.70 134500000 90 -
    line 2 migrate stock 1.00 135000000 100 -
    line 2 save ours-z 1.00 16000000 110 -
    line 2 restore ours-z 1.10 16000000 110 -
    line 2 migrate ours-z 2.50 17000000 120 -
    line 2 save ours 1.40 80000000 130 13000
    line 2 restore ours 1.20 80000000 130 -
    line 2 migrate ours 2.20 81000000 140 -
} > good.raw

bash "$REPORT" good.raw > good.out 2>&1
rc=$?
check bench-host-report/table-printed $rc "exit $rc"

# Means and minimums over the two rounds, ratio of the means to stock's.
grep -q '^xl save  *1\.30 s (1\.20)  *2\.50 s (2\.40)  *1\.00 s (1\.00)  *0\.52x  *0\.40x' good.out
check bench-host-report/save-mean-min-ratio $? "$(grep '^xl save' good.out)"
grep -q '^xl migrate  *2\.10 s (2\.00)  *2\.00 s (1\.00)  *2\.50 s (2\.50)  *1\.05x  *1\.25x' good.out
check bench-host-report/migrate-mean-min-ratio $? "$(grep '^xl migrate' good.out)"

# Sizes per round against stock's of the same round, zero pages counted.
grep -q '^save image  *round 1 (guest up 30 s):  ours 64\.0 MB (0\.48x) \[17000 zero pages left out\]  stock 134\.5 MB  ours-z 23\.0 MB (0\.17x)$' good.out
check bench-host-report/sizes-fresh $? "$(grep '^save image *round 1' good.out)"
grep -q '^save image  *round 2 (guest up 130 s):  ours 80\.0 MB (0\.59x)' good.out
check bench-host-report/sizes-last-round $? "$(grep '^save image *round 2' good.out)"

# Targets: each judged from its own figures, met or not.
grep -q 'default image <= 0.50x stock: round 1 0.48x: met$' good.out &&
    grep -q 'default image <= 0.50x stock: round 2 0.59x: NOT met$' good.out &&
    grep -q -- '-z image <= 0.125x stock: round 1 0.171x: NOT met$' good.out &&
    grep -q -- '-z image <= 0.125x stock: round 2 0.119x: met$' good.out
check bench-host-report/size-targets $? "$(grep 'image <=' good.out | tr '\n' '|')"
grep -q 'xl save not slower than stock (mean): 0.52x: met$' good.out &&
    grep -q 'xl migrate not slower than stock (mean): 1.05x: NOT met$' good.out
check bench-host-report/time-targets $? "$(grep 'not slower' good.out | tr '\n' '|')"

# refused NAME FILE PATTERN: exit 1 and a message matching PATTERN.
refused() {
    local out rc
    out=$(bash "$REPORT" "$2" 2>&1)
    rc=$?
    [ $rc = 1 ] && echo "$out" | grep -q -- "$3"
    check "bench-host-report/$1" $? "exit $rc: $(echo "$out" | head -1)"
}
{ head -3 good.raw; echo "round 1 op save variant stock secs 2.4"; } > short.raw
refused refuses-short-line short.raw 'short.raw line 4: not a bench line'
{ head -3 good.raw; line 1 verify stock 2.40 1 1 -; } > op.raw
refused refuses-unknown-operation op.raw 'op.raw line 4: unknown operation verify'
{ line x save ours 1.0 1 1 -; } > round.raw
refused refuses-bad-round round.raw 'round.raw line 1: bad round or seconds'
grep -v ' stock ' good.raw > nostock.raw
refused refuses-without-stock nostock.raw 'needs both the stock and the ours variant'
: > empty.raw
refused refuses-empty empty.raw 'missing or empty'

exit $((fails > 0))
