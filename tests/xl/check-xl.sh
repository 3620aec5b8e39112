#!/bin/bash
# The check-xl stage: the xl glue (tools/xl/) is what the patched build
# runs, and it is our own code.
#
#  (a) the patched tree's tools/xl/ holds exactly our drop-ins;
#  (b) the patched xl binary carries our code (a string each drop-in
#      embeds) and none of the messages peculiar to upstream's
#      xl_saverestore.c / xl_migrate.c, while the stock xl does carry them
#      (so the check can fail);
#  (c) no run of 8 or more similar lines shared with upstream's
#      xl_saverestore.c, xl_migrate.c or xl_vmcontrol.c (tests/xl/similarity.py,
#      against the unpatched tree of the stock build);
#  (d) the messages of the migration handshake and the save-file magic are in
#      both binaries (they come from xl.h, shared with stock xl: the wire
#      protocol is theirs).
#
# The behaviour on failures is tested in the emulated host
# (host/scenarios/xl-fail-*.sh, stage check-host).
set -u
TOP=${TOP:?} BUILD=${BUILD:?}
RESULTS_DIR=${RESULTS:-$BUILD/results}
mkdir -p "$RESULTS_DIR"
RESULTS=$RESULTS_DIR/check-xl.log
. "$TOP/tests/lib/report.sh"

OURS_DIR=$TOP/tools/xl
PATCHED=$BUILD/xen
STOCK=$BUILD/xen-stock
XL=$PATCHED/dist/usr/sbin/xl
STOCK_XL=$STOCK/dist/usr/sbin/xl

OUR_STRINGS=(
    "xenstream xl save/restore drop-in"
    "xenstream xl migrate drop-in"
)
# Only in upstream's xl_saverestore.c / xl_migrate.c.
UPSTREAM_STRINGS=(
    "Domain state is now undefined"
    "Failed to open temp file %s for writing"
    "Failed to save domain, resuming domain"
    "not exiting, no longer waiting (exit status will be unreported)"
    "migrate_do_preamble: invalid file descriptors"
)
# From xl.h: the wire protocol, shared.
WIRE_STRINGS=(
    "xl migration receiver ready, send binary domain data."
    "domain received, ready to unpause"
    "domain is yours, you are cleared to unpause"
    "my copy unpause results are as follows"
    "Xen saved domain, xl format"
)

has() { grep -qaF -- "$2" "$1"; }

report "xen (patched) built" "${XEN_RC:-1}"
report "xen-stock built" "${XEN_STOCK_RC:-1}"

# ---- (a) ----
bad=
for f in "$OURS_DIR"/*.[ch]; do
    cmp -s "$f" "$PATCHED/src/tools/xl/$(basename "$f")" || bad="$bad $(basename "$f")"
done
report "patched tree's tools/xl has our drop-ins" "$([ -z "$bad" ] && echo 0 || echo 1)" ${bad:+differ:$bad}

# ---- (b) ----
if [ -x "$XL" ] && [ -x "$STOCK_XL" ]; then
    for s in "${OUR_STRINGS[@]}"; do
        has "$XL" "$s"; report "patched xl carries '$s'" $?
        ! has "$STOCK_XL" "$s"; report "stock xl lacks '$s'" $?
    done
    for s in "${UPSTREAM_STRINGS[@]}"; do
        if has "$STOCK_XL" "$s"; then
            ! has "$XL" "$s"; report "patched xl lacks upstream's '$s'" $?
        else
            report "stock xl has upstream's '$s' (list stale?)" 1
        fi
    done
    for s in "${WIRE_STRINGS[@]}"; do
        has "$XL" "$s" && has "$STOCK_XL" "$s"
        report "both xl binaries carry the wire message '$s'" $?
    done
else
    report "xl binaries exist ($XL, $STOCK_XL)" 1
fi

# ---- (c) ----
up=$STOCK/src/tools/xl
if [ -f "$up/xl_migrate.c" ]; then
    out=$(python3 "$TOP/tests/xl/similarity.py" "$OURS_DIR"/*.c -- \
          "$up/xl_saverestore.c" "$up/xl_migrate.c" "$up/xl_vmcontrol.c" 2>&1)
    rc=$?
    report "no run of 8+ lines similar to upstream's xl_saverestore.c/xl_migrate.c/xl_vmcontrol.c" \
        $rc ${out:+$(echo "$out" | head -3 | tr '\n' ' ')}
    # The checker must be able to fail: upstream against itself.
    python3 "$TOP/tests/xl/similarity.py" "$up/xl_saverestore.c" -- "$up/xl_saverestore.c" > /dev/null
    [ $? = 1 ]; report "similarity check finds upstream's file in itself" $?
else
    report "unpatched upstream tree at $up" 1
fi
exit 0
