#!/bin/bash
# The table of `make bench-host` (tests/bench/bench-host-report.sh), from
# raw figures written here: means, minimums and ratios to stock per
# operation, sizes of the first and last round with their ratios, the size
# and time targets judged met or not, and refusals of malformed input
# naming the line; the two-host table (--h2h) with downtime and pause,
# issue 12's and 13's targets, and from a run directory a table per guest
# (the PV guest's, the HVM guest's).
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
grep -q '^xl save  *1\.30 s (1\.20)  *1\.00 s (1\.00)  *2\.50 s (2\.40)  *0\.52x  *0\.40x' good.out
check bench-host-report/save-mean-min-ratio $? "$(grep '^xl save' good.out)"
grep -q '^xl migrate  *2\.10 s (2\.00)  *2\.50 s (2\.50)  *2\.00 s (1\.00)  *1\.05x  *1\.25x' good.out
check bench-host-report/migrate-mean-min-ratio $? "$(grep '^xl migrate' good.out)"

# Sizes per round against stock's of the same round, zero pages counted.
grep -q '^save image  *round 1 (guest up 30 s):  ours 64\.0 MB (0\.48x) \[17000 zero pages left out\]  ours-z 23\.0 MB (0\.17x)  stock 134\.5 MB$' good.out
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

# Equal sums of 0.1 s figures in another order (5.0+5.3+5.1 against
# 5.0+5.2+5.2, the HVM bench's saves) are level, not slower.
{
    line 1 save ours 5.0 1 1 -; line 1 save stock 5.0 2 1 -
    line 2 save ours 5.3 1 1 -; line 2 save stock 5.2 2 1 -
    line 3 save ours 5.1 1 1 -; line 3 save stock 5.2 2 1 -
} > level.raw
bash "$REPORT" level.raw 2>&1 | grep -q 'xl save not slower than stock (mean): 1.00x: met$'
check bench-host-report/level-is-not-slower $? "$(bash "$REPORT" level.raw 2>&1 | grep 'not slower')"

# refused NAME PATTERN ARG...: the report of ARG... exits 1 with a
# message matching PATTERN.
refused() {
    local name=$1 pat=$2 out rc
    shift 2
    out=$(bash "$REPORT" "$@" 2>&1)
    rc=$?
    [ $rc = 1 ] && echo "$out" | grep -q -- "$pat"
    check "bench-host-report/$name" $? "exit $rc: $(echo "$out" | head -1)"
}
{ head -3 good.raw; echo "round 1 op save variant stock secs 2.4"; } > short.raw
refused refuses-short-line 'short.raw line 4: not a bench line' short.raw
{ head -3 good.raw; line 1 verify stock 2.40 1 1 -; } > op.raw
refused refuses-unknown-operation 'op.raw line 4: unknown operation verify' op.raw
{ line x save ours 1.0 1 1 -; } > round.raw
refused refuses-bad-round 'round.raw line 1: bad round or seconds' round.raw
grep -v ' stock ' good.raw > nostock.raw
refused refuses-without-stock 'needs both the stock and the ours variant' nostock.raw
: > empty.raw
refused refuses-empty 'missing or empty' empty.raw

# --strace: time per process of an strace -f -tt -T trace, the process
# named by what it executed, a blocked read counted where it resumed.
cat > save.trace <<'TRACE'
100 12:00:00.000000 execve("/usr/sbin/xl", ["xl", "save"], 0x7ffd /* 20 vars */) = 0 <0.000500>
100 12:00:00.010000 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f) = 101 <0.000300>
101 12:00:00.011000 execve("/usr/lib/xen/bin/libxl-save-helper", ["libxl-save-helper"], 0x7ff) = 0 <0.000400>
100 12:00:00.012000 read(5,  <unfinished ...>
101 12:00:00.020000 ioctl(3, _IOC(0, 0x50, 0, 0x28), 0x7ff) = 0 <0.200000>
101 12:00:00.300000 writev(1, [{iov_base="..", iov_len=8}], 2) = 4104 <0.100000>
101 12:00:00.400000 writev(1, [{iov_base="..", iov_len=8}], 2) = 4104 <0.150000>
101 12:00:01.000000 +++ exited with 0 +++
100 12:00:01.010000 <... read resumed>"x", 1) = 1 <0.998000>
100 12:00:01.020000 write(2, "done\n", 5) = 5 <0.000100>
TRACE
bash "$REPORT" --strace save.trace > trace.out 2>&1
rc=$?
[ $rc = 0 ] &&
    grep -q '^100  *xl  *1\.020  *0\.999  *0\.021  read 0\.998 (1)' trace.out &&
    grep -q '^101  *libxl-save-helper  *0\.989  *0\.450  *0\.539  writev 0\.250 (2)  ioctl 0\.200 (1)' trace.out
check bench-host-report/strace-per-process $? "exit $rc: $(tr '\n' '|' < trace.out)"
echo 'no trace here' > notrace.txt
refused strace-refuses-non-trace 'no strace -f -tt -T lines' --strace notrace.txt

# --h2h: the two-host migrations, a file per direction, against a base
# variant; downtime and pause fields; the --data-port targets judged.
h2h() { echo "round $1 op migrate variant $2 secs $3 octets - age 10 xalloc -$4"; }
{
    h2h 1 stock-ssh 300.0 " pause 2000"
    h2h 1 ours-tls 30.0 " down 900 pause 1000"
    h2h 2 ours-tls 20.0 " down 700 pause 800"
    h2h 1 ours-tls-z 100.0 " down 2900 pause 3000"
} > ab.raw
{
    h2h 1 stock-ssh 200.0 " pause 3000"
    h2h 1 ours-tls 40.0 " down 1100 pause 1200"
    h2h 2 ours-tls 30.0 " down 1300 pause 1400"
    h2h 1 ours-tls-z 100.0 " down 2900 pause 3200"
} > ba.raw
bash "$REPORT" --h2h stock-ssh ab.raw ba.raw > h2h.out 2>&1
rc=$?
[ $rc = 0 ] &&
    grep -q '^ours-tls  *25\.0 (20\.0)  *35\.0 (30\.0)  *30\.0  *0\.12x  *1000 (1300)  *1100 (1400)  *4$' h2h.out &&
    grep -q '^stock-ssh  *300\.0 (300\.0)  *200\.0 (200\.0)  *250\.0  *1\.00x  *-  *2500 (3000)  *2$' h2h.out
check bench-host-report/h2h-per-variant $? "exit $rc: $(tr '\n' '|' < h2h.out)"
grep -q 'ours-tls at least 3x faster: 8\.3x: met$' h2h.out &&
    grep -q 'ours-tls guest pause no larger: 1100 ms against 2500 ms: met$' h2h.out &&
    grep -q 'ours-tls-z at least 3x faster: 2\.5x: NOT met$' h2h.out &&
    grep -q 'ours-tls-z guest pause no larger: 3100 ms against 2500 ms: NOT met$' h2h.out
check bench-host-report/h2h-targets $? "$(grep -A9 '^targets' h2h.out | tr '\n' '|')"
# The base timed A -> B only (XS_BENCH_H2H_ONEWAY): compared that way.
grep -v stock-ssh ba.raw > ba-oneway.raw
bash "$REPORT" --h2h stock-ssh ab.raw ba-oneway.raw > oneway.out 2>&1
rc=$?
[ $rc = 0 ] &&
    grep -q '^ours-tls  *25\.0 (20\.0)  *35\.0 (30\.0)  *30\.0  *0\.08x ' oneway.out &&
    grep -q 'ours-tls at least 3x faster: 12\.0x: met$' oneway.out &&
    grep -q 'ours-tls guest pause no larger: 900 ms against 2000 ms: met$' oneway.out
check bench-host-report/h2h-base-one-way $? "exit $rc: $(tr '\n' '|' < oneway.out)"
# Against a variant of ours (the demo's ssh/--data-port comparison): the
# ratios, no stock targets.
bash "$REPORT" --h2h ours-tls-z ab.raw ba.raw > ourbase.out 2>&1
rc=$?
[ $rc = 0 ] && grep -q '^ours-tls  *25\.0 (20\.0)  *35\.0 (30\.0)  *30\.0  *0\.30x ' ourbase.out &&
    ! grep -q 'targets' ourbase.out
check bench-host-report/h2h-no-targets-against-ours $? "exit $rc: $(tr '\n' '|' < ourbase.out)"
# The directory of a two-host run: each host's sent migrations joined
# with the pauses the other host's guest saw, by round and variant.
mkdir -p run/a/results run/b/results
sed 's/ pause [0-9]*$//' ab.raw > run/a/results/bench-h2h.raw
sed 's/ pause [0-9]*$//' ba.raw > run/b/results/bench-h2h.raw
sed -n 's/^round \([0-9]*\) .* variant \([^ ]*\) .* pause \([0-9]*\)$/round \1 variant \2 pause \3/p' ab.raw > run/b/results/bench-h2h.pause
sed -n 's/^round \([0-9]*\) .* variant \([^ ]*\) .* pause \([0-9]*\)$/round \1 variant \2 pause \3/p' ba.raw > run/a/results/bench-h2h.pause
bash "$REPORT" --h2h stock-ssh run > rundir.out 2>&1
[ "$(head -1 rundir.out)" = "128 MiB PV guest, xl migrate A <-> B:" ] &&
    tail -n +2 rundir.out | cmp -s - h2h.out
check bench-host-report/h2h-run-dir $? "$(head -1 rundir.out); $(tail -n +2 rundir.out | diff h2h.out - | head -4 | tr '\n' '|')"
: > run/b/results/bench-h2h.pause
bash "$REPORT" --h2h stock-ssh run > nopause.out 2>&1 &&
    grep -q '^stock-ssh .*  -  *3000 (3000)' nopause.out
check bench-host-report/h2h-run-dir-pause-by-direction $? "$(tr '\n' '|' < nopause.out)"
# Issue 12's targets between two hosts: each variant of ours against
# stock over the same transport, -z by how many times faster.
{
    h2h 1 stock 10.0 " pause 900"; h2h 1 ours 5.0 " down 100 pause 300"
    h2h 1 ours-z 3.0 " down 100 pause 300"; h2h 1 stock-ssh 20.0 " pause 900"
    h2h 1 ours-ssh 30.0 " down 100 pause 300"
} > t12ab.raw
{
    h2h 1 stock 20.0 " pause 900"; h2h 1 ours 25.0 " down 100 pause 300"
    h2h 1 ours-z 3.0 " down 100 pause 300"; h2h 1 stock-ssh 20.0 " pause 900"
    h2h 1 ours-ssh 10.0 " down 100 pause 300"
} > t12ba.raw
bash "$REPORT" --h2h stock-ssh t12ab.raw t12ba.raw > t12.out 2>&1
rc=$?
[ $rc = 0 ] &&
    grep -q '^  ours not slower than stock: 1\.00x (A -> B 0\.50x, B -> A 1\.25x): met$' t12.out &&
    grep -q '^  ours-z at least 3x faster than stock: 5\.00x (A -> B 3\.33x, B -> A 6\.67x): met$' t12.out &&
    grep -q '^  ours-ssh not slower than stock-ssh: 1\.00x (A -> B 1\.50x, B -> A 0\.50x): met$' t12.out &&
    ! grep -q 'issue 13' t12.out
check bench-host-report/h2h-issue12-targets $? "exit $rc: $(grep -A4 'issue 12' t12.out | tr '\n' '|')"
sed 's/variant ours-z secs 3\.0/variant ours-z secs 9.0/' t12ba.raw > t12ba-slow.raw
sed 's/variant ours secs 25\.0/variant ours secs 25.2/' t12ba-slow.raw > t12ba-slow2.raw
bash "$REPORT" --h2h stock t12ab.raw t12ba-slow2.raw > t12slow.out 2>&1
grep -q '^  ours-z at least 3x faster than stock: 2\.50x (A -> B 3\.33x, B -> A 2\.22x): NOT met$' t12slow.out &&
    grep -q '^  ours not slower than stock: 1\.01x .*: NOT met$' t12slow.out
check bench-host-report/h2h-issue12-not-met $? "$(grep -A4 'issue 12' t12slow.out | tr '\n' '|')"

# A run directory with the HVM guest's figures beside the PV guest's:
# a table for each, the HVM one with its own rows and targets.
mkdir -p both/a/results both/b/results
cp run/a/results/bench-h2h.* both/a/results/
cp run/b/results/bench-h2h.* both/b/results/
split_run() {  # split_run AB.RAW BA.RAW DIR STEM: as bench-h2h.sh writes them
    sed 's/ pause [0-9]*$//' "$1" > "$3/a/results/$4.raw"
    sed 's/ pause [0-9]*$//' "$2" > "$3/b/results/$4.raw"
    sed -n 's/^round \([0-9]*\) .* variant \([^ ]*\) .* pause \([0-9]*\)$/round \1 variant \2 pause \3/p' "$1" > "$3/b/results/$4.pause"
    sed -n 's/^round \([0-9]*\) .* variant \([^ ]*\) .* pause \([0-9]*\)$/round \1 variant \2 pause \3/p' "$2" > "$3/a/results/$4.pause"
}
split_run t12ab.raw t12ba.raw both bench-h2h-hvm
bash "$REPORT" --h2h stock-ssh both > both.out 2>&1
rc=$?
# (The HVM section: from its heading to the end.)
sed -n '/^128 MiB HVM guest (16 MiB of it video RAM), xl migrate A <-> B:$/,$p' both.out > both-hvm.out
[ $rc = 0 ] &&
    grep -q '^128 MiB PV guest, xl migrate A <-> B:$' both.out &&
    grep -q '^ours-tls  *25\.0 (20\.0)  *35\.0 (30\.0)  *30\.0  *0\.12x' both.out &&
    grep -q '^ours-z  *3\.0 (3\.0)  *3\.0 (3\.0)  *3\.0  *0\.15x  *100 (100)  *300 (300)  *2$' both-hvm.out &&
    grep -q '^stock  *10\.0 (10\.0)  *20\.0 (20\.0)  *15\.0  *0\.75x  *-  *900 (900)  *2$' both-hvm.out &&
    grep -q '^ours-ssh  *30\.0 (30\.0)  *10\.0 (10\.0)  *20\.0  *1\.00x ' both-hvm.out &&
    grep -q '^  ours-z at least 3x faster than stock: 5\.00x' both-hvm.out &&
    ! grep -q '^ours-tls' both-hvm.out
check bench-host-report/h2h-run-dir-hvm-table $? "exit $rc: $(tr '\n' '|' < both.out | cut -c1-600)"
# The HVM guest alone (make bench-host BENCH_H2H_GUESTS=hvm).
mkdir -p hvmonly/a/results hvmonly/b/results
split_run t12ab.raw t12ba.raw hvmonly bench-h2h-hvm
bash "$REPORT" --h2h stock-ssh hvmonly > hvmonly.out 2>&1
rc=$?
[ $rc = 0 ] && [ "$(head -1 hvmonly.out)" = "128 MiB HVM guest (16 MiB of it video RAM), xl migrate A <-> B:" ] &&
    ! grep -q 'PV guest' hvmonly.out && grep -q '^ours-z  *3\.0 (3\.0)' hvmonly.out
check bench-host-report/h2h-run-dir-hvm-only $? "exit $rc: $(head -3 hvmonly.out | tr '\n' '|')"
rm both/b/results/bench-h2h-hvm.raw
refused h2h-refuses-run-dir-hvm-one-side 'both/b/results/bench-h2h-hvm.raw: missing or empty' --h2h stock-ssh both
refused h2h-refuses-run-dir-without-raw 'nothing/a/results/bench-h2h.raw: missing or empty' --h2h stock-ssh nothing
refused h2h-refuses-without-base 'no stock migrations in ab.raw' --h2h stock ab.raw ba.raw
{ h2h 1 stock-ssh 1.0 " paws 3"; } > field.raw
refused h2h-refuses-unknown-field 'field.raw line 1: unknown field paws' --h2h stock-ssh field.raw ba.raw
{ h2h 1 stock-ssh 1.0 " down x"; } > value.raw
refused refuses-bad-down 'value.raw line 1: bad down: x' value.raw
refused h2h-refuses-missing-direction 'nothing.raw: missing or empty' --h2h stock-ssh ab.raw nothing.raw

exit $((fails > 0))
