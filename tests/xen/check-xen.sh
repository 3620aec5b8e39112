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
#  (d) every shared library of the patched build exports exactly the
#      symbols (names, versions) stock's does (tests/xen/abi-diff.sh);
#  (e) the pinned tarball verifies, and a corrupted copy is refused.
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
    "the guest was resumed after the failed save"
    "libxl-restore-guardian"
)

report "xen-stock builds and installs" "${XEN_STOCK_RC:-1}"
report "xen (patched) builds and installs" "${XEN_RC:-1}"

# ---- (a) the series applies cleanly ----
# The same script as the build's patch stage: the patches, then the
# upstream files listed in xen-patches/remove-files deleted.
APPLY=$TOP/scripts/apply-xen-series.sh
fresh=$SCRATCH/fresh
if "$FETCH" --unpack "$fresh" 2>"$SCRATCH/fetch.err"; then
    XEN_PATCH_DIR=$SERIES_DIR "$APPLY" "$fresh" --fuzz=0 -r "$SCRATCH/rej" \
        > /dev/null 2> "$SCRATCH/apply.err"
    ok=$?
    report "xen-patches/series applies to a fresh tree (fuzz 0)" $ok \
        "$(tail -1 "$SCRATCH/apply.err")"
else
    report "fresh tree unpacks" 1 "$(tail -1 "$SCRATCH/fetch.err")"
    ok=1
fi
series_ok=$ok

# The patches carry only our own lines: a patch that deletes a whole
# upstream file would reproduce all of it (such files are listed in
# xen-patches/remove-files instead).
deleting=$(cd "$SERIES_DIR" && grep -l '^@@ -1,[0-9]* +0,0 @@' -- *.patch)
report "no patch in xen-patches/ deletes a whole upstream file" \
    "$([ -z "$deleting" ]; echo $?)" $deleting

# apply-xen-series.sh on a toy series: a listed file is removed, and one
# that is not in the tree stops it with its name.
toy=$SCRATCH/toy
mkdir -p "$toy/p" "$toy/t/d"
echo keep > "$toy/t/d/old.c"
printf '%s\n' '--- a/d/new.c' '+++ b/d/new.c' '@@ -0,0 +1 @@' '+ours' > "$toy/p/1.patch"
echo 1.patch > "$toy/p/series"
echo d/old.c > "$toy/p/remove-files"
XEN_PATCH_DIR=$toy/p "$APPLY" "$toy/t" > /dev/null 2>&1
rc=$?
[ $rc = 0 ] && [ -e "$toy/t/d/new.c" ] && [ ! -e "$toy/t/d/old.c" ]
report "apply-xen-series.sh applies a patch and removes a listed file" $? "exit $rc"
rm -rf "$toy/t"; mkdir -p "$toy/t/d"
echo d/gone.c >> "$toy/p/remove-files"
echo keep > "$toy/t/d/old.c"
err=$(XEN_PATCH_DIR=$toy/p "$APPLY" "$toy/t" 2>&1 >/dev/null)
rc=$?
[ $rc = 1 ] && echo "$err" | grep -q 'remove-files: d/gone.c is not in the tree'
report "apply-xen-series.sh fails naming a listed file the tree lacks" $? "exit $rc: $err"

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
    # The OS hook: Linux's is built into libxenlight.
    [ -e "$PATCHED/src/$LIGHT/libxl_sr_os_linux.o" ] &&
        [ ! -e "$PATCHED/src/$LIGHT/libxl_sr_os_other.o" ]
    report "build/xen built libxl_sr_os_linux.o and not libxl_sr_os_other.o" $?
    # The other OSes' hook is not built here, so libxenlight is linked
    # again with it, as the patched Makefile would on NetBSD or FreeBSD:
    # in a copy of tools/libs/light inside a tree of symbolic links to
    # build/xen (the Makefile finds Xen's root from its own directory, and
    # the real tree stays as it is), choosing the hook through the
    # Makefile's own variable so that it gets libxl's flags.
    xroot=$SCRATCH/xroot
    mkdir -p "$xroot/tools/libs"
    for e in "$PATCHED/src"/* "$PATCHED/src/tools"/* "$PATCHED/src/tools/libs"/*; do
        rel=${e#"$PATCHED/src/"}
        case $rel in tools|tools/libs|$LIGHT) continue ;; esac
        ln -s "$e" "$xroot/$rel"
    done
    cp -a "$PATCHED/src/$LIGHT" "$xroot/$LIGHT"
    rm -f "$xroot/$LIGHT"/libxenlight.so*
    other_so=$xroot/$LIGHT/libxenlight.so.4.17.0
    if env -u MAKEFLAGS -u MAKELEVEL make -s -C "$xroot/$LIGHT" \
           XENSTREAM_OBJS-OS-y=libxl_sr_os_other.o libxenlight.so.4.17.0 \
           > "$SCRATCH/other.log" 2>&1 && [ -e "$other_so" ]; then
        report "libxenlight links with libxl_sr_os_other.c in place of the Linux hook" 0
        readelf -sW "$xroot/$LIGHT/libxl_sr_os_other.opic" |
            awk '$8 == "libxl__sr_os_io_count" && $7 != "UND" {print $5, $6}' |
            grep -qx 'GLOBAL HIDDEN'
        report "libxl_sr_os_other.c defines libxl__sr_os_io_count, hidden" $?
        # The Linux hook's path is in the real library and not in this one.
        strings -a "$other_so" > "$SCRATCH/other.strings"
        strings -a "$PATCHED/src/$LIGHT/libxenlight.so.4.17.0" |
            grep -qF '/proc/%ld/io' &&
            ! grep -qF '/proc/%ld/io' "$SCRATCH/other.strings" &&
            grep -qF "this OS does not show how far libxc's helper has got" \
                "$SCRATCH/other.strings"
        report "that libxenlight has no /proc/PID/io (build/xen's has) and has the watchdog's warning" $?
        out=$("$TOP/tests/xen/abi-diff.sh" "$STOCK/dist/usr/lib/libxenlight.so" "$other_so" 2>&1)
        report "that libxenlight exports exactly what stock's does" $? "$(echo "$out" | tail -1)"
    else
        report "libxenlight links with libxl_sr_os_other.c in place of the Linux hook" 1 \
            "$(grep -m1 -E 'error|\*\*\*' "$SCRATCH/other.log")"
    fi
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
    for b in usr/sbin/xl usr/lib/xen/bin/libxl-save-helper usr/sbin/xenstored \
             usr/sbin/xenconsoled usr/lib/xen/bin/xen-init-dom0 \
             usr/lib/xen/bin/libxl-restore-guardian; do
        [ -x "$PATCHED/dist/$b" ]
        report "patched dist has $b" $?
    done
else
    report "patched libxenlight.so exists" 1 "$ours_so"
fi

# ---- (d) every library keeps stock's ABI ----
# The series must not change what any library exports: not libxenlight
# (our drop-ins' names are all hidden), not libxenguest or libxenctrl if a
# patch touches them.  Every shared library stock installs is compared
# (it takes a second), and ours installs no other.
ABI_DIFF=$TOP/tests/xen/abi-diff.sh

# First, on two small libraries built here, that abi-diff.sh sees an
# added symbol, a symbol whose version changed (and the new version), and
# nothing that is hidden (as our codec header makes its names).
abi=$SCRATCH/abi
mkdir -p "$abi"
printf 'V1 { global: *; };\nV2 { global: g; } V1;\n' > "$abi/v.map"
printf 'V1 { global: *; };\n' > "$abi/v1.map"
printf 'int f(void) { return 1; }\nint g(void) { return 2; }\n' > "$abi/a.c"
printf '%s\n' 'int f(void) { return 1; }' 'int g(void) { return 2; }' \
    'int h(void) { return 3; }' '#pragma GCC visibility push(hidden)' \
    'int hid(void) { return 4; }' '#pragma GCC visibility pop' > "$abi/b.c"
if cc -shared -fPIC -Wl,--version-script="$abi/v1.map" -o "$abi/a.so" "$abi/a.c" &&
   cc -shared -fPIC -Wl,--version-script="$abi/v.map" -o "$abi/b.so" "$abi/b.c"; then
    out=$("$ABI_DIFF" "$abi/a.so" "$abi/b.so"); rc=$?
    [ $rc = 1 ] && echo "$out" | grep -qx '+ FUNC GLOBAL DEFAULT h@@V1' &&
        echo "$out" | grep -qx '+ FUNC GLOBAL DEFAULT g@@V2' &&
        echo "$out" | grep -qx -- '- FUNC GLOBAL DEFAULT g@@V1' &&
        echo "$out" | grep -qx '+ OBJECT GLOBAL DEFAULT V2' &&
        ! echo "$out" | grep -q hid && [ "$(echo "$out" | grep -c '^[-+] ')" = 4 ]
    report "abi-diff.sh reports an added symbol and a changed version, not a hidden one" $? "exit $rc"
    "$ABI_DIFF" "$abi/a.so" "$abi/a.so" > /dev/null
    report "abi-diff.sh finds a library's ABI equal to itself" $?
else
    report "build the libraries for abi-diff.sh's self-test" 1
fi

stock_lib=$STOCK/dist/usr/lib
ours_lib=$PATCHED/dist/usr/lib
if [ -e "$stock_lib/libxenlight.so" ] && [ -d "$ours_lib" ]; then
    libs=$(cd "$stock_lib" && ls -- *.so)
    for l in $libs; do
        out=$("$ABI_DIFF" "$stock_lib/$l" "$ours_lib/$l" 2>&1)
        rc=$?
        [ $rc = 0 ] || echo "$out" | sed 's/^/    /' | tee -a "$RESULTS"
        report "patched $l exports exactly what stock's does" $rc \
            "$(echo "$out" | tail -1)"
    done
    extra=$(comm -13 <(echo "$libs") <(cd "$ours_lib" && ls -- *.so))
    report "patched dist installs no shared library stock lacks" \
        "$([ -z "$extra" ]; echo $?)" $extra
else
    report "both builds installed libxenlight.so (ABI comparison)" 1
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

# ---- (e) the tarball checksum is enforced ----
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
