#!/bin/bash
# seed-corpus.sh BINDIR OUTDIR: seed inputs for tests/fuzz/fuzz_legacy.c.
# Each seed is one option octet (see the harness) followed by a small
# legacy stream: synthetic images of every shape run through mklegacy, and
# the hand-built valid and malformed streams of malformed.py.
set -euo pipefail
bin=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$out.tmp
rm -rf "$out" "$tmp"
mkdir -p "$out" "$tmp"

# seed NAME OPTION-OCTET FILE
seed() { { printf "\\x$(printf %02x "$2")"; cat "$3"; } >"$out/$1"; }

i=0
while IFS='|' read -r gen leg bits; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$bin/mkv2" $gen --xl >"$tmp/$i.v2"
    # shellcheck disable=SC2086
    "$bin/mklegacy" $leg --no-xl "$tmp/$i.v2" "$tmp/$i.leg"
    # shellcheck disable=SC2086
    "$bin/mklegacy" $leg "$tmp/$i.v2" "$tmp/$i.xl.leg"
    seed "shape$i-libxl" "$bits" "$tmp/$i.leg"
    seed "shape$i-libxc" $((bits | 4)) "$tmp/$i.leg"
    seed "shape$i-xl" $((bits | 8)) "$tmp/$i.xl.leg"
done <<'SHAPES'
--guest=pv --pages=2 --vcpus=3 --ext --xsave=64 --types|--holes --unmapped=1|0
--guest=pv --bits=32 --pages=2 --vcpus=1|--width=32|2
--guest=hvm --pages=2 --physmap=2 --qemu=64|--holes|1
--guest=hvm --pages=1 --physmap=1 --qemu=16|--width=32|3
SHAPES

python3 "$here/malformed.py" "$tmp/mal" >/dev/null
while read -r name code off guest width words; do
    # The fuzzer runs with -max_len=65536; larger cases stay in the table.
    [ "$(stat -c %s "$tmp/mal/$name.leg")" -le 65535 ] || continue
    o=0
    [ "$guest" = hvm ] && o=$((o | 1))
    [ "$width" = 32 ] && o=$((o | 2))
    seed "mal-$name" "$o" "$tmp/mal/$name.leg"
done <"$tmp/mal/cases.txt"
rm -rf "$tmp"
