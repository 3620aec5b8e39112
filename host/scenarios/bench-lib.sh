# Sourced by the benchmark scenarios (bench.sh, bench-h2h.sh) after lib.sh:
# variants, their order per round, and bench.raw's lines.  The caller sets
# VARIANTS and RAW.

# A variant is BUILD, BUILD-z (xl save -z / xl migrate -z) or BUILD-nze
# (--send-zero-pages).
build_of() { echo "${1%%-*}"; }
opts_of() {
    case $1 in
        *-z) echo -z ;;
        *-nze) echo --send-zero-pages ;;
        *) echo ;;
    esac
}

# rotated R: the variants, starting at place (R - 1) mod their number.
rotated() {
    echo $VARIANTS | awk -v r="$1" '{
        for (i = 0; i < NF; i++) printf "%s ", $(((r - 1 + i) % NF) + 1) }'
}

# record R OP V OCTETS AGE XALLOC [DOWN]: one line of $RAW; the time is
# $took.  DOWN: the downtime xl reported, in ms (our xl only).
record() {
    echo "round $1 op $2 variant $3 secs $took octets $4 age $5 xalloc $6${7:+ down $7}" >> "$RAW"
}

# longest_pause FILE FROM: the longest pause memcheck reported after line
# FROM of FILE ("mem gap" lines, the larger of its two clocks), in ms;
# nothing if it reported none.  After a migration or a restore that is the
# suspension as the guest saw it, measured the same way for every build.
longest_pause() {
    mem_lines "$1" "$2" |
        sed -n 's/^mem gap \([0-9]*\) ms realtime \([0-9]*\) ms .*/\1 \2/p' |
        awk '{ g = $1 > $2 ? $1 : $2; if (g > m) m = g } END { if (m) print m }'
}
