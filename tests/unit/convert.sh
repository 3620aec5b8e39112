#!/bin/bash
# `xen-stream convert`: every target from the real seeds and generated
# streams (checked by verify, record counts kept, bytes where they must be
# equal), refusals, malformed and truncated inputs (verify's message, no
# OUT left), pipes, atomic OUT, usage errors, --from-legacy against
# convert-legacy-stream, bounded memory, and the man page.
#
# Environment: RESULTS (log), XEN_STREAM (sanitized build), XEN_STREAM_OPT
# (optimized build, for the memory figure), MKSTREAM, SEEDS (real seed
# directory), MKLEGACY, CLS (convert-legacy-stream), RSS_TIME, WORK, MAN.
set -u
UNIT_FRESH_WORK=1
. "$(dirname "$0")/../lib/unit-script.sh"
XS=$XEN_STREAM

# `info --json` of a file, once (kept in WORK, never next to an input
# such as the seeds in the source tree); then fields and record
# counts are read from that.  counts prints the record counts, pages and
# checkpoints as one comparable line; with "libxc" only the libxc layer is
# kept (a --to libxc output has no libxl layer).
info_file() { echo "info.$(echo "$1" | tr / _)"; }
info_of() { "$XS" --json info "$1" > "$(info_file "$1")" 2>/dev/null; }
counts() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
keep = ["libxc_record_counts", "pages", "alloc_only_pages", "checkpoints",
        "libxc_version", "domain_type"]
if sys.argv[2] != "libxc":
    keep += ["libxl_record_counts", "emulator_xenstore_keys",
             "emulator_state_octets"]
print(json.dumps({k: d.get(k) for k in keep}, sort_keys=True))' "$(info_file "$1")" "$2"
}
jfield() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$(info_file "$1")" "$2"; }
# Offset of the libxl stream header in an xl file (0 in a bare stream).
libxl_at() { "$XS" dump "$1" | sed -n 's/^@0*\([0-9][0-9]*\) libxl header:.*/\1/p' | head -1; }
# No stray temporaries next to OUT.
no_temps() { ! ls -a "${1:-.}" | grep -q '\.convert-'; }

# One input, every target it can make; asserts what holds for all.
convert_all() {
    local tag=$1 in=$2 container t ok out size insize trailing at cps
    info_of "$in"
    container=$(jfield "$in" container)
    cps=$(jfield "$in" checkpoints)
    insize=$(stat -c %s "$in")
    trailing=$(jfield "$in" trailing_octets)
    for t in xl libxl libxc; do
        out=$tag.$t; rm -f "$out"
        "$XS" convert --to "$t" "$in" "$out" 2>err.txt; rc=$?
        # what must be refused
        # (xl restore reads only plain streams: no xl file from a
        # checkpointed one)
        if { [ $t = xl ] && [ "$container" != xl ]; } ||
           { [ $t = xl ] && [ "$cps" != 0 ]; } ||
           { [ $t = libxl ] && [ "$container" = libxc ]; } ||
           { [ $t = libxc ] && [ "$cps" != 0 ]; }; then
            [ $rc = 1 ] && [ ! -e "$out" ] && grep -q 'cannot convert' err.txt && no_temps
            check "convert/$tag-to-$t-refused" $? "$(head -c 150 err.txt)"
            continue
        fi
        ok=0
        [ $rc = 0 ] || { echo "  exit $rc: $(cat err.txt)"; ok=1; }
        "$XS" verify "$out" >/dev/null 2>&1 || { echo "  output invalid"; ok=1; }
        info_of "$out"
        [ "$(jfield "$out" trailing_octets)" = 0 ] || { echo "  trailing left"; ok=1; }
        if [ $t = libxc ]; then
            [ "$(jfield "$out" container)" = libxc ] || { echo "  not bare libxc"; ok=1; }
            [ "$(counts "$out" libxc)" = "$(counts "$in" libxc)" ] || { echo "  counts differ"; ok=1; }
        else
            [ "$(counts "$out" all)" = "$(counts "$in" all)" ] || { echo "  counts differ"; ok=1; }
        fi
        size=$(stat -c %s "$out")
        case $t in
        xl)     # the input's prefix up to END
            [ "$size" = $((insize - trailing)) ] && cmp -s "$out" <(head -c "$size" "$in") || ok=1 ;;
        libxl)  # the input minus the xl header and config, minus trailing
            at=$(libxl_at "$in")
            [ "$size" = $((insize - at - trailing)) ] &&
                cmp -s "$out" <(tail -c +$((at + 1)) "$in" | head -c "$size") || ok=1 ;;
        esac
        check "convert/$tag-to-$t" $ok "$size octets"
    done
}

# ---- real seeds ----
for s in pv-save pv-checkpoint pv-migrate hvm-save; do
    convert_all "seed-$s" "$SEEDS/$s.img"
    # the libxc part is exactly the bare stream the seed import cut out
    cmp -s "seed-$s.libxc" "$SEEDS/$s.libxc"
    check "convert/seed-$s-libxc-equals-import" $?
done
"$XS" convert "$SEEDS/pv-migrate.img" mig.xl 2>err.txt &&
    grep -q 'dropped 44 octets of trailing data after END' err.txt &&
    info_of mig.xl && [ "$(jfield mig.xl trailing_octets)" = 0 ] &&
    cmp -s mig.xl <(head -c $(( $(stat -c %s "$SEEDS/pv-migrate.img") - 44 )) "$SEEDS/pv-migrate.img")
check "convert/capture-to-xl-drops-handshake" $?

# ---- generated streams ----
for v in valid-pv valid-hvm valid-hvm-xenstore valid-bare-libxl \
         valid-libxc-v2 valid-optional valid-checkpointed \
         valid-checkpointed-end valid-colo-state valid-trailing \
         valid-legacy-converted valid-zero-pages; do
    "$MKSTREAM" --pages 100 --variant $v gen-$v.img
    convert_all "gen-$v" "gen-$v.img"
done
"$MKSTREAM" --pages 40 --bare-libxc bare.img
convert_all gen-bare-libxc bare.img

# ---- malformed inputs: verify's message, exit 1, no OUT ----
bad=0; n=0
while IFS=$'\t' read -r name expect _; do
    [ "$expect" = 1 ] || continue
    "$MKSTREAM" --pages 64 --variant "$name" m.img
    want=$("$XS" verify m.img 2>&1 | head -1)
    for t in xl libxl libxc; do
        n=$((n + 1)); rm -f m.out
        got=$("$XS" convert --to $t m.img m.out 2>&1); rc=$?
        # A bare checkpointed stream is refused for these targets as soon
        # as its shape shows, before a later cut is reached.
        first=$want
        case $name:$t in
        remus-*:xl|remus-*:libxc) first=$(echo "$got" | grep -m1 'cannot convert') ;;
        # So is a libvirt image --to xl once its header has been read
        # (a damaged header is the walker's error, as for verify).
        libvirt-*:xl|trunc-libvirt-xml:xl)
            r=$(echo "$got" | grep -m1 "cannot convert to an xl save file: a libvirt save image")
            [ -n "$r" ] && first=$r ;;
        esac
        if [ $rc != 1 ] || [ "$(echo "$got" | head -1)" != "$first" ] ||
           [ -z "$first" ] || [ -e m.out ] || ! no_temps; then
            echo "  $name --to $t: exit $rc: $got"; bad=1
        fi
        case $got in *AddressSanitizer*|*"runtime error"*) bad=1 ;; esac
    done
done < <("$MKSTREAM" --list-variants)
check "convert/malformed-$n-as-verify-no-output" $bad

# an existing OUT survives a failed conversion untouched
echo keep > kept.out
"$MKSTREAM" --variant nonzero-padding m.img
"$XS" convert m.img kept.out 2>/dev/null; rc=$?
[ $rc = 1 ] && [ "$(cat kept.out)" = keep ] && no_temps
check "convert/failure-keeps-existing-out" $?

# truncation at every boundary
"$MKSTREAM" --pages 40 --variant valid-hvm-xenstore full.img
size=$(stat -c %s full.img); bad=0; n=0
for cut in $("$MKSTREAM" --pages 40 --variant valid-hvm-xenstore --boundaries | sort -nu); do
    [ "$cut" -lt "$size" ] || continue
    n=$((n + 1)); rm -f cut.out
    head -c "$cut" full.img > cut.img
    out=$("$XS" convert cut.img cut.out 2>&1); rc=$?
    if [ $rc != 1 ] || ! echo "$out" | grep -q truncated || [ -e cut.out ]; then
        echo "  cut at $cut: exit $rc: $out"; bad=1
    fi
done
check "convert/truncated-at-$n-boundaries" $bad

# ---- pipes in and out ----
"$MKSTREAM" --pages 300 --variant valid-hvm-xenstore p.img
"$XS" convert --to libxl p.img p.libxl 2>/dev/null
cat p.img | "$XS" convert --to libxl - pin.libxl 2>/dev/null && cmp -s pin.libxl p.libxl
check "convert/pipe-in" $?
"$XS" convert --to libxl p.img - 2>/dev/null | cat > pout.libxl && cmp -s pout.libxl p.libxl
check "convert/pipe-out" $?
cat p.img | "$XS" convert --to libxl - - 2>/dev/null | cmp -s - p.libxl
check "convert/pipe-in-and-out" $?
"$MKSTREAM" --pages 300 --variant page-data-count-mismatch m.img
want=$("$XS" verify m.img 2>&1 | head -1 | sed 's/m\.img/<stdin>/')
got=$(cat m.img | "$XS" convert - - 2>&1 >/dev/null | head -1)
[ "$got" = "$want" ]
check "convert/pipe-malformed-as-verify" $? "$got"
cat m.img | "$XS" convert - - >/dev/null 2>&1; [ $? = 1 ]
check "convert/pipe-malformed-exit-1" $?
"$XS" convert p.img /dev/null 2>/dev/null
check "convert/out-not-regular-written-in-place" $?

# ---- usage errors: exit 2 ----
usage_case() {
    local name=$1; shift
    "$XS" "$@" >/dev/null 2>&1; [ $? = 2 ]
    check "convert/usage-$name-exit-2" $?
}
usage_case no-operands convert
usage_case one-operand convert p.img
usage_case three-operands convert p.img a b
usage_case bad-target convert --to qemu p.img a
usage_case missing-value convert p.img a --to
usage_case width-without-legacy convert --width 32 p.img a
usage_case bad-width convert --from-legacy --width 48 p.img a
usage_case bad-guest convert --from-legacy --guest pvh p.img a
usage_case unknown-option convert --bogus p.img a
usage_case json convert --json p.img a
usage_case json-before --json convert p.img a
usage_case missing-input convert /nonexistent/in a
usage_case unwritable-out convert p.img /nonexistent/dir/out
"$XS" convert --help | grep -q '^usage: xen-stream convert'
check "convert/help-exit-0" $?
"$XS" convert p.img opts-after.libxl --to libxl 2>/dev/null && cmp -s opts-after.libxl p.libxl
check "convert/options-after-operands" $?

# ---- --from-legacy ----
for s in pv-save hvm-save; do
    g=${s%%-*}
    "$MKLEGACY" "$SEEDS/$s.img" leg-$s.img || { check "legacy/$s-made" 1; continue; }
    "$CLS" --in leg-$s.img --out ref-$s.xl --width 64 --guest $g --format libxl --xl
    ok=0
    # guest type from the xl file's JSON config; same octets as the tool
    "$XS" convert --from-legacy leg-$s.img cv-$s.xl 2>err.txt || { cat err.txt; ok=1; }
    cmp -s cv-$s.xl ref-$s.xl || ok=1
    "$XS" verify cv-$s.xl >/dev/null 2>&1 || ok=1
    check "legacy/$s-to-xl-as-convert-legacy-stream" $ok
    for t in libxl libxc; do
        "$XS" convert --from-legacy --to $t leg-$s.img cv-$s.$t 2>/dev/null &&
            "$XS" verify cv-$s.$t >/dev/null 2>&1 &&
            info_of cv-$s.$t && info_of cv-$s.xl &&
            [ "$(jfield cv-$s.$t container)" = $t ] &&
            [ "$(counts cv-$s.$t libxc)" = "$(counts cv-$s.xl libxc)" ]
        check "legacy/$s-to-$t" $?
    done
    # bare legacy stream: --guest needed, no xl target
    "$MKLEGACY" --no-xl "$SEEDS/$s.img" bleg-$s.img
    "$CLS" --in bleg-$s.img --out ref-$s.libxl --width 64 --guest $g --format libxl
    "$XS" convert --from-legacy --guest $g --to libxl bleg-$s.img cvb-$s.libxl 2>/dev/null &&
        cmp -s cvb-$s.libxl ref-$s.libxl
    check "legacy/bare-$s-to-libxl-as-convert-legacy-stream" $?
done
"$XS" convert --from-legacy --to libxl bleg-pv-save.img x.out 2>err.txt; rc=$?
[ $rc = 2 ] && grep -q 'give --guest' err.txt && [ ! -e x.out ]
check "legacy/bare-without-guest-exit-2" $?
"$XS" convert --from-legacy --guest pv bleg-pv-save.img x.out 2>err.txt; rc=$?
[ $rc = 1 ] && grep -q 'cannot convert to an xl save file' err.txt && [ ! -e x.out ]
check "legacy/bare-to-xl-refused" $?
"$XS" convert --from-legacy "$SEEDS/pv-save.img" x.out 2>err.txt; rc=$?
[ $rc = 1 ] && grep -q 'already a migration-v2 stream (an xl save file)' err.txt && [ ! -e x.out ]
check "legacy/v2-input-refused" $?
"$XS" convert leg-pv-save.img x.out 2>err.txt; rc=$?
[ $rc = 1 ] && grep -q -- '--from-legacy' err.txt && [ ! -e x.out ]
check "legacy/without-flag-points-to-it" $?
"$MKLEGACY" --width 32 "$SEEDS/pv-save.img" leg32.img
"$CLS" --in leg32.img --out ref32.xl --width 32 --guest pv --format libxl --xl
"$XS" convert --from-legacy --width 32 leg32.img cv32.xl 2>/dev/null && cmp -s cv32.xl ref32.xl
check "legacy/width-32" $?
cat leg-hvm-save.img | "$XS" convert --from-legacy --to libxl - - 2>/dev/null |
    cmp -s - <("$XS" convert --to libxl ref-hvm-save.xl - 2>/dev/null)
check "legacy/pipe-in-and-out" $?
bad=0
lsize=$(stat -c %s leg-pv-save.img)
for cut in 40 60 900 3000 $((lsize / 2)) $((lsize - 3)); do
    head -c $cut leg-pv-save.img > lcut.img; rm -f lcut.out
    out=$("$XS" convert --from-legacy lcut.img lcut.out 2>&1); rc=$?
    if [ $rc != 1 ] || ! echo "$out" | grep -q 'legacy conversion failed: input offset' ||
       [ -e lcut.out ] || ! no_temps; then
        echo "  legacy cut at $cut: exit $rc: $out"; bad=1
    fi
done
check "legacy/truncated-fails-no-output" $bad

# ---- memory stays bounded (optimized build, no sanitizer overhead) ----
if [ -n "${XEN_STREAM_OPT:-}" ] && [ -x "${RSS_TIME:-}" ]; then
    "$MKSTREAM" --pages 32768 --variant valid-hvm-xenstore big.img
    line=$("$RSS_TIME" -- "$XEN_STREAM_OPT" convert --to libxl big.img big.out 2>/dev/null)
    rss=$(echo "$line" | sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p')
    [ -n "$rss" ] && [ "$rss" -lt 8192 ] && cmp -s big.out <("$XEN_STREAM_OPT" convert --to libxl big.img - 2>/dev/null)
    check "convert/128MiB-image-rss-under-8MiB" $? "$line"
    rm -f big.img big.out
fi

# ---- the man page documents convert ----
if [ -f "$MAN" ]; then
    ok=0
    groff -man -Tascii -P -cbou "$MAN" 2>/dev/null > man.txt
    for word in convert --to --from-legacy --width --guest libxc \
                atomically Remus 'trailing'; do
        grep -q -- "$word" man.txt || { echo "  man page lacks $word"; ok=1; }
    done
    check "docs/man-page-covers-convert" $ok
fi

exit $((fails > 0))
