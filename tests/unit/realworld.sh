#!/bin/bash
# Inputs shaped like the ones users reported trouble with, each kind twice:
# made by the generator (tests/tools/mkstream.c), so the project's tests
# stand on their own, and, when the directory exists, the shared real-world
# set (../shared/cases/real-world-1 next to the repository).
#
#   empty vCPU records    valid; dump and --json show them as empty
#   Remus captures        cut anywhere after checkpoint 1: exit 0 and the
#                         same "1 complete checkpoint" verdict; cut before
#                         it: exit 1, "no complete checkpoint"
#   convert --to xl       refused for a checkpointed stream, no OUT left
#   v2 given as legacy    convert-legacy-stream exits 3, "already a
#                         migration-v2 stream", for all three containers
#   COLO back channel     named as such by every tool, never sent to the
#                         legacy converter's parser
#   something else        compressed, ELF, libvirt, text, empty: named
#
# Environment: RESULTS (log), XEN_STREAM, MKSTREAM, CLS, WORK, CASES.
set -u
UNIT_FRESH_WORK=1
. "$(dirname "$0")/../lib/unit-script.sh"
XS=$XEN_STREAM
san_clean() { ! grep -q -e AddressSanitizer -e 'runtime error' "$@"; }

# ---- empty vCPU records ----

# $1 file, $2 record type: valid, and the dump shows an empty record.
empty_vcpu_ok() {
    "$XS" verify "$1" >out.txt 2>&1 &&
        "$XS" dump "$1" >dump.txt 2>&1 &&
        grep -q "$2 length 8: vcpu [0-9]*, empty" dump.txt &&
        "$XS" --json dump "$1" >dump.json 2>&1 &&
        python3 - "$2" <<'EOF'
import json, sys
d = json.load(open("dump.json"))
hits = [e for e in d["events"]
        if e.get("type") == sys.argv[1] and e.get("length") == 8]
sys.exit(0 if hits and all(e["empty"] for e in hits) else 1)
EOF
}

for k in basic:X86_PV_VCPU_BASIC extended:X86_PV_VCPU_EXTENDED \
         xsave:X86_PV_VCPU_XSAVE msrs:X86_PV_VCPU_MSRS; do
    "$MKSTREAM" --pages 16 --variant "valid-empty-vcpu-${k%%:*}" e.img
    empty_vcpu_ok e.img "${k#*:}"
    check "realworld/gen-empty-vcpu-${k%%:*}-valid-shown-empty" $? \
        "$(head -c 200 out.txt)"
done
# A context of the wrong size is still refused, naming record and offset.
bad=0
for v in vcpu-basic-size vcpu-extended-long vcpu-xsave-short \
         vcpu-msrs-partial pv-info-levels; do
    "$MKSTREAM" --pages 16 --variant $v b.img
    out=$("$XS" verify b.img 2>&1); rc=$?
    [ $rc = 1 ] && echo "$out" | grep -Eq 'libxc record [0-9]+ \(X86_PV_[A-Z_]+\) at offset [0-9]+' ||
        { echo "  $v: exit $rc: $out"; bad=1; }
done
check "realworld/gen-vcpu-sizes-refused-with-record-and-offset" $bad

# ---- Remus: one verdict wherever the primary died ----

# Every structure boundary (and a point inside every structure) of a Remus
# stream of 2 checkpoints: before checkpoint 1's CHECKPOINT_END the stream
# is invalid; from it on, valid with exactly 1 complete checkpoint, and the
# whole stream with 2.
"$MKSTREAM" --pages 40 --variant remus-full full.img
size=$(stat -c %s full.img)
cp1=$("$XS" dump full.img | sed -n 's/^@0*\([0-9][0-9]*\) libxl record [0-9]* CHECKPOINT_END.*/\1/p' | head -1)
cp1=$((cp1 + 8))
xcp1=$("$XS" dump full.img | sed -n 's/^@0*\([0-9][0-9]*\) *libxc record [0-9]* CHECKPOINT length.*/\1/p' | head -1)
xcp1=$((xcp1 + 8))
bad=0; n=0
for cut in $("$MKSTREAM" --pages 40 --variant remus-full --boundaries | sort -nu) "$size"; do
    [ "$cut" -le "$size" ] || continue
    n=$((n + 1))
    head -c "$cut" full.img > cut.img
    out=$("$XS" verify cut.img 2>&1); rc=$?
    if [ "$cut" -lt "$cp1" ]; then
        [ $rc = 1 ] && echo "$out" | grep -q 'truncated' || bad=1
        # once libxc's CHECKPOINT said it is checkpointed, the reason is
        # named
        if [ "$cut" -ge "$xcp1" ]; then
            echo "$out" | grep -q 'no complete checkpoint' || bad=1
        fi
    elif [ "$cut" -lt "$size" ]; then
        [ $rc = 0 ] && echo "$out" | grep -q ': 1 complete checkpoint,' &&
            echo "$out" | grep -q 'a failover restores checkpoint 1$' || bad=1
        if [ "$cut" -gt "$cp1" ]; then
            echo "$out" | grep -q 'then an incomplete checkpoint 2 (' || bad=1
        fi
    else
        [ $rc = 0 ] && echo "$out" | grep -q ': 2 complete checkpoints,' || bad=1
    fi
    [ $bad = 0 ] || { echo "  cut at $cut (checkpoint 1 ends at $cp1): exit $rc: $out"; break; }
done
check "realworld/gen-remus-cut-at-$n-points-one-verdict" $bad
# The same through a pipe (page data spliced away unseen) and --json.
bad=0
for v in a b c d e; do
    "$MKSTREAM" --pages 40 --variant remus-cut-$v r.img
    out=$(cat r.img | "$XS" verify - 2>&1); rc=$?
    [ $rc = 0 ] && echo "$out" | grep -q ': 1 complete checkpoint,' || bad=1
    "$XS" --json verify r.img > r.json 2>/dev/null &&
        python3 -c '
import json, sys
d = json.load(open("r.json"))
sys.exit(0 if d["valid"] and d["checkpoints"] == 1 and
         d["ends_after_checkpoint"] else 1)' || bad=1
done
"$MKSTREAM" --pages 40 --variant remus-cut-f r.img
out=$(cat r.img | "$XS" verify - 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'no complete checkpoint' || bad=1
check "realworld/gen-remus-cuts-pipe-and-json" $bad

# The framer's two rules for checkpointed streams, as verify and --json
# say them: COLO's CHECKPOINT_STATE after each CHECKPOINT_END (the stream
# is COLO's), and libxc's END after checkpoint 2 (a restore keeps it),
# through a file and a pipe.
bad=0
for v in valid-colo-state valid-checkpointed-end; do
    "$MKSTREAM" --pages 40 --variant $v r.img
    out=$(cat r.img | "$XS" verify - 2>&1); rc=$?
    case $v:$out in
        valid-colo-state:*"2 complete checkpoints, the stream stops right after the last"*) ;;
        valid-checkpointed-end:*"2 checkpoints; a restore keeps checkpoint 2, nothing after it is applied)") ;;
        *) echo "  $v: exit $rc: $out"; bad=1 ;;
    esac
    "$XS" --json verify r.img > r.json 2>/dev/null &&
        python3 -c '
import json, sys
d = json.load(open("r.json"))
colo = sys.argv[1] == "valid-colo-state"
sys.exit(0 if d["valid"] and d["checkpoints"] == 2 and d["colo"] == colo and
         d["past_last_checkpoint"] == (not colo) else 1)' $v || bad=1
done
check "realworld/gen-colo-state-and-libxc-end-after-checkpoint" $bad

# convert --to xl never writes an xl file from a checkpointed stream
# (xl captures of Remus, PV and HVM, whole and cut, with a final END, COLO).
"$MKSTREAM" --pages 40 --shape hvm --checkpoints 2 cap-hvm.img
head -c $(( $(stat -c %s cap-hvm.img) - 3000 )) cap-hvm.img > cap-hvm-cut.img
"$MKSTREAM" --pages 40 --checkpoints 3 cap-pv.img
"$MKSTREAM" --pages 40 --variant valid-checkpointed-end cap-end.img
"$MKSTREAM" --pages 40 --variant valid-colo-state cap-colo.img
bad=0
for v in cap-hvm cap-hvm-cut cap-pv cap-end cap-colo; do
    cp $v.img r.img
    rm -f r.xl
    out=$("$XS" convert --to xl r.img r.xl 2>&1); rc=$?
    [ $rc = 1 ] && [ ! -e r.xl ] && echo "$out" | grep -q 'checkpointed' &&
        ! ls -a | grep -q '\.convert-' || { echo "  $v: exit $rc: $out"; bad=1; }
done
check "realworld/gen-checkpointed-to-xl-refused-no-output" $bad

# ---- v2 images handed to the legacy converter ----

# $1 input, $2 container words: exit 3 and the message, with and without
# --xl, both output formats; no parse error of a legacy field.
already_v2() {
    local f fmt x rc ok=0
    for fmt in libxc libxl; do
        for x in "" --xl; do
            # shellcheck disable=SC2086
            "$CLS" --in "$1" --out cls.out --width 64 --guest pv \
                --format $fmt $x 2>cls.err; rc=$?
            [ $rc = 3 ] && grep -q "already a migration-v2 stream ($2), nothing to convert" cls.err &&
                ! grep -q 'p2m size 0x' cls.err && [ ! -s cls.out ] && san_clean cls.err ||
                { echo "  $1 $fmt $x: exit $rc: $(cat cls.err)"; ok=1; }
        done
    done
    "$XS" convert --from-legacy --guest pv --to libxl "$1" xs.out 2>xs.err; rc=$?
    [ $rc = 1 ] && grep -q "already a migration-v2 stream ($2)" xs.err &&
        [ ! -e xs.out ] || { echo "  convert --from-legacy $1: exit $rc"; ok=1; }
    return $ok
}
"$MKSTREAM" --pages 16 --variant valid-pv v2.xl
"$MKSTREAM" --pages 16 --variant valid-bare-libxl v2.libxl
"$MKSTREAM" --pages 16 --bare-libxc v2.libxc
already_v2 v2.xl "an xl save file";    check "realworld/gen-v2-xl-to-legacy-converter" $?
already_v2 v2.libxl "a libxl stream";   check "realworld/gen-v2-libxl-to-legacy-converter" $?
already_v2 v2.libxc "a bare libxc stream"; check "realworld/gen-v2-libxc-to-legacy-converter" $?

# ---- COLO back channel, and inputs that are something else ----

# $1 input, $2 fragment: every tool names it; none offers legacy advice.
named_everywhere() {
    local out rc ok=0
    rm -f cv.out
    out=$("$XS" verify "$1" 2>&1); rc=$?
    [ $rc = 1 ] && echo "$out" | grep -qF -- "$2" &&
        ! echo "$out" | grep -q convert-legacy-stream || { echo "  verify: $out"; ok=1; }
    out=$("$XS" convert --to libxl "$1" cv.out 2>&1); rc=$?
    [ $rc = 1 ] && echo "$out" | grep -qF -- "$2" && [ ! -e cv.out ] ||
        { echo "  convert: $out"; ok=1; }
    out=$("$XS" convert --from-legacy --guest pv --to libxl "$1" cv.out 2>&1); rc=$?
    [ $rc = 1 ] && echo "$out" | grep -qF -- "$2" && [ ! -e cv.out ] ||
        { echo "  convert --from-legacy: $out"; ok=1; }
    out=$("$CLS" --in "$1" --out cls.out --width 64 --guest pv 2>&1); rc=$?
    # (not parsed as a legacy image: no "p2m size 0x... is outside")
    [ $rc = 1 ] && echo "$out" | grep -qF -- "$2" &&
        ! echo "$out" | grep -q 'p2m size 0x' ||
        { echo "  convert-legacy-stream: exit $rc: $out"; ok=1; }
    return $ok
}
"$MKSTREAM" --variant colo-back-channel colo.cap
named_everywhere colo.cap "COLO back channel"
check "realworld/gen-colo-back-channel-named" $?
# dump shows it for what it is (each record checked), the verdict counts
# its records, and a cut one is truncated at the right record.
colo_shown() {  # file, states, dirty lists
    "$XS" dump "$1" > colo.txt 2>colo.err
    [ $? = 1 ] &&
        [ "$(grep -c 'libxl record [0-9]* CHECKPOINT_STATE length 4: state [0-9] (SVM_' colo.txt)" -ge "$2" ] &&
        [ "$(grep -c 'libxc record [0-9]* CHECKPOINT_DIRTY_PFN_LIST length 24: 3 pfns' colo.txt)" = "$3" ] &&
        grep -q "COLO back channel (secondary to primary: [0-9]* CHECKPOINT_STATE records, $3 dirty pfn lists" colo.err &&
        "$XS" --json verify "$1" 2>/dev/null | grep -q '"container": "colo_back_channel"'
}
colo_shown colo.cap 9 3
check "realworld/gen-colo-back-channel-dumped" $? "$(head -c 200 colo.err)"
head -c 100 colo.cap > colo-cut.cap
out=$("$XS" verify colo-cut.cap 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'at offset 100: truncated: COLO back channel ends inside record 5'
check "realworld/gen-colo-back-channel-cut" $? "$out"
# a record that does not travel there, named with its index and offset
{ head -c 80 colo.cap; printf '\007'; tail -c +82 colo.cap; } > colo-bad.cap
out=$("$XS" verify colo-bad.cap 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'at offset 80: .*COLO back channel record 4 has type 0x7'
check "realworld/gen-colo-back-channel-foreign-record" $? "$out"
while IFS=$'\t' read -r name expect fragment _; do
    case $name in foreign-*) ;; *) continue ;; esac
    "$MKSTREAM" --variant "$name" f.img
    named_everywhere f.img "$fragment"
    check "realworld/gen-$name-named" $?
done < <("$MKSTREAM" --list-variants)
# Really compressed images, with the compressors this machine has.
"$MKSTREAM" --pages 16 --variant valid-pv plain.img
# (zstd is read: xen-stream decompresses it; the legacy converter names it.)
if command -v zstd >/dev/null; then
    zstd -q -c plain.img > plain.zst
    out=$("$XS" verify plain.zst 2>&1) &&
        out2=$("$CLS" --in plain.zst --out cls.out --width 64 --guest pv 2>&1)
    [ $? = 1 ] && echo "$out2" | grep -qF "compressed data (zstd), not a Xen image"
    check "realworld/real-zstd-read-by-xen-stream-named-by-converter" $? "$out | $out2"
fi
for z in gzip:gzip xz:xz bzip2:bzip2; do
    tool=${z%%:*}
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: realworld/real-$tool-named ($tool not installed)" | tee -a "$RESULTS"
        continue
    fi
    "$tool" -c plain.img > plain.z
    named_everywhere plain.z "compressed data (${z#*:}), not a Xen image: decompress it first"
    check "realworld/real-$tool-named" $?
done

# ---- The shared real-world set ----

if [ -z "${CASES:-}" ] || [ ! -d "$CASES" ]; then
    echo "SKIP: realworld/shared-cases (${CASES:-CASES unset} absent)" | tee -a "$RESULTS"
    exit $((fails > 0))
fi
for k in basic:BASIC ext:EXTENDED msrs:MSRS xsave:XSAVE; do
    empty_vcpu_ok "$CASES/zero-vcpu-${k%%:*}.img" "X86_PV_VCPU_${k#*:}"
    check "realworld/shared-zero-vcpu-${k%%:*}" $? "$(head -c 200 out.txt)"
done
"$XS" verify "$CASES/remus-full.libxl" 2>&1 | grep -q ': 2 complete checkpoints,'
check "realworld/shared-remus-full" $?
bad=0
for f in "$CASES"/remus-cut-[A-E]-*.libxl; do
    out=$("$XS" verify "$f" 2>&1); rc=$?
    [ $rc = 0 ] && echo "$out" | grep -q ': 1 complete checkpoint,' &&
        echo "$out" | grep -q 'a failover restores checkpoint 1$' ||
        { echo "  $f: exit $rc: $out"; bad=1; }
done
check "realworld/shared-remus-cut-A-E-one-verdict" $bad
out=$("$XS" verify "$CASES"/remus-cut-F-*.libxl 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'no complete checkpoint'
check "realworld/shared-remus-cut-F-invalid" $? "$out"
rm -f cap.xl
out=$("$XS" convert --to xl "$CASES/remus-capture-xl.cap" cap.xl 2>&1); rc=$?
[ $rc = 1 ] && [ ! -e cap.xl ] && echo "$out" | grep -q 'checkpointed'
check "realworld/shared-remus-capture-to-xl-refused" $? "$out"
already_v2 "$CASES/v2-as-legacy.xl" "an xl save file"
check "realworld/shared-v2-as-legacy-xl" $?
already_v2 "$CASES/v2-as-legacy.libxl" "a libxl stream"
check "realworld/shared-v2-as-legacy-libxl" $?
already_v2 "$CASES/v2-as-legacy.libxc" "a bare libxc stream"
check "realworld/shared-v2-as-legacy-libxc" $?
named_everywhere "$CASES/colo-backchannel.cap" "COLO back channel"
check "realworld/shared-colo-backchannel" $?
colo_shown "$CASES/colo-backchannel.cap" 6 2
check "realworld/shared-colo-backchannel-dumped" $? "$(head -c 200 colo.err)"
named_everywhere "$CASES/base-pv.img.gz" \
    "compressed data (gzip), not a Xen image: decompress it first"
check "realworld/shared-base-pv-gz" $?
zcat "$CASES/base-pv.img.gz" | "$XS" verify - >/dev/null 2>&1
check "realworld/shared-base-pv-decompressed-valid" $?

exit $((fails > 0))
