# upgrade-b-restore (host B of `make check-upgrade`): Debian 13's xl on Xen
# 4.20 restores the image our xl saved on Xen 4.17 (upgrade-a-save); the
# guest must go on from the tick it was saved at, its memory intact.  Also
# gets ready for A's "ready" (upgrade-b-migrate-back).
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.20 debian13
img=/tmp/a.save
listen_word 8011
await_image "$img" 8006
allocs=$(alloc_only_pages "$img")
log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
run "xl restore (Debian 13, Xen 4.20) of our 4.17 image" xl restore "$img" ||
    fail "Debian 13's xl restore of our image failed: $(tail -2 "$XS_OUT/$XS_SCENARIO.log" | tr '\n' ' ')"
restore_took=$took
set_guest_log "$log"
rm -f "$img"
check_continues "$log" "$from" "$before" || fail "$evidence"
pass "restore ${restore_took} s of an image with ${allocs:-?} allocate-only pages; $evidence"
