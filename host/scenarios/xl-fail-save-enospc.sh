# xl-fail-save-enospc: xl save onto a filesystem too small for the image
# (a 16 MiB tmpfs).  Our xl must fail with a message naming the cause, leave
# nothing at the target path (nor its temporary file), and put the guest
# back: still running, counter going on.  A second run over an existing
# file at the target must leave that file as it was.  Then -c (the guest
# runs on) and -p (the guest is left paused) fail the same way.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
dir=/run/xs/full
mkdir -p "$dir"
mount -t tmpfs -o size=16m tmpfs "$dir" || fail "cannot mount a 16 MiB tmpfs on $dir"
trap 'umount "$dir" 2>/dev/null' EXIT
img=$dir/$XS_GUEST.save
out=$XS_OUT/$XS_SCENARIO.xl.txt
log=$(guest_log)
before=$(last_tick "$log")
from=$(lines "$log")

run "xl save onto a 16 MiB tmpfs" xl save "$XS_GUEST" "$img" > "$out" 2>&1 &&
    fail "xl save onto a 16 MiB tmpfs succeeded ($(ls -l "$dir"))"
save_took=$took
cat "$out"
grep -q 'No space left on device' "$out" ||
    fail "the error does not name the cause: $(oneline "$out")"
[ -e "$img" ] && fail "a file was left at the target: $(ls -l "$img")"
left=$(ls -A "$dir")
[ -z "$left" ] || fail "files left in the target directory: $left"
guest_exists || fail "the guest is gone after the failed save"
check_continues "$log" "$from" "$before" || fail "after the failed save: $evidence"
ev1=$evidence
msg=$(grep 'xl save:' "$out" | head -1 | cut -c1-200)

# Over an existing file: it must survive untouched.
echo "an older image" > "$img"
sum=$(md5sum "$img" | cut -d' ' -f1)
before=$(last_tick "$log")
from=$(lines "$log")
run "xl save over an existing file" xl save "$XS_GUEST" "$img" > "$out.2" 2>&1 &&
    fail "second xl save onto the full tmpfs succeeded"
[ "$(md5sum "$img" | cut -d' ' -f1)" = "$sum" ] ||
    fail "the existing file at the target was changed: $(ls -l "$img")"
left=$(ls -A "$dir")
[ "$left" = "$(basename "$img")" ] || fail "files left in the target directory: $left"
check_continues "$log" "$from" "$before" || fail "after the second failed save: $evidence"
rm -f "$img"

# -c (keep running) and -p (leave paused) after the same failure.
before=$(last_tick "$log")
from=$(lines "$log")
xl save -c "$XS_GUEST" "$img" > "$out.3" 2>&1 && fail "xl save -c onto the full tmpfs succeeded"
[ -z "$(ls -A "$dir")" ] || fail "xl save -c left files: $(ls -A "$dir")"
check_continues "$log" "$from" "$before" || fail "after a failed save -c: $evidence"
xl save -p "$XS_GUEST" "$img" > "$out.4" 2>&1 && fail "xl save -p onto the full tmpfs succeeded"
[ -z "$(ls -A "$dir")" ] || fail "xl save -p left files: $(ls -A "$dir")"
xl list "$XS_GUEST" | awk 'NR == 2 { exit !($5 ~ /p/) }' ||
    fail "after a failed save -p the guest is not paused: $(xl list "$XS_GUEST" | tail -1)"
paused_at=$(last_tick "$log")
sleep 3
[ "$(last_tick "$log")" = "$paused_at" ] || fail "the guest ticks although paused"
xl unpause "$XS_GUEST" || fail "cannot unpause the guest"
from=$(lines "$log")
check_continues "$log" "$from" "$paused_at" || fail "after unpausing: $evidence"
pass "xl save failed in $save_took s saying '$msg'; no file left at the target, an existing one untouched; $ev1; save -c failed and the guest ran on, save -p failed and left it paused (then unpaused: $evidence)"
