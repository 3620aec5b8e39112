#!/bin/bash
# The committed real seeds (tests/fuzz/seeds-real/, reduced images from the
# emulated host) must stay valid: `xen-stream verify` accepts every *.img
# and *.libxc, and the set is there at all (at least MIN_SEEDS images).
# A codec change that rejects what real Xen wrote fails here.
#
# Environment: RESULTS (log), XEN_STREAM, MIN_SEEDS (default 3), SEEDS_DIR
# (default: the committed ones).
set -u
. "$(dirname "$0")/../lib/report.sh"
dir=${SEEDS_DIR:-$(dirname "$0")/seeds-real}
fails=0 n=0
for f in "$dir"/*.img "$dir"/*.libxc; do
    [ -f "$f" ] || continue
    case $f in *.img) n=$((n + 1)) ;; esac
    out=$("$XEN_STREAM" verify "$f" 2>&1); rc=$?
    case "$out" in *AddressSanitizer*|*"runtime error"*) rc=3 ;; esac
    report "seeds-real/$(basename "$f")" $rc "exit $rc: $(echo "$out" | tail -1 | sed 's|^.*/||' | cut -c1-150)"
    [ $rc = 0 ] || fails=$((fails + 1))
done
[ "$n" -ge "${MIN_SEEDS:-3}" ]; ok=$?
report "seeds-real/count" $ok "$n images, want at least ${MIN_SEEDS:-3}"
[ $ok = 0 ] || fails=$((fails + 1))
[ $fails = 0 ]
