#!/bin/bash
# Builds the seed corpus for every harness from mkstream (small shapes, so
# each seed is a few tens of KiB), plus the real images in seeds-real/
# (brought back from the emulated host, reduced: import-real-seeds.sh).
set -eu
out=$1
: "${MKSTREAM:?}"
rm -rf "$out"
mkdir -p "$out"/fuzz_verify "$out"/fuzz_codec "$out"/fuzz_libxc_walk \
         "$out"/fuzz_xenstore "$out"/fuzz_zstd_section
# fuzz_verify and fuzz_libxc_walk take one leading octet (the chunk size).
prefix() { { printf '\x05'; cat "$1"; } > "$2"; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
while IFS=$'\t' read -r name _; do
    "$MKSTREAM" --pages 3 --variant "$name" "$tmp"
    [ "$(stat -c %s "$tmp")" -le 65536 ] || continue
    prefix "$tmp" "$out/fuzz_verify/$name"
    # the same stream read the way a pipe is read (opaque data dropped)
    case $name in valid-*) { printf '\x85'; cat "$tmp"; } > "$out/fuzz_verify/$name-drop" ;; esac
done < <("$MKSTREAM" --list-variants)
for shape in pv hvm; do
    "$MKSTREAM" --pages 2 --shape $shape --no-xl --xenstore "$out/fuzz_codec/$shape"
    "$MKSTREAM" --pages 2 --shape $shape --bare-libxc "$tmp"
    prefix "$tmp" "$out/fuzz_libxc_walk/$shape"
    "$MKSTREAM" --pages 2 --shape $shape --checkpoints 2 --bare-libxc "$tmp"
    prefix "$tmp" "$out/fuzz_libxc_walk/$shape-checkpoint"
done
"$MKSTREAM" --pages 2 --shape hvm --checkpoints 2 --no-xl "$out/fuzz_codec/checkpointed"
# Real images: the whole image for fuzz_verify (read whole and as a pipe
# would read it), the bare libxl stream for fuzz_codec, the bare libxc
# stream for fuzz_libxc_walk.
real=$(dirname "$0")/seeds-real
for img in "$real"/*.img; do
    [ -f "$img" ] || continue
    name=real-$(basename "$img" .img)
    prefix "$img" "$out/fuzz_verify/$name"
    { printf '\x85'; cat "$img"; } > "$out/fuzz_verify/$name-drop"
    # the libxl stream starts at its header ("LibxlFmt"), after xl's header
    off=$(grep -abo LibxlFmt "$img" | head -1 | cut -d: -f1)
    [ -n "$off" ] && tail -c +$((off + 1)) "$img" > "$out/fuzz_codec/$name"
    [ -f "${img%.img}.libxc" ] && prefix "${img%.img}.libxc" "$out/fuzz_libxc_walk/$name"
done
# fuzz_zstd_section: 4 octets of mode, chunk and damage offset, then a
# stream for our encoder (odd modes) or compressed data (even modes: the
# zstd tool's frames, with and without our end mark).
for name in valid-pv valid-hvm-xenstore; do
    "$MKSTREAM" --pages 2 --variant "$name" "$tmp"
    { printf '\x01\x05\x00\x00'; cat "$tmp"; } > "$out/fuzz_zstd_section/$name-encode"
    { printf '\x03\x09\x01\x10'; cat "$tmp"; } > "$out/fuzz_zstd_section/$name-damage"
    if command -v zstd > /dev/null; then
        { printf '\x00\x05\x00\x00'; zstd -q -c "$tmp"
          printf '\x5e\x2a\x4d\x18\x00\x00\x00\x00'; } > "$out/fuzz_zstd_section/$name-frames"
        { printf '\x04\x05\x00\x00'; zstd -q -c "$tmp"; } > "$out/fuzz_zstd_section/$name-bare"
    fi
done
printf 'physmap/f0000000/start_addr\0f0000000\0physmap/f0000000/size\0001000000\0' \
    > "$out/fuzz_xenstore/physmap"
printf 'a\0\0' > "$out/fuzz_xenstore/empty-value"
printf '/abs\0x\0' > "$out/fuzz_xenstore/absolute"
printf 'a\0b' > "$out/fuzz_xenstore/unterminated"
echo "corpus: $(find "$out" -type f | wc -l) seeds in $out"
