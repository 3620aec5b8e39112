#!/bin/bash
# Checks that the Xen build wiring does what it claims:
#
#  (a) xen-patches/series applies to a fresh tree without fuzz or rejects;
#  (b) the patched tree has no upstream stream files left, nothing includes
#      upstream's format header, and the build tree holds exactly our
#      drop-ins under upstream's names;
#  (c) the patched libxenlight.so carries the codec and none of the strings
#      peculiar to upstream's stream code, while stock's does carry them
#      (so this check is known to be able to fail);
#  (d) the pinned tarball verifies, and a corrupted copy is refused.
#
# Run by `make check-xen`, which builds xen and xen-stock first and passes
# their exit statuses in XEN_RC and XEN_STOCK_RC.
set -u

TOP=${TOP:?} BUILD=${BUILD:?}
RESULTS_DIR=${RESULTS:-$BUILD/results}
mkdir -p "$RESULTS_DIR"
RESULTS=$RESULTS_DIR/check-xen.log
. "$TOP/tests/lib/report.sh"

FETCH=$TOP/scripts/fetch-xen-source.sh
SERIES_DIR=$TOP/xen-patches
DROPINS=${XEN_DROPIN_DIR:-$TOP/tools/libxl}
PATCHED=$BUILD/xen
STOCK=$BUILD/xen-stock
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/check-xen.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

LIGHT=tools/libs/light
UPSTREAM_FILES="libxl_stream_read.c libxl_stream_write.c libxl_sr_stream_format.h"

# Messages that only upstream's libxl_stream_read.c / libxl_stream_write.c
# contain (checked against the stock build below, so a stale list shows up
# as a failure rather than as a vacuous pass).
UPSTREAM_STRINGS=(
    "Unable to handle big endian streams"
    "Received a xenstore emulator record when none was expected"
    "Emulator xenstore data record too short to contain header"
    "Unrecognised record 0x%08x"
    "Unknown emulator for HVM domain"
    "domain did not respond to suspend request"
)
# Texts from our codec (libxl__sr_strerror) that upstream has nowhere.
OUR_STRINGS=(
    "unknown mandatory record type"
    "record out of sequence"
)

report "xen-stock builds and installs" "${XEN_STOCK_RC:-1}"
report "xen (patched) builds and installs" "${XEN_RC:-1}"

# ---- (a) the series applies cleanly ----
fresh=$SCRATCH/fresh
if "$FETCH" --unpack "$fresh" 2>"$SCRATCH/fetch.err"; then
    ok=0; detail=""
    patches=$(sed -e 's/#.*//' "$SERIES_DIR/series" 2>/dev/null)
    [ -n "$patches" ] || { ok=1; detail="series empty or missing"; }
    for p in $patches; do
        if ! out=$(patch -d "$fresh" -p1 --fuzz=0 --no-backup-if-mismatch \
                   -r "$SCRATCH/rej" < "$SERIES_DIR/$p" 2>&1); then
            ok=1; detail="$p: $(echo "$out" | grep -iE 'fail|reject|error|missing' | head -1)"
            break
        fi
    done
    report "xen-patches/series applies to a fresh tree (fuzz 0)" $ok $detail
else
    report "fresh tree unpacks" 1 "$(tail -1 "$SCRATCH/fetch.err")"
    ok=1
fi
series_ok=$ok

# ---- (b) no upstream stream code in the patched tree ----
if [ $series_ok = 0 ]; then
    left=""
    for f in $UPSTREAM_FILES; do
        [ -e "$fresh/$LIGHT/$f" ] && left="$left $f"
    done
    report "patched tree has none of upstream's$(printf ' %s' $UPSTREAM_FILES)" \
        "$([ -z "$left" ]; echo $?)" ${left:+still there:$left}

    users=$(grep -rl --include='*.[ch]' 'libxl_sr_stream_format\.h' "$fresh/tools" |
            sed "s|$fresh/||")
    report "nothing in the patched tree includes libxl_sr_stream_format.h" \
        "$([ -z "$users" ]; echo $?)" $users
    grep -q '^#include "libxl_sr_codec.h"' "$fresh/$LIGHT/libxl_internal.h"
    report "libxl_internal.h includes libxl_sr_codec.h" $?
fi

if [ -d "$PATCHED/src/$LIGHT" ]; then
    [ ! -e "$PATCHED/src/$LIGHT/libxl_sr_stream_format.h" ]
    report "build/xen tree has no libxl_sr_stream_format.h" $?
    # Every drop-in is in the tree as it is in tools/libxl/, the required
    # ones included (a missing one fails here as well as in the build).
    for f in $( (cd "$DROPINS" && ls -- *.c *.h 2>/dev/null;
                 echo libxl_stream_read.c libxl_stream_write.c libxl_sr_codec.c libxl_sr_codec.h) |
               tr ' ' '\n' | sort -u); do
        cmp -s "$DROPINS/$f" "$PATCHED/src/$LIGHT/$f"
        report "build/xen $LIGHT/$f is our tools/libxl/$f" $?
    done
    # The xl glue's drop-ins (tools/xl/), copied over upstream's files.
    for f in $(cd "$TOP/tools/xl" 2>/dev/null && ls -- *.c *.h 2>/dev/null); do
        cmp -s "$TOP/tools/xl/$f" "$PATCHED/src/tools/xl/$f"
        report "build/xen tools/xl/$f is our tools/xl/$f" $?
    done
fi

# ---- (c) what the built libraries contain ----
stock_so=$STOCK/dist/usr/lib/libxenlight.so
ours_so=$PATCHED/dist/usr/lib/libxenlight.so
strings_of() { strings -a "$1" 2>/dev/null; }

if [ -e "$stock_so" ]; then
    strings_of "$stock_so" > "$SCRATCH/stock.strings"
    for s in "${UPSTREAM_STRINGS[@]}"; do
        grep -qF -- "$s" "$SCRATCH/stock.strings"
        report "stock libxenlight has upstream's \"$s\"" $?
    done
    for s in "${OUR_STRINGS[@]}"; do
        ! grep -qF -- "$s" "$SCRATCH/stock.strings"
        report "stock libxenlight lacks our \"$s\"" $?
    done
else
    report "stock libxenlight.so exists" 1 "$stock_so"
fi

if [ -e "$ours_so" ]; then
    strings_of "$ours_so" > "$SCRATCH/ours.strings"
    for s in "${UPSTREAM_STRINGS[@]}"; do
        ! grep -qF -- "$s" "$SCRATCH/ours.strings"
        report "patched libxenlight lacks upstream's \"$s\"" $?
    done
    for s in "${OUR_STRINGS[@]}"; do
        grep -qF -- "$s" "$SCRATCH/ours.strings"
        report "patched libxenlight has our \"$s\"" $?
    done
    # The public ABI is unchanged: every libxl_* (not libxl__*) symbol stock
    # exports, ours exports too.
    pub_syms() { nm -D --defined-only "$1" | awk '$3 ~ /^libxl_[^_]/ {print $3}' | sort; }
    if [ -e "$stock_so" ]; then
        pub_syms "$stock_so" > "$SCRATCH/stock.syms"
        pub_syms "$ours_so" > "$SCRATCH/ours.syms"
        missing=$(comm -23 "$SCRATCH/stock.syms" "$SCRATCH/ours.syms" | head -5)
        [ -s "$SCRATCH/stock.syms" ] && [ -z "$missing" ]
        report "patched libxenlight exports all $(wc -l < "$SCRATCH/stock.syms") public symbols of stock" $? $missing
    fi
    for b in usr/sbin/xl usr/lib/xen/bin/libxl-save-helper usr/sbin/xenstored \
             usr/sbin/xenconsoled usr/lib/xen/bin/xen-init-dom0; do
        [ -x "$PATCHED/dist/$b" ]
        report "patched dist has $b" $?
    done
else
    report "patched libxenlight.so exists" 1 "$ours_so"
fi

# The sanitizer build is not made here (it takes minutes); if it exists,
# its binaries must really carry the sanitizers.
asan=$BUILD/xen-asan/dist
if [ -x "$asan/usr/sbin/xl" ]; then
    for b in usr/sbin/xl usr/lib/xen/bin/libxl-save-helper; do
        ldd "$asan/$b" 2>/dev/null | grep -q 'libasan\.so' &&
            ldd "$asan/$b" 2>/dev/null | grep -q 'libubsan\.so'
        report "xen-asan $b links libasan and libubsan" $?
    done
    nm -D "$asan/usr/lib/libxenlight.so" 2>/dev/null | grep -q ' U __asan_report'
    report "xen-asan libxenlight.so is instrumented" $?
else
    echo "SKIP: xen-asan not built (make xen-asan)" | tee -a "$RESULTS"
fi

# ---- (d) the tarball checksum is enforced ----
tarball=$("$FETCH" --print-tarball)
"$FETCH" --verify "$tarball" 2>/dev/null
report "pinned tarball verifies" $?

bad=$SCRATCH/badcache
mkdir -p "$bad"
if cp "$tarball" "$bad/" 2>/dev/null; then
    # Flip one octet in the middle of the copy.
    f=$bad/$(basename "$tarball")
    size=$(stat -c %s "$f")
    printf '\x5a' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
    XEN_SRC_CACHE=$bad "$FETCH" --unpack "$SCRATCH/bad-tree" 2>"$SCRATCH/bad.err"
    rc=$?
    [ $rc = 2 ] && grep -q 'CHECKSUM MISMATCH' "$SCRATCH/bad.err" && [ ! -e "$SCRATCH/bad-tree" ]
    report "corrupted tarball is refused (exit 2, nothing unpacked)" $? "exit $rc"
    cmp -s "$f" "$tarball"
    [ $? != 0 ]
    report "corrupted copy was left alone, not replaced by a fetch" $?
else
    report "copy tarball for the corruption test" 1
fi

exit 0
