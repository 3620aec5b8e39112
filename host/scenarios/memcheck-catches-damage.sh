# memcheck-catches-damage: proof that the judge fails a guest whose memory
# came back wrong.  xl save, then in the image flip one octet in the body
# of each of memcheck's data pages among 16 spread over its region (found
# by their headers: memcheck --damage), xl restore: the restore works (only
# the guest's data changed) and the counter goes on, but check_continues
# must fail on memory, memcheck naming pages that were damaged.  The
# damaged guest is destroyed, so that no later scenario picks it up.
. /run/xs/in/scenarios/lib.sh
img=/tmp/$XS_GUEST.save
damaged=$XS_OUT/$XS_SCENARIO.damaged.txt

# seed_in LOG: the seed memcheck printed in LOG since the guest booted.
seed_in() {
    local boot
    boot=$(grep -n 'guest up: boot' "$1" 2>/dev/null | tail -1 | cut -d: -f1)
    [ -n "$boot" ] || return 0
    mem_lines "$1" $((boot - 1)) |
        sed -n 's/^mem start pages [0-9]* zero [0-9]* seed \([0-9]*\)$/\1/p' | tail -1
}

ensure_guest || fail "no running guest"
log=$(guest_log)
seed=$(seed_in "$log")
# A guest that arrived by migration has no start line in its log.
if [ -z "$seed" ]; then
    create_guest || fail "xl create failed"
    log=$(guest_log)
    seed=$(seed_in "$log")
fi
[ -n "$seed" ] || fail "no 'mem start ... seed' line from the guest's memcheck in $(basename "$log")"
before=$(last_tick "$log")
run "xl save ($XS_BUILD)" xlb "$XS_BUILD" save "$XS_GUEST" "$img" || fail "xl save failed"
run "memcheck --damage (seed $seed)" memcheck --damage "$img" "$seed" $(seq 100 256 4095) > "$damaged" ||
    fail "memcheck --damage found none of the pages in the image (seed $seed)"
cat "$damaged"
n=$(grep -c '^damaged page ' "$damaged")
[ "$n" -ge 3 ] || fail "only $n of 16 region pages were data pages found in the image"
log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
run "xl restore ($XS_BUILD) of the damaged image" xlb "$XS_BUILD" restore "$img" ||
    fail "xl restore of an image with damaged guest data failed"
set_guest_log "$log"
rm -f "$img"
trap 'xl destroy "$XS_GUEST" 2> /dev/null' EXIT
check_continues "$log" "$from" "$before" &&
    fail "the judge passed a guest restored with $n damaged pages: $evidence"
case $evidence in
    *"memory corrupted"*"mem BAD page "*) ;;
    *) fail "the judge failed, but not on the memory: $evidence" ;;
esac
# Every page memcheck names is one that was damaged, found as damaged (the
# header intact, word 20 not).  (A damaged page that memcheck changed
# before its first check after the restore is rewritten, not caught.)
named=$(log_after "$log" "$from" | sed -n 's/.*mem BAD page \([0-9]*\): .*/\1/p' | sort -un)
for p in $named; do
    grep -q "^damaged page $p " "$damaged" || fail "memcheck named page $p, which was not damaged"
    log_after "$log" "$from" | grep -q "mem BAD page $p: want gen [0-9]*, got page $p gen [0-9]* with word 20 = " ||
        fail "page $p not reported as damaged at word 20: $(log_after "$log" "$from" | grep "mem BAD page $p:" | head -1)"
done
[ -n "$named" ] || fail "no page named"
pass "$n pages damaged in the image (seed $seed), restored: memcheck named $(echo $named | wc -w) of them ($(echo $named | tr '\n' ' ' | sed 's/ $//')); the judge failed it: $(echo "$evidence" | cut -c1-200)"
