#!/bin/bash
# xen-stream on zstd-compressed input (`xl save -z` files and bare .zst
# files) and `convert --zstd`.
#
#  - every mkstream variant, valid and malformed, compressed both ways
#    (with the reference zstd tool, not our encoder): the same exit status
#    and the same message as the plain file;
#  - a compressed file cut or damaged anywhere: a clear error naming the
#    offset, never a verdict of valid;
#  - convert --zstd and back gives the original octets; what our encoder
#    writes the zstd tool decompresses to the plain stream;
#  - memory does not grow with a compressed image.
#
# Environment: RESULTS (log), XEN_STREAM, MKSTREAM, WORK, SEEDS, RSS_TIME,
# XEN_STREAM_OPT (the optimized build, for the memory check).
set -u
. "$(dirname "$0")/../lib/unit-script.sh"

command -v zstd > /dev/null || {
    check "zstd/tool-present" 1 "the zstd tool is missing (scripts/install-deps.sh installs it)"
    exit 1
}

XL_MAGIC='Xen saved domain, xl format'
# le32 FILE OFFSET
le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
end_mark() { printf '\x5e\x2a\x4d\x18\x00\x00\x00\x00'; }

# zxl IN OUT: IN laid out as `xl save -z` writes it: the xl header with
# mandatory flag 0x4 added and its optional data as they are, then the
# rest as zstd frames and the end mark.  Fails if IN has no intact header.
zxl() {
    local in=$1 out=$2 opt flags size
    size=$(stat -c %s "$in")
    [ "$size" -ge 48 ] || return 1
    [ "$(head -c 27 "$in" | tr -d '\0')" = "$XL_MAGIC" ] || return 1
    flags=$(le32 "$in" 36)
    [ $((flags & 4)) = 0 ] || return 1
    opt=$(le32 "$in" 44)
    [ "$size" -ge $((48 + opt)) ] || return 1
    {
        head -c 36 "$in"
        printf "\\x$(printf %02x $(( (flags | 4) & 255 )))"
        tail -c +38 "$in" | head -c $((11 + opt))
        tail -c +$((49 + opt)) "$in" | zstd -q -1 -c
        end_mark
    } > "$out"
}

# same_verdict NAME PLAIN COMPRESSED: exit status and message agree (the
# file name aside).
same_verdict() {
    local name=$1 p=$2 z=$3 po pr zo zr
    po=$("$XEN_STREAM" verify "$p" 2>&1); pr=$?
    zo=$("$XEN_STREAM" verify "$z" 2>&1); zr=$?
    po=${po//$p/FILE}; zo=${zo//$z/FILE}
    case "$zo" in *AddressSanitizer*|*"runtime error"*) zr=99 ;; esac
    if [ "$pr" = "$zr" ] && [ "$po" = "$zo" ]; then
        return 0
    fi
    echo "  $name: plain exit $pr: $(echo "$po" | head -1)"
    echo "  $name: zstd  exit $zr: $(echo "$zo" | head -1)"
    return 1
}

# ---- every variant, compressed both ways ----
bad_xl=0; bad_bare=0; n_xl=0; n_bare=0
while IFS=$'\t' read -r name expect fragment what; do
    "$MKSTREAM" --pages 64 --variant "$name" v.img || continue
    if zxl v.img v.xlz; then
        n_xl=$((n_xl + 1))
        same_verdict "$name (xl -z)" v.img v.xlz || bad_xl=$((bad_xl + 1))
    fi
    # A zstd frame inside a zstd frame: the plain file is judged by the
    # decompressor, the wrapped one by the walker, in other words.
    [ "$name" = foreign-zstd ] && continue
    zstd -q -1 -f -o v.zst v.img
    n_bare=$((n_bare + 1))
    same_verdict "$name (.zst)" v.img v.zst || bad_bare=$((bad_bare + 1))
done < <("$MKSTREAM" --list-variants)
check "zstd/variants-xl-flag-same-verdict" $bad_xl "$n_xl variants"
check "zstd/variants-bare-same-verdict" $bad_bare "$n_bare variants"
[ "$n_xl" -gt 40 ]
check "zstd/variants-xl-flag-count" $? "$n_xl of them have an xl header to flag"

# The real images too, info included (sizes are the uncompressed ones).
bad=0
for f in "$SEEDS"/*.img; do
    zxl "$f" r.xlz || { bad=1; continue; }
    same_verdict "$(basename "$f")" "$f" r.xlz || bad=1
    a=$("$XEN_STREAM" info "$f" 2>&1 | grep -v '^file:\|^size:\|^container:')
    b=$("$XEN_STREAM" info r.xlz 2>&1 | grep -v '^file:\|^size:\|^container:\|^compression:')
    [ "$a" = "$b" ] || { echo "  info differs for $(basename "$f")"; bad=1; }
done
check "zstd/real-images-same-verdict-and-info" $bad

# ---- info says it ----
"$MKSTREAM" --pages 300 --variant valid-hvm-xenstore big.img
zxl big.img big.xlz
out=$("$XEN_STREAM" info big.xlz)
echo "$out" | grep -q "^compression: *zstd (xl header flag), [0-9]* compressed octets of $(stat -c %s big.xlz) read" &&
    echo "$out" | grep -q "^size: *$(stat -c %s big.img) octets (uncompressed)" &&
    echo "$out" | grep -q "mandatory flags 0x7"
check "zstd/info-xl-flag" $? "$(echo "$out" | sed -n 2,4p | tr '\n' '|')"
zstd -q -f -o big.zst big.img
out=$("$XEN_STREAM" --json info big.zst)
echo "$out" | grep -q '"compression": "zstd"' &&
    echo "$out" | grep -q '"compression_xl_flag": false' &&
    echo "$out" | grep -q "\"compressed_octets\": $(stat -c %s big.zst)"
check "zstd/info-json-bare" $?
out=$("$XEN_STREAM" info big.img)
! echo "$out" | grep -q '^compression:'
check "zstd/info-plain-says-nothing" $?

# dump and pipes work the same on compressed input
a=$("$XEN_STREAM" dump big.img | sed 's/^big.img: valid/FILE: valid/')
b=$(cat big.xlz | "$XEN_STREAM" dump - | sed 's/^<stdin>: valid/FILE: valid/')
[ -n "$a" ] && [ "$a" = "$b" ]
check "zstd/dump-from-pipe-same" $?

# ---- cut or damaged compressed input ----
size=$(stat -c %s big.xlz)
opt=$(le32 big.xlz 44)
bad=0; count=0
for cut in $((48 + opt + 3)) $((48 + opt + 8)) $((48 + opt + 100)) $((size / 2)) \
           $((size - 9)) $((size - 8)) $((size - 1)); do
    count=$((count + 1))
    head -c "$cut" big.xlz > cut.xlz
    out=$("$XEN_STREAM" verify cut.xlz 2>&1); rc=$?
    if [ $rc != 1 ] || ! echo "$out" | grep -Eq "invalid: .*truncated.* at offset [0-9]+|truncated: the input ends at offset $cut"; then
        echo "  cut at $cut: exit $rc: $out"; bad=1
    fi
done
check "zstd/truncated-named-at-$count-cuts" $bad
# Cut after the last frame, before the end mark: the stream inside is
# complete, but the file is not what xl wrote.
head -c $((size - 8)) big.xlz > cut.xlz
out=$("$XEN_STREAM" verify cut.xlz 2>&1)
echo "$out" | grep -q "before the end mark"
check "zstd/missing-end-mark-named" $? "$out"

bad=0
for at in $((48 + opt + 20)) $((size / 3)) $((size / 2)) $((size - 30)); do
    cp big.xlz dmg.xlz
    printf '\xa5\x5a\xa5\x5a' | dd of=dmg.xlz bs=1 seek="$at" conv=notrunc 2>/dev/null
    out=$("$XEN_STREAM" verify dmg.xlz 2>&1); rc=$?
    if [ $rc != 1 ] || ! echo "$out" | grep -Eq 'at offset [0-9]+'; then
        echo "  damage at $at: exit $rc: $out"; bad=1
    fi
    case "$out" in *AddressSanitizer*|*"runtime error"*) bad=1 ;; esac
done
check "zstd/damage-named" $bad

# A frame demanding a 1 GiB window is refused, not allocated.
"$MKSTREAM" --pages 64 --variant valid-pv w.img
cat w.img | zstd -q -f --long=30 -o w.zst 2>/dev/null
out=$("$XEN_STREAM" verify w.zst 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'needs a window larger than the 16 MiB'
check "zstd/window-cap" $? "$(echo "$out" | head -1 | cut -c1-160)"

# ---- convert ----
bad=0
for f in "$SEEDS"/*.img big.img; do
    b=$(basename "$f" .img)
    "$XEN_STREAM" convert --zstd "$f" "$b.z" 2>/dev/null &&
        "$XEN_STREAM" verify "$b.z" > /dev/null 2>&1 &&
        "$XEN_STREAM" convert "$b.z" "$b.back" 2>/dev/null &&
        "$XEN_STREAM" convert "$f" "$b.plain" 2>/dev/null &&
        cmp -s "$b.back" "$b.plain" || { echo "  $b: xl round trip differs"; bad=1; }
    # What our encoder wrote, the zstd tool reads.
    opt=$(le32 "$b.z" 44)
    [ $(( $(le32 "$b.z" 36) & 4 )) = 4 ] &&
        tail -c +$((49 + opt)) "$b.z" | zstd -q -d -c > "$b.ztool" &&
        "$XEN_STREAM" convert --to libxl "$f" "$b.libxl" 2>/dev/null &&
        cmp -s "$b.ztool" "$b.libxl" || { echo "  $b: zstd -d of our frames differs"; bad=1; }
    for to in libxl libxc; do
        "$XEN_STREAM" convert --to $to --zstd "$f" "$b.$to.zst" 2>/dev/null &&
            "$XEN_STREAM" convert --to $to "$f" "$b.$to" 2>/dev/null &&
            zstd -q -d -c "$b.$to.zst" | cmp -s - "$b.$to" ||
            { echo "  $b: --to $to --zstd differs"; bad=1; }
    done
done
check "zstd/convert-round-trips" $bad

# Compressed in, compressed out, through pipes.
cat big.xlz | "$XEN_STREAM" convert --zstd - - 2>/dev/null > pipe.xlz &&
    "$XEN_STREAM" convert pipe.xlz pipe.plain 2>/dev/null &&
    "$XEN_STREAM" convert big.img big.plain 2>/dev/null &&
    cmp -s pipe.plain big.plain
check "zstd/convert-pipes" $?

# A damaged compressed input leaves no output.
rm -f none.out
"$XEN_STREAM" convert dmg.xlz none.out > conv.err 2>&1; rc=$?
[ $rc = 1 ] && [ ! -e none.out ] && grep -q 'invalid: compressed input' conv.err
check "zstd/convert-damaged-no-output" $? "$(head -1 conv.err)"

# ---- memory: bounded whatever the size (optimized build) ----
if [ -n "${XEN_STREAM_OPT:-}" ] && [ -x "${RSS_TIME:-}" ]; then
    "$MKSTREAM" --pages 32768 --variant valid-hvm-xenstore huge.img
    zxl huge.img huge.xlz
    line=$("$RSS_TIME" -- "$XEN_STREAM_OPT" verify huge.xlz 2>/dev/null)
    rss=$(echo "$line" | sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p')
    [ -n "$rss" ] && [ "$rss" -lt 8192 ] && echo "$line" | grep -q "status=0"
    check "zstd/128MiB-compressed-image-rss-under-8MiB" $? "$line"
    rm -f huge.img huge.xlz
fi

[ $fails = 0 ]
