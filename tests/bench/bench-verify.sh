#!/bin/bash
# make bench: how fast `xen-stream verify` walks a large image compared
# with simply reading it (`cat FILE >/dev/null`), from a file and from a
# pipe, and how much memory it needs; and the same for `xen-stream
# convert`, which checks every octet it copies (output to /dev/null, as
# cat's).  Each figure is the best of RUNS.
#
# Environment: BENCH_GIB (image size), BENCH_DIR, BIN (xen-stream,
# mkstream, rss-time), RUNS (default 3).
set -eu
: "${BENCH_GIB:=2}" "${RUNS:=3}"
img=$BENCH_DIR/pv-${BENCH_GIB}gib.img
mkdir -p "$BENCH_DIR"
if [ ! -s "$img" ]; then
    echo "== writing a ${BENCH_GIB} GiB PV image (PAGE_DATA batches of 1024 pages) to $img"
    "$BIN/mkstream" --bench-gib "$BENCH_GIB" "$img.tmp"
    mv "$img.tmp" "$img"
fi
size=$(stat -c %s "$img")
"$BIN/xen-stream" verify "$img" >/dev/null   # valid, and now in page cache

# best <label> [--pipe-from F] -- cmd...: prints "seconds rss_kib"
best() {
    local t_best= r_best= line t r
    for _ in $(seq "$RUNS"); do
        line=$("$BIN/rss-time" "$@")
        t=${line#elapsed=}; t=${t%% *}
        r=${line#*maxrss_kib=}; r=${r%% *}
        case "$line" in *status=0) ;; *) echo "command failed: $*: $line" >&2; exit 1 ;; esac
        if [ -z "$t_best" ] || awk "BEGIN{exit !($t < $t_best)}"; then t_best=$t; fi
        if [ -z "$r_best" ] || [ "$r" -gt "$r_best" ]; then r_best=$r; fi
    done
    echo "$t_best $r_best"
}

read -r t_cat r_cat < <(best -- cat "$img")
read -r t_ver r_ver < <(best -- "$BIN/xen-stream" verify "$img")
read -r t_all r_all < <(best -- "$BIN/xen-stream" verify --read-all "$img")
read -r t_pip r_pip < <(best --pipe-from "$img" -- "$BIN/xen-stream" verify -)
read -r t_pal r_pal < <(best --pipe-from "$img" -- "$BIN/xen-stream" verify --read-all -)
# What a pipe costs by itself: the same cat, feeding a reader that does
# nothing but read (cat again).  verify - cannot be faster than this.
read -r t_pcat r_pcat < <(best --pipe-from "$img" -- cat)
read -r t_cnv r_cnv < <(best -- "$BIN/xen-stream" convert --to libxl "$img" -)
read -r t_pcnv r_pcnv < <(best --pipe-from "$img" -- "$BIN/xen-stream" convert --to libxl - -)

row() {
    awk -v n="$1" -v t="$2" -v r="$3" -v s="$size" -v base="$t_cat" 'BEGIN {
        printf "  %-42s %8.3f s %9.1f MB/s %7.2fx %8.1f MiB\n",
               n, t, s / t / 1e6, t / base, r / 1024 }'
}
echo "== bench: $(awk -v s="$size" 'BEGIN{printf "%.2f GiB", s/1073741824}') image, best of $RUNS, warm page cache"
printf '  %-42s %10s %14s %8s %12s\n' command time throughput "vs cat" "peak RSS"
row "cat FILE >/dev/null" "$t_cat" "$r_cat"
row "xen-stream verify FILE" "$t_ver" "$r_ver"
row "xen-stream verify --read-all FILE" "$t_all" "$r_all"
row "cat FILE | xen-stream verify -" "$t_pip" "$r_pip"
row "cat FILE | xen-stream verify --read-all -" "$t_pal" "$r_pal"
row "cat FILE | cat >/dev/null (pipe cost)" "$t_pcat" "$r_pcat"
row "xen-stream convert --to libxl FILE -" "$t_cnv" "$r_cnv"
row "cat FILE | xen-stream convert --to libxl - -" "$t_pcnv" "$r_pcnv"
awk -v a="$t_ver" -v b="$t_pip" -v c="$t_cat" -v p="$t_pcat" \
    -v ra="$t_all" -v pa="$t_pal" \
    -v r1="$r_ver" -v r2="$r_pip" 'BEGIN {
    printf "== verify FILE / cat FILE = %.2f (target <= 1.25: %s); " \
           "reading every octet (--read-all) %.2f\n", a / c,
           a / c <= 1.25 ? "met" : "NOT met", ra / c
    printf "== cat|verify --read-all - / cat|cat = %.2f\n", pa / p
    printf "== cat|verify - / cat FILE = %.2f (target <= 1.25: %s); " \
           "vs the bare pipe cat|cat = %.2f\n", b / c,
           b / c <= 1.25 ? "met" : "NOT met", b / p
    printf "== peak RSS %.1f MiB file, %.1f MiB pipe (target < 16 MiB: %s)\n",
           r1 / 1024, r2 / 1024, (r1 < 16384 && r2 < 16384) ? "met" : "NOT met" }'
awk -v a="$t_cnv" -v b="$t_pcnv" -v c="$t_cat" -v p="$t_pcat" \
    -v r1="$r_cnv" -v r2="$r_pcnv" 'BEGIN {
    printf "== convert FILE / cat FILE = %.2f; cat|convert / cat|cat = %.2f;" \
           " peak RSS %.1f MiB file, %.1f MiB pipe\n", a / c, b / p,
           r1 / 1024, r2 / 1024 }'
