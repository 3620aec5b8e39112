#!/bin/bash
# import-real-seeds.sh SEEDS_DIR [NAME=SCENARIO.N ...]
#
# Turns the images an emulated-host run brought back (XS_KEEP_SEEDS=1 in
# run.conf, e.g. `make host-asan HOST_ASAN_KEEP_SEEDS=1`: results/seeds/
# SCENARIO.N.img.gz, already cut down in dom0 to one PAGE_DATA record) into
# the committed seeds in tests/fuzz/seeds-real/:
#
#   NAME.img    the image with its PAGE_DATA record trimmed to its first
#               $PAGES pfns (trim-page-data.c); still a valid image
#   NAME.libxc  the bare libxc stream inside it (for fuzz_libxc_walk)
#
# Each must pass `xen-stream verify`, or nothing is written for it.
# Default names: pv-save=save-restore.0 pv-checkpoint=save-checkpoint.0
# pv-migrate=migrate-localhost.0.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:?usage: import-real-seeds.sh SEEDS_DIR [NAME=SCENARIO.N ...]}; shift
OUT=${OUT:-$TOP/tests/fuzz/seeds-real}
XEN_STREAM=${XEN_STREAM:-$TOP/build/bin/xen-stream}
PAGES=${PAGES:-2}
CC=${CC:-cc}
[ $# -gt 0 ] || set -- pv-save=save-restore.0 pv-checkpoint=save-checkpoint.0 \
    pv-migrate=migrate-localhost.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$CC -O1 -Wall -Wextra -o "$tmp/trim" "$TOP/tests/fuzz/trim-page-data.c"
mkdir -p "$OUT"
for m in "$@"; do
    name=${m%%=*} from=${m#*=}
    [ -f "$src/$from.img.gz" ] || { echo "import: no $src/$from.img.gz, skipped $name" >&2; continue; }
    gzip -dc "$src/$from.img.gz" > "$tmp/in.img"
    "$XEN_STREAM" dump "$tmp/in.img" > "$tmp/dump.txt"
    off=$(awk '/ PAGE_DATA /{ print substr($1, 2) + 0; exit }' "$tmp/dump.txt")
    if [ -n "$off" ]; then
        "$tmp/trim" "$tmp/in.img" "$tmp/$name.img" "$off" "$PAGES"
    else
        cp "$tmp/in.img" "$tmp/$name.img"
    fi
    "$XEN_STREAM" verify "$tmp/$name.img" || { echo "import: $name does not verify, not written" >&2; continue; }
    # The bare libxc stream: from its image header to the record after
    # its END (the next libxl record), or to the end of the file.
    "$XEN_STREAM" dump "$tmp/$name.img" > "$tmp/dump.txt"
    eval "$(awk '/^ *@/ { o = substr($1, 2) + 0; if (we) { e = o; we = 0 } }
        /libxc image header/ { s = substr($1, 2) + 0 }
        /libxc record [0-9]+ END / { we = 1 }
        END { print "s=" s + 0 "; e=" e + 0 }' "$tmp/dump.txt")"
    [ "$e" -gt 0 ] || e=$(stat -c %s "$tmp/$name.img")
    tail -c +$((s + 1)) "$tmp/$name.img" | head -c $((e - s)) > "$tmp/$name.libxc"
    "$XEN_STREAM" verify "$tmp/$name.libxc" || { echo "import: $name.libxc does not verify, not written" >&2; continue; }
    cp "$tmp/$name.img" "$tmp/$name.libxc" "$OUT/"
    echo "import: $name from $from: $(stat -c %s "$OUT/$name.img") + $(stat -c %s "$OUT/$name.libxc") octets"
done
