#!/bin/bash
# Line and branch coverage of our libxl stream reader and writer by the
# in-process suite (run.sh must have run; its binaries are built with
# --coverage), printed and held to a floor: the figures reached when the
# floor was set, rounded down a little.  Raise a floor when a new test
# raises the figure; never lower one to make a change pass.
#
# Environment: RESULTS (log), INPROC (build dir), SRC (tools/libxl).
set -u
. "$(dirname "$0")/../lib/report.sh"

#        file                  lines  branches (taken at least once)
FLOORS="libxl_stream_read.c    89     70
libxl_stream_write.c           84     58"

work=$INPROC/gcov
rm -rf "$work"; mkdir -p "$work"; cd "$work" || exit 1
bad=0
while read -r file lines_floor branches_floor; do
    out=$(gcov -b -o "$INPROC/cov" "$SRC/$file" 2>&1 |
          awk -v f="$SRC/$file" '$0 == "File '"'"'" f "'"'"'" { on = 1; next }
                                 /^File / { on = 0 }
                                 on && /^Lines executed:/ { print "lines", $0 }
                                 on && /^Taken at least once:/ { print "branches", $0 }')
    lines=$(echo "$out" | sed -n 's/^lines Lines executed:\([0-9.]*\)% of \([0-9]*\)/\1 \2/p')
    branches=$(echo "$out" | sed -n 's/^branches Taken at least once:\([0-9.]*\)% of \([0-9]*\)/\1 \2/p')
    if [ -z "$lines" ] || [ -z "$branches" ]; then
        report "coverage/$file" 1 "no coverage data (did the suite run?)"
        bad=1; continue
    fi
    set -- $lines $branches
    echo "coverage: $file: lines $1% of $2, branches taken $3% of $4 (floors $lines_floor% and $branches_floor%)"
    awk -v v=$1 -v f=$lines_floor 'BEGIN { exit !(v >= f) }'; ok=$?
    report "coverage/$file/lines-at-least-$lines_floor%" $ok "$1% of $2 lines"
    [ $ok = 0 ] || bad=1
    awk -v v=$3 -v f=$branches_floor 'BEGIN { exit !(v >= f) }'; ok=$?
    report "coverage/$file/branches-at-least-$branches_floor%" $ok "$3% of $4 branches taken"
    [ $ok = 0 ] || bad=1
done <<< "$FLOORS"
exit $bad
