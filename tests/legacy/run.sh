#!/bin/bash
# run.sh: the check-legacy stage.  Called by mk/40-legacy.mk with
#   RESULTS   the stage log (PASS:/FAIL: lines)
#   LEG_BIN   directory of the ASan+UBSan builds (converter and test tools)
#   LEG_BUILD scratch directory (build/legacy)
#   LEG_FUZZ  the libFuzzer binary (optional)
#
# Parts:
#   usage      command line, exit codes, fd passing the way libxl does it
#              (exit 3 for an input that is already a v2 stream)
#   roundtrip  synthetic v2 image -> mklegacy -> converter -> same guest state
#   oracle     our output vs upstream's Python converter on the same input,
#              byte for byte (record by record on a mismatch, to show where)
#   malformed  each broken input exits with the right status and names the
#              right offset (tests/legacy/malformed.py)
#   memory     a large stream converts in bounded memory through pipes
#   fuzz       the harness replays its seed corpus and runs briefly
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib/report.sh"

: "${LEG_BIN:?}" "${LEG_BUILD:?}"
CONV=$LEG_BIN/convert-legacy-stream
MKV2=$LEG_BIN/mkv2
MKLEG=$LEG_BIN/mklegacy
V2LIST=$LEG_BIN/v2list
W=$LEG_BUILD/work
rm -rf "$W"
mkdir -p "$W"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1

# ---------------------------------------------------------------- usage

usage_case() {  # name expected-exit args...
    local name=$1 want=$2 rc
    shift 2
    "$CONV" "$@" >"$W/usage.out" 2>"$W/usage.err"
    rc=$?
    [ "$rc" = "$want" ]
    report "usage: $name" $? "exit $rc, want $want"
}
usage_case "--help" 0 --help
usage_case "no arguments" 2
usage_case "missing --guest" 2 --in /dev/null --out /dev/null --width 64
usage_case "bad width" 2 --in /dev/null --out /dev/null --width 16 --guest pv
usage_case "bad guest" 2 --in /dev/null --out /dev/null --width 64 --guest arm
usage_case "bad format" 2 --in /dev/null --out /dev/null --width 64 --guest pv \
    --format xl
usage_case "closed input fd" 2 --in 97 --out /dev/null --width 64 --guest pv
usage_case "missing input file" 1 --in "$W/nope" --out /dev/null --width 64 \
    --guest pv
usage_case "--version" 0 --version
usage_case "--syslog on bad input" 1 --in /dev/null --out /dev/null \
    --width 64 --guest pv --syslog
usage_case "stray argument" 2 --in /dev/null --out /dev/null --width 64 \
    --guest pv extra

# ------------------------------------------------------------ round trip

# shape name, mkv2 options, mklegacy options, converter options
SHAPES=(
  "pv64|--guest pv --bits 64 --pages 2100 --vcpus 3 --ext --xsave 840 --types|--holes --unmapped 3|--width 64 --guest pv"
  "pv64-msrs|--guest pv --bits 64 --pages 40 --vcpus 2 --msrs --stride 7|--unmapped 0|--width 64 --guest pv"
  "pv32-on-w64|--guest pv --bits 32 --pages 700 --vcpus 4 --ext --types|--holes|--width 64 --guest pv"
  "pv64-on-w32|--guest pv --bits 64 --pages 900 --vcpus 2 --ext --types|--width 32 --holes|--width 32 --guest pv"
  "pv32-on-w32|--guest pv --bits 32 --pages 1500 --vcpus 2 --xsave 576|--width 32 --unmapped 2|--width 32 --guest pv"
  "hvm64|--guest hvm --pages 1200 --stride 3 --physmap 2 --extra-param --qemu 7600|--holes|--width 64 --guest hvm"
  "hvm32|--guest hvm --pages 300 --physmap 3 --qemu 5000|--width 32|--width 32 --guest hvm"
  "hvm-no-physmap|--guest hvm --pages 50 --qemu 333|--unmapped 0|--width 64 --guest hvm"
)

canon() { "$V2LIST" --canon "$1" | LC_ALL=C sort; }
REAL_SHAPES=()

for shape in "${SHAPES[@]}"; do
    IFS='|' read -r name gen leg conv <<<"$shape"
    v2=$W/$name.v2
    # shellcheck disable=SC2086
    "$MKV2" $gen --xl >"$v2" 2>"$W/$name.mkv2.err" &&
        "$MKLEG" $leg "$v2" "$W/$name.xl.leg" 2>"$W/$name.mkleg.err" &&
        "$MKLEG" $leg --no-xl "$v2" "$W/$name.leg" 2>>"$W/$name.mkleg.err"
    report "roundtrip $name: mklegacy" $? "$(head -c 200 "$W/$name.mkleg.err")"

    # As libxl runs it: descriptors, libxl format, no xl header.
    # shellcheck disable=SC2086
    "$CONV" --in 3 --out 4 $conv --format libxl 3<"$W/$name.leg" \
        4>"$W/$name.out" 2>"$W/$name.err"
    rc=$?
    report "roundtrip $name: convert (fds, libxl)" $rc "$(head -c 300 "$W/$name.err")"
    if [ $rc = 0 ]; then
        # The xl header and libxl header are not in this output; compare the
        # guest state with the original's.
        diff <(canon "$v2") <(canon "$W/$name.out") >"$W/$name.diff"
        report "roundtrip $name: same guest state" $? \
            "$(head -c 300 "$W/$name.diff")"

        "$V2LIST" "$W/$name.out" >/dev/null
        report "roundtrip $name: output parses" $?
    fi

    # Whole xl save file, through pipes.
    # shellcheck disable=SC2086
    "$CONV" --in - --out - $conv --format libxl --xl \
        <"$W/$name.xl.leg" >"$W/$name.xl.out" 2>"$W/$name.xl.err"
    rc=$?
    report "roundtrip $name: convert xl file (pipes)" $rc "$(head -c 300 "$W/$name.xl.err")"
    if [ $rc = 0 ]; then
        diff <(canon "$v2") <(canon "$W/$name.xl.out") >/dev/null &&
            head -c 85 "$W/$name.xl.out" | cmp -s - <(head -c 85 "$v2")
        report "roundtrip $name: xl header kept, v2 flag set" $?
    fi

    # Bare libxc output.
    # shellcheck disable=SC2086
    "$CONV" --in "$W/$name.leg" --out "$W/$name.xc" $conv --format libxc \
        2>"$W/$name.xc.err"
    rc=$?
    report "roundtrip $name: convert (libxc format)" $rc "$(head -c 300 "$W/$name.xc.err")"
    if [ $rc = 0 ]; then
        diff <(canon "$v2" | grep -v -e '^xenstore' -e '^emulator-context') \
             <(canon "$W/$name.xc") >/dev/null
        report "roundtrip $name: libxc format, same libxc state" $?
    fi
done

# Images from the codec engineer's independent generator (tests/tools/
# mkstream.c), where it writes shapes a legacy stream can express.
MKSTREAM=${MKSTREAM:-$top/build/bin/mkstream}
if [ -x "$MKSTREAM" ]; then
    # Its PV guests have real-size vcpu contexts (5168 octets, what Xen
    # 4.17's restore and the legacy format both need), so they round-trip.
    for args in "--shape hvm --pages 64 --xenstore" "--shape hvm --pages 700" \
                "--shape hvm --pages 64 --no-xl" "--shape pv --pages 8"; do
        label="mkstream $args"
        f=$W/ms.v2
        g=hvm; [[ $args == *"shape pv"* ]] && g=pv
        # shellcheck disable=SC2086
        "$MKSTREAM" $args "$f" >/dev/null 2>&1 &&
            "$MKLEG" "$f" "$W/ms.leg" 2>"$W/ms.err" &&
            "$CONV" --in "$W/ms.leg" --out "$W/ms.out" --width 64 --guest $g \
                --format libxl $([[ $args == *no-xl* ]] || echo --xl) \
                2>>"$W/ms.err" &&
            diff <(canon "$f") <(canon "$W/ms.out") >"$W/ms.diff"
        report "roundtrip $label: same guest state" $? \
            "$(cat "$W/ms.err" "$W/ms.diff" 2>/dev/null | head -c 300 | tr '\n' ' ')"
    done
    # A vcpu context of any other size has no legacy form: mklegacy must
    # refuse rather than write garbage.
    "$MKSTREAM" --variant vcpu-basic-size "$W/ms-pv.v2" >/dev/null 2>&1
    ! "$MKLEG" "$W/ms-pv.v2" "$W/ms-pv.leg" 2>"$W/ms-pv.err" &&
        grep -q "legacy needs 5168" "$W/ms-pv.err"
    report "mklegacy refuses a PV vcpu context of the wrong size" $?
    # A v2 image is not converted, whatever its container, and says so
    # with its own exit status rather than failing on a legacy field.
    "$MKSTREAM" --pages 8 "$W/v2.xl" >/dev/null 2>&1
    "$MKSTREAM" --pages 8 --no-xl "$W/v2.libxl" >/dev/null 2>&1
    "$MKSTREAM" --pages 8 --bare-libxc "$W/v2.libxc" >/dev/null 2>&1
    for c in xl libxl libxc; do
        "$CONV" --in "$W/v2.$c" --out "$W/v2.out" --width 64 --guest pv \
            --format libxl $([ $c = xl ] && echo --xl) 2>"$W/v2.err"
        rc=$?
        [ $rc = 3 ] && grep -q 'already a migration-v2 stream' "$W/v2.err"
        report "v2 $c image: exit 3, already v2, nothing to convert" $? \
            "exit $rc: $(head -c 200 "$W/v2.err")"
    done
else
    echo "SKIP: roundtrip of mkstream images (no build/bin/mkstream)" | tee -a "$RESULTS"
fi

# Real images (xl save files or captured streams from the emulated host):
# every *.save / *.v2 / *.stream in $LEGACY_REAL_IMAGES goes through
# mklegacy, our converter and upstream's, like the synthetic ones.
if [ -n "${LEGACY_REAL_IMAGES:-}" ]; then
    for img in "$LEGACY_REAL_IMAGES"/*.save "$LEGACY_REAL_IMAGES"/*.v2 \
               "$LEGACY_REAL_IMAGES"/*.stream; do
        [ -f "$img" ] || continue
        name=real-$(basename "$img")
        case $("$V2LIST" --canon "$img" | sed -n 's/^domain-type //p') in
            1) guest=pv ;; 2) guest=hvm ;; *) guest= ;;
        esac
        "$MKLEG" --no-xl "$img" "$W/$name.leg" 2>"$W/$name.err" &&
            [ -n "$guest" ] &&
            "$CONV" --in "$W/$name.leg" --out "$W/$name.out" --width 64 \
                --guest "$guest" --format libxl 2>>"$W/$name.err" &&
            diff <(canon "$img") <(canon "$W/$name.out") >"$W/$name.diff"
        report "roundtrip $name ($guest): same guest state" $? \
            "$(cat "$W/$name.err" "$W/$name.diff" | head -c 300 | tr '\n' ' ')"
        REAL_SHAPES+=("$name|$guest")
    done
fi

# Our own stream checker must accept what the converter writes, as stock
# libxl does: emulator records of a converted stream carry emulator id 0
# (unknown), exactly as upstream's converter writes them.
XS=${XEN_STREAM:-$top/build/bin/xen-stream}
if [ -x "$XS" ]; then
    for name in pv64 hvm64; do
        [ -f "$W/$name.out" ] || continue
        "$XS" verify "$W/$name.v2" >"$W/$name.v2.verify" 2>&1
        report "xen-stream verify accepts mkv2's $name image" $? \
            "$(head -c 300 "$W/$name.v2.verify")"
        "$XS" verify "$W/$name.out" >"$W/$name.verify" 2>&1
        report "xen-stream verify accepts converted $name output" $? \
            "$(head -c 300 "$W/$name.verify")"
    done
else
    echo "SKIP: xen-stream verify of converted output (no build/bin/xen-stream)" | tee -a "$RESULTS"
fi

# The libxl header must say "legacy"; the 4.17 reader relies on it.
h=$(od -An -tx1 -j12 -N4 "$W/pv64.out" | tr -d ' \n')
[ "$h" = 00000002 ]
report "libxl header carries the legacy option bit" $? "options $h"

# A batch of nothing but unmappable entries gives no PAGE_DATA record
# (libxc rejects an empty one; upstream's converter writes it anyway).
python3 - "$W/holes.leg" <<'PYEOF'
import struct, sys
w = lambda v: struct.pack("<Q", v)
s = w(0x100)                                       # p2m size
s += struct.pack("<i", 2) + w(0xf0000000) * 2      # two holes, no data
s += struct.pack("<i", 1) + w(5) + bytes(4096)     # one real page
s += struct.pack("<iiQ", -2, 0, 1) + struct.pack("<i", 0)
s += struct.pack("<QQQ", 1, 2, 3) + struct.pack("<I", 8) + bytes(8)
s += b"DeviceModelRecord0002" + struct.pack("<I", 0)
open(sys.argv[1], "wb").write(s)
PYEOF
"$CONV" --in "$W/holes.leg" --out "$W/holes.out" --width 64 --guest hvm \
    --format libxl 2>"$W/holes.err" &&
    [ "$("$V2LIST" "$W/holes.out" | grep -c PAGE_DATA)" = 1 ]
report "all-hole batch gives no empty PAGE_DATA record" $?

# ---------------------------------------------------------------- oracle

oracle=$(bash "$here/oracle.sh" "$LEG_BUILD/oracle" 2>"$W/oracle-fetch.err")
if [ -z "$oracle" ]; then
    report "oracle: extract upstream's converter from the pinned tarball" 1 \
        "$(tail -c 300 "$W/oracle-fetch.err")"
else
    report "oracle: extract upstream's converter from the pinned tarball" 0
    opy=$(dirname "$(dirname "$oracle")")
    oracle_case() {  # label input converter-args...
        local label=$1 in=$2 rc fmt=libxl
        shift 2
        [[ " $* " == *" --format libxc "* ]] && fmt=libxc
        PYTHONPATH=$opy python3 "$oracle" -i "$in" -o "$W/$label.py.out" "$@" \
            >"$W/$label.py.log" 2>&1
        rc=$?
        if [ $rc != 0 ]; then
            report "oracle $label: upstream converts" 1 \
                "$(tail -c 300 "$W/$label.py.log")"
            return
        fi
        "$CONV" --in "$in" --out "$W/$label.c.out" "$@" 2>"$W/$label.c.err"
        rc=$?
        if [ $rc != 0 ]; then
            report "oracle $label: ours converts" 1 "$(head -c 300 "$W/$label.c.err")"
            return
        fi
        # Upstream's verifier on our output (it knows libxl and libxc).
        # Under Python 3 it rejects every EMULATOR_XENSTORE_DATA record (it
        # compares a byte with a str), so those outputs are left to the
        # byte comparison below.
        if "$V2LIST" "$W/$label.c.out" | grep -q EMULATOR_XENSTORE_DATA; then
            echo "SKIP: oracle $label: verify-stream-v2 (its xenstore check is broken under Python 3)" |
                tee -a "$RESULTS"
        else
            PYTHONPATH=$opy python3 "$opy/scripts/verify-stream-v2" -q \
                -i "$W/$label.c.out" -f "$fmt" >"$W/$label.verify.log" 2>&1
            report "oracle $label: upstream's verify-stream-v2 accepts ours" $? \
                "$(tail -c 300 "$W/$label.verify.log")"
        fi
        if cmp -s "$W/$label.py.out" "$W/$label.c.out"; then
            n=$("$V2LIST" "$W/$label.c.out" | wc -l)
            report "oracle $label: byte-identical to upstream" 0 \
                "$n records, $(stat -c %s "$W/$label.c.out") octets"
        else
            "$V2LIST" "$W/$label.py.out" >"$W/$label.py.list" 2>&1
            "$V2LIST" "$W/$label.c.out" >"$W/$label.c.list" 2>&1
            report "oracle $label: byte-identical to upstream" 1 \
                "first difference: $(diff "$W/$label.py.list" "$W/$label.c.list" | head -3 | tr '\n' ' ')"
        fi
    }
    for shape in "${SHAPES[@]}"; do
        IFS='|' read -r name gen leg conv <<<"$shape"
        [ -f "$W/$name.leg" ] || continue
        width=$(sed -n 's/.*--width \([0-9]*\).*/\1/p' <<<"$conv")
        guest=$(sed -n 's/.*--guest \([a-z]*\).*/\1/p' <<<"$conv")
        oracle_case "$name-libxl" "$W/$name.leg" --width "$width" \
            --guest "$guest" --format libxl
        oracle_case "$name-libxc" "$W/$name.leg" --width "$width" \
            --guest "$guest" --format libxc
        if [ "$guest" = hvm ]; then
            oracle_case "$name-libxc-skip-qemu" "$W/$name.leg" \
                --width "$width" --guest "$guest" --format libxc --skip-qemu
        fi
    done
    for shape in "${REAL_SHAPES[@]}"; do
        IFS='|' read -r name guest <<<"$shape"
        [ -f "$W/$name.leg" ] || continue
        oracle_case "$name-libxl" "$W/$name.leg" --width 64 --guest "$guest" \
            --format libxl
    done
    # The hand-built bases of the malformed set are valid streams too.
    python3 "$here/malformed.py" "$W/mal" || report "malformed.py runs" 1
    while read -r name code off guest width words; do
        [[ $name == ok-* ]] || continue
        oracle_case "$name" "$W/mal/$name.leg" --width "$width" \
            --guest "$guest" --format libxl
    done <"$W/mal/cases.txt"
fi

# ------------------------------------------------------------- malformed

[ -f "$W/mal/cases.txt" ] || python3 "$here/malformed.py" "$W/mal"
n_mal=0
while read -r name code off guest width words; do
    n_mal=$((n_mal + 1))
    msg=$("$CONV" --in "$W/mal/$name.leg" --out "$W/mal/$name.out" \
          --width "$width" --guest "$guest" --format libxl 2>&1)
    rc=$?
    ok=0
    why="exit $rc"
    [ "$rc" = "$code" ] || { ok=1; why="exit $rc, want $code"; }
    if [ "$off" != - ] && ! grep -q "input offset $off " <<<"$msg"; then
        ok=1; why="$why, offset $off not named"
    fi
    if [ "$code" != 0 ]; then
        IFS='|' read -ra ws <<<"$words"
        for wd in "${ws[@]}"; do
            grep -qF -- "$wd" <<<"$msg" || { ok=1; why="$why, no '$wd'"; }
        done
        grep -q "input offset [0-9]" <<<"$msg" || { ok=1; why="$why, no offset"; }
        grep -q "AddressSanitizer\|runtime error" <<<"$msg" && { ok=1; why="$why, sanitizer"; }
    fi
    report "malformed $name" $ok "$why: $(head -c 200 <<<"$msg")"
done <"$W/mal/cases.txt"
[ "$n_mal" -gt 50 ]
report "malformed: case table complete" $? "$n_mal cases"

# Non-blocking descriptors, slow input, a reader that lags.
if [ -f "$W/hvm64.out" ]; then
    python3 "$here/nonblock.py" "$CONV" "$W/hvm64.leg" "$W/hvm64.out" hvm \
        >"$W/nonblock.log" 2>&1
    report "non-blocking descriptors, slow input, lagging reader" $? \
        "$(tail -1 "$W/nonblock.log")"
fi

# Upstream's converter must reject the same broken inputs, except where we
# are stricter on purpose (docs/legacy.md lists these).
STRICTER=" batch-dup-pfn-typed batch-pfn-beyond-p2m batch-bad-type batch-high-bits
 vcpu-info-missing toolstack-name-chars too-many-param-chunks
 toolstack-pairs-overflow "
STRICTER=" $(echo $STRICTER) "
if [ -n "${opy:-}" ]; then
    agree=0 disagree=""
    while read -r name code off guest width words; do
        case $name in ok-*|trunc-*) continue ;; esac
        PYTHONPATH=$opy timeout 60 python3 "$oracle" -i "$W/mal/$name.leg" \
            -o "$W/mal/$name.py.out" -w "$width" -g "$guest" -f libxl \
            >/dev/null 2>&1
        prc=$?
        if [[ $STRICTER == *" $name "* ]]; then
            [ $prc = 0 ] || disagree="$disagree $name(upstream now rejects)"
        elif [ $prc = 0 ]; then
            disagree="$disagree $name"
        else
            agree=$((agree + 1))
        fi
    done <"$W/mal/cases.txt"
    [ -z "$disagree" ]
    report "malformed: upstream rejects the same inputs, bar our stricter checks" $? \
        "$agree agree${disagree:+; differ:$disagree}"
fi

# Output that cannot be written is an error, not a crash.
"$CONV" --in "$W/pv64.leg" --out /dev/full --width 64 --guest pv \
    --format libxl 2>"$W/full.err"
rc=$?
[ $rc = 1 ] && grep -q "write error" "$W/full.err"
report "output to a full device: exit 1 with a write error" $? "exit $rc"
# A reader that goes away (libxl aborting the restore).
( "$CONV" --in "$W/pv64.leg" --out - --width 64 --guest pv --format libxl \
    2>"$W/pipe.err"; echo $? >"$W/pipe.rc" ) | head -c 100 >/dev/null
[ "$(cat "$W/pipe.rc")" = 1 ] && grep -q "Broken pipe" "$W/pipe.err"
report "reader closes the pipe early: exit 1, no SIGPIPE death" $? \
    "exit $(cat "$W/pipe.rc")"

# ---------------------------------------------------------------- memory

# A 128 MiB guest through pipes, with the optimised binary: resident memory
# must stay small whatever the stream size.
REL=${LEG_REL:-$top/build/bin/convert-legacy-stream}
if [ -x "$REL" ] && [ -x /usr/bin/time ]; then
    "$MKV2" --guest pv --pages 32768 --vcpus 2 >"$W/big.v2" &&
        "$MKLEG" --no-xl "$W/big.v2" "$W/big.leg"
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$W/big.rss" "$REL" --in 0 --out 1 --width 64 \
        --guest pv --format libxl <"$W/big.leg" | cat >"$W/big.out"
    rc=${PIPESTATUS[0]}
    t1=$(date +%s.%N)
    rss=$(tail -1 "$W/big.rss")
    [ "$rc" = 0 ] && [ "$rss" -lt 8192 ] &&
        diff <(canon "$W/big.v2") <(canon "$W/big.out") >/dev/null
    report "memory: 128 MiB guest via pipes in bounded memory" $? \
        "max RSS ${rss} KiB, $(awk -v a="$t0" -v b="$t1" -v s="$(stat -c %s "$W/big.leg")" \
          'BEGIN{printf "%.0f MB/s", s/(b-a)/1e6}')"
    rm -f "$W/big.v2" "$W/big.leg" "$W/big.out"
else
    echo "SKIP: memory (no /usr/bin/time or optimised binary)" | tee -a "$RESULTS"
fi

# ------------------------------------------------------------------ fuzz

if [ -n "${LEG_FUZZ:-}" ] && [ -x "$LEG_FUZZ" ]; then
    bash "$here/seed-corpus.sh" "$LEG_BIN" "$W/corpus" >"$W/seed.log" 2>&1
    report "fuzz: seed corpus generated" $? "$(ls "$W/corpus" 2>/dev/null | wc -l) seeds"
    "$LEG_FUZZ" -runs=0 "$W/corpus" >"$W/fuzz-replay.log" 2>&1
    report "fuzz: harness replays the seed corpus" $?
    mkdir -p "$W/corpus-run"
    "$LEG_FUZZ" -max_total_time="${LEG_FUZZ_SECONDS:-8}" -max_len=65536 \
        "$W/corpus-run" "$W/corpus" >"$W/fuzz-run.log" 2>&1
    rc=$?
    report "fuzz: ${LEG_FUZZ_SECONDS:-8} s run without findings" $rc \
        "$(grep -o 'stat::number_of_executed_units: [0-9]*' "$W/fuzz-run.log" || tail -1 "$W/fuzz-run.log")"
else
    echo "SKIP: fuzz (no clang libFuzzer build)" | tee -a "$RESULTS"
fi
exit 0
