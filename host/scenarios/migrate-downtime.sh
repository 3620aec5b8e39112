# migrate-downtime: what xl tells an operator about a migration, checked
# against the guest.  Our xl on both ends, on this host.
#  1. xl migrate -q --stats=FILE: nothing but xl's own messages on stderr
#     (no progress line, no totals, from the sender or the receiver); the
#     JSON totals are written, and the downtime in them agrees with the
#     pause the guest itself saw: memcheck's first "mem gap" line on the
#     destination (its wall clock across the suspension, 10 ms sleeps).
#     The guest's pause is longer than xl's figure by its own suspend and
#     resume work, and may be shorter only by the latency of the report
#     inside xl's: it must be within -DOWNTIME_BELOW_MS .. +DOWNTIME_ABOVE_MS
#     of xl's (docs/progress.md has what each figure includes and the
#     measured differences).
#  2. xl migrate --stats=FILE with stderr into a pipe, through a relay that
#     slows the stream to a few MiB/s: progress comes as lines (no \r),
#     XLP_LINE_MS (3 s) apart or more, with octets, rate and iteration; the
#     receiver's lines too; then the summary with the guest's pause; the
#     downtime agrees with the guest's again.
#  3. xl save --stats and xl restore --stats: their totals count the
#     octets of the stream, which is the image less xl's header.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
# How far the guest's pause may be below and above xl's downtime (ms).
DOWNTIME_BELOW_MS=${DOWNTIME_BELOW_MS:-100}
DOWNTIME_ABOVE_MS=${DOWNTIME_ABOVE_MS:-1000}
d=/run/xs/downtime
rm -rf "$d"; mkdir -p "$d"

# slow_ssh: an ssh stand-in that runs the receiver here and relays the
# sender's bytes to it, at most 1.5 MiB per 0.1 s.
slow_ssh() {
    cat > "$d/slow-ssh" <<'SH'
#!/bin/sh
shift   # the host: always this one
f=/run/xs/downtime/fwd
rm -f "$f"; mkfifo "$f"
exec 4<&0 0</dev/null
sh -c '
    exec 3> '"$f"'
    while :; do
        out=$(dd bs=65536 count=24 2>&1 >&3) || exit 1
        case $out in "0+0 records in"*) exit 0 ;; esac
        sleep 0.1
    done' <&4 > /dev/null &
exec 4<&-
"$@" < "$f"
SH
    chmod +x "$d/slow-ssh"
    echo "$d/slow-ssh"
}

# stamp: each line of stdin with the uptime (s) in front.
stamp() {
    while IFS= read -r l; do
        echo "$(now) $l"
    done
}

# json_num FILE KEY: a number from xl's one-line JSON totals.
json_num() { sed -n "s/.*\"$2\":\([0-9][0-9]*\).*/\1/p" "$1"; }

# migrate_watched NAME SSH OPTS...: migrate the guest to this host with
# --stats=$d/NAME.json, stderr stamped into $d/NAME.err.  Then the guest
# must run on (check_continues), and the downtime must agree with the
# guest's own gap.  Sets $down, $gap, $mig_took.
migrate_watched() {
    local name=$1 ssh=$2 log before t0 rc
    shift 2
    log=$(incoming_log)
    before=$(last_tick "$(guest_log)")
    echo "+ xl migrate $* --stats=$d/$name.json -s $ssh $XS_GUEST localhost"
    t0=$(now)
    { xl migrate "$@" --stats="$d/$name.json" -s "$ssh" "$XS_GUEST" \
          localhost; echo $? > "$d/$name.rc"; } 2>&1 | stamp > "$d/$name.err"
    mig_took=$(since "$t0")
    rc=$(cat "$d/$name.rc")
    sed 's/^/  | /' "$d/$name.err"
    [ "$rc" = 0 ] || fail "$name: xl migrate exited $rc: $(oneline "$d/$name.err" 4)"
    set_guest_log "$log"
    check_continues "$log" 0 "$before" || fail "$name: $evidence"
    [ -s "$d/$name.json" ] || fail "$name: no JSON totals in $d/$name.json"
    cat "$d/$name.json"
    down=$(json_num "$d/$name.json" downtime_ms)
    [ -n "$down" ] || fail "$name: no downtime_ms in $(cat "$d/$name.json")"
    # The guest's first gap after it arrived: the suspension.
    gap=$(mem_lines "$log" 0 |
          sed -n 's/^mem gap \([0-9]*\) ms realtime \([0-9]*\) ms .*/\1 \2/p' |
          head -1 | awk '{ print ($1 > $2 ? $1 : $2) }')
    [ -n "$gap" ] || fail "$name: the guest reported no pause (no mem gap line in $(basename "$log")), xl says $down ms"
    note "$name: xl says the guest was paused $down ms; the guest saw $gap ms (difference $((gap - down)) ms, allowed -$DOWNTIME_BELOW_MS..+$DOWNTIME_ABOVE_MS)"
    if [ $((gap - down)) -gt "$DOWNTIME_ABOVE_MS" ] ||
       [ $((down - gap)) -gt "$DOWNTIME_BELOW_MS" ]; then
        fail "$name: xl reports a downtime of $down ms, the guest saw a pause of $gap ms: outside -$DOWNTIME_BELOW_MS..+$DOWNTIME_ABOVE_MS ms"
    fi
}

ensure_guest || fail "no running guest"

# 1. quiet
migrate_watched quiet xs-ssh -q
q_down=$down q_gap=$gap q_took=$mig_took
if grep -E 'xl migrate(-receive)?: ' "$d/quiet.err"; then
    fail "xl migrate -q printed progress or totals: $(grep -E 'xl migrate(-receive)?: ' "$d/quiet.err" | head -2 | tr '\n' '|')"
fi

# 2. into a pipe, slowed down
migrate_watched lines "$(slow_ssh)"
l_down=$down l_gap=$gap l_took=$mig_took
cut -d' ' -f2- "$d/lines.err" | grep -q "$(printf '\r')" &&
    fail "progress into a pipe carries a carriage return"
grep ' xl migrate: .* sent, .*/s' "$d/lines.err" > "$d/progress" ||
    fail "no progress line from the sender in $mig_took s: $(oneline "$d/lines.err" 4)"
grep -q ' xl migrate: .*, iteration [0-9]' "$d/progress" ||
    fail "the progress lines do not give the iteration: $(oneline "$d/progress" 2)"
grep -q ' xl migrate-receive: .* received, ' "$d/lines.err" ||
    fail "no progress line from the receiver: $(oneline "$d/lines.err" 4)"
n=$(wc -l < "$d/progress")
# Lines at least XLP_LINE_MS apart (the stamps are 10 ms exact): not a
# flood; and one every 3 s while the stream ran (its time is in the
# summary; the last second of it is the handshake, no stream).
close=$(awk 'NR > 1 && $1 - prev < 2.9 { print } { prev = $1 }' "$d/progress")
[ -z "$close" ] || fail "progress lines less than 3 s apart: $close"
summary=$(grep -o 'xl migrate: sent .* in .* s (.*), [0-9]* iterations*; guest paused for [0-9]* ms' "$d/lines.err") ||
    fail "no summary line: $(oneline "$d/lines.err" 4)"
want=$(echo "$summary" | sed -n 's/.* in \([0-9.]*\) s .*/\1/p' |
       awk '{ n = int(($1 - 1) / 3); print (n > 1 ? n : 1) }')
[ "$n" -ge "${want:-1}" ] || fail "$n progress line(s) in a stream of $(echo "$summary" | sed -n 's/.* in \([0-9.]*\) s .*/\1/p') s (expected one every 3 s, at least $want)"
it=$(json_num "$d/lines.json" iterations)
[ "${it:-0}" -ge 2 ] || fail "a live migration of $it iteration(s)"

# 3. save and restore totals
img=/tmp/$XS_GUEST.save
xl save --stats="$d/save.json" "$XS_GUEST" "$img" 2> "$d/save.err" ||
    fail "xl save failed: $(oneline "$d/save.err")"
grep -q '^xl save: saved .* in .* s (' "$d/save.err" ||
    fail "no totals from xl save: $(oneline "$d/save.err")"
size=$(stat -c %s "$img")
s_bytes=$(json_num "$d/save.json" bytes)
# The image is xl's header and config (a few KiB), then the stream.
[ -n "$s_bytes" ] && [ "$s_bytes" -le "$size" ] &&
    [ $((size - s_bytes)) -lt 65536 ] ||
    fail "xl save counted ${s_bytes:-no} octets for an image of $size"
from=$(lines "$XS_CONS/guest-$XS_GUEST.log")
xl restore --stats=- "$img" > "$d/restore.json" 2> "$d/restore.err" ||
    fail "xl restore failed: $(oneline "$d/restore.err")"
grep -q '^xl restore: restored .* in .* s (' "$d/restore.err" ||
    fail "no totals from xl restore: $(oneline "$d/restore.err")"
r_bytes=$(json_num "$d/restore.json" bytes)
[ -n "$r_bytes" ] && [ "$r_bytes" -le "$size" ] &&
    [ $((size - r_bytes)) -lt 65536 ] ||
    fail "xl restore counted ${r_bytes:-no} octets of an image of $size: $(cat "$d/restore.json")"
rm -f "$img"
set_guest_log "$XS_CONS/guest-$XS_GUEST.log"
check_continues "$XS_CONS/guest-$XS_GUEST.log" "$from" 0 || fail "after the restore: $evidence"

pass "quiet: downtime $q_down ms, guest saw $q_gap ms (migrate $q_took s, nothing printed); piped: downtime $l_down ms, guest saw $l_gap ms, $n progress lines in $l_took s, $it iterations, '$summary'; save $s_bytes and restore $r_bytes octets of a $size-octet image"
