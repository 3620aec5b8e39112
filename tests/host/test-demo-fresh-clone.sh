#!/bin/bash
# test-demo-fresh-clone: every preparation step of `make demo` would find
# what it needs in a fresh clone.
#
# The demo once asked make for "build/bin/xen-stream", a name the
# Makefile only knew as an absolute path: on a developer's machine the file
# existed and make was content, on every fresh clone the step failed.  So
# this runs in a copy of the tracked files only (what a clone has, with
# the working tree's edits), with no build/:
#  - each `$MAKE -C "$TOP" ... TARGET` of host/demo.sh: `make -n TARGET`
#    must know a rule for it;
#  - each "$TOP/PATH" that host/demo.sh runs or reads must be a tracked
#    file.
# One PASS/FAIL line per target and path.
#
#   test-demo-fresh-clone.sh [DEMO_SCRIPT]   (default: host/demo.sh)
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/report.sh"
demo=${1:-$TOP/host/demo.sh}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$tmp" 2>/dev/null)
[ -f "$tmp/Makefile" ] || { report host/demo-fresh-clone/copy 1 "cannot copy the tracked files of $TOP"; exit 1; }
# configure's output, so that make -n does not have to bootstrap it.
for f in config.mk configure config.status; do
    [ -e "$TOP/$f" ] && cp -p "$TOP/$f" "$tmp/$f"
done

targets=$(grep -oE '\$MAKE -C "\$TOP"( --?[a-z-]+)* [A-Za-z0-9_./-]+' "$demo" | awk '{ print $NF }' | sort -u)
paths=$(grep -oE '"\$TOP/[A-Za-z0-9_./-]+"' "$demo" | sed 's/^"\$TOP\///; s/"$//' | sort -u)
[ -n "$targets" ] || { report host/demo-fresh-clone/targets 1 "no make targets found in $demo"; exit 1; }

failed=0
for t in $targets; do
    out=$(make -C "$tmp" -n --no-print-directory "$t" 2>&1 >/dev/null)
    if echo "$out" | grep -q "No rule to make target"; then
        report "host/demo-fresh-clone/make-$t" 1 "$(echo "$out" | grep -m1 'No rule')"
        failed=1
    else
        report "host/demo-fresh-clone/make-$t" 0 "make knows $t in a fresh clone"
    fi
done
for p in $paths; do
    case $p in build/*) continue ;; esac   # made by the demo's own steps
    if [ -f "$tmp/$p" ]; then
        report "host/demo-fresh-clone/file-$p" 0
    else
        report "host/demo-fresh-clone/file-$p" 1 "host/demo.sh uses $p, which is not a tracked file"
        failed=1
    fi
done
exit $failed
