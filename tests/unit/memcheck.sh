#!/bin/bash
# The test guest's memory checker (host/guest/memcheck.c), on this machine:
# its self-test (every kind of corrupted page is caught and named), then
# the real loop: clean passes, corruption injected behind its back caught
# on the next pass and reported on every pass after it, a pause measured as
# a gap, and usage errors.
#
# Environment: RESULTS (log), MEMCHECK (the program, sanitized build), WORK.
set -u
UNIT_FRESH_WORK=1
. "$(dirname "$0")/../lib/unit-script.sh"
MC=$MEMCHECK

# The self-test prints its own PASS:/FAIL: lines.
"$MC" --selftest > selftest.out 2>&1
rc=$?
cat selftest.out
grep -E '^(PASS|FAIL): ' selftest.out >> "$RESULTS"
n=$(grep -c '^PASS: ' selftest.out)
[ $rc = 0 ] && [ "$n" -ge 10 ] && ! grep -q '^FAIL: ' selftest.out
check memcheck/selftest-ran $? "exit $rc, $n checks passed"

# Three clean passes over 256 pages: numbered 1..3, nothing BAD, exit 0.
"$MC" --pages 256 --passes 3 > clean.out 2> clean.err
rc=$?
[ $rc = 0 ] && head -1 clean.out | grep -q '^mem start pages 256 zero [0-9]* seed ' &&
    [ "$(sed -n 's/^mem ok pass \([0-9]*\) gen [0-9]* zero [0-9]*\/256 cpu [0-9]* ms$/\1/p' clean.out | tr '\n' ' ')" = "1 2 3 " ] &&
    ! grep -q BAD clean.out
check memcheck/loop-clean-passes $? "exit $rc: $(tail -1 clean.out)"

# The generation goes up from pass to pass: the loop changes pages.
g1=$(sed -n 's/^mem ok pass 1 gen \([0-9]*\) .*/\1/p' clean.out)
g3=$(sed -n 's/^mem ok pass 3 gen \([0-9]*\) .*/\1/p' clean.out)
[ -n "$g1" ] && [ -n "$g3" ] && [ "$g3" -gt "$g1" ]
check memcheck/loop-changes-pages $? "gen $g1 at pass 1, $g3 at pass 3"

# Corruption injected after pass 2 (a data page zeroed, a zero page given a
# word): pass 3 names both pages and says BAD, pass 4 (all repaired) still
# says BAD, and the exit status is 1.
"$MC" --pages 256 --passes 4 --seed 7 --inject-at-pass 2 > inject.out 2> inject.err
rc=$?
zeroed=$(sed -n 's/.*injected: page \([0-9]*\) zeroed.*/\1/p' inject.err)
given=$(sed -n 's/.*, page \([0-9]*\) given a non-zero word.*/\1/p' inject.err)
[ $rc = 1 ] && [ -n "$zeroed" ] && [ -n "$given" ] &&
    grep -q "^mem ok pass 2 " inject.out &&
    grep -q "^mem BAD page $zeroed: want gen [0-9]*, got zeros$" inject.out &&
    grep -q "^mem BAD page $given: want zeros, got word 511 = 0x0000000000000001 " inject.out &&
    grep -q "^mem BAD pass 3 wrong 2 total 2 " inject.out &&
    grep -q "^mem BAD pass 4 wrong 0 total 2 " inject.out &&
    [ "$(grep -c '^mem ok' inject.out)" = 2 ]
check memcheck/loop-catches-injected-corruption $? "exit $rc: $(grep -c '^mem BAD' inject.out) BAD lines"

# Stopped for 0.6 s (as a paused guest is): one gap line of at least
# 500 ms, and the memory still checks out.
"$MC" --pages 256 --passes 4 > gap.out 2>&1 &
pid=$!
sleep 1.5
kill -STOP $pid
sleep 0.6
kill -CONT $pid
wait $pid
rc=$?
gap=$(sed -n 's/^mem gap \([0-9]*\) ms realtime \([0-9]*\) ms pass [0-9]* largest [0-9]* ms$/\1/p' gap.out | sort -n | tail -1)
[ $rc = 0 ] && [ -n "$gap" ] && [ "$gap" -ge 500 ] && [ "$gap" -lt 5000 ] &&
    grep -q '^mem ok pass 4 ' gap.out
check memcheck/loop-measures-a-pause $? "exit $rc, gap ${gap:-none} ms"

# Usage errors: exit 2 and a message naming the option.
"$MC" --pages 5 > /dev/null 2> usage1.err
rc1=$?
"$MC" --pages 99999999 > /dev/null 2> usage2.err
rc2=$?
"$MC" --bogus > /dev/null 2> usage3.err
rc3=$?
[ $rc1 = 2 ] && [ $rc2 = 2 ] && [ $rc3 = 2 ] &&
    grep -q -- '--pages: a number from 10 to' usage1.err &&
    grep -q -- '--pages: a number from 10 to' usage2.err &&
    grep -q '^usage: memcheck' usage3.err
check memcheck/usage-errors $? "exits $rc1 $rc2 $rc3"

exit $((fails > 0))
