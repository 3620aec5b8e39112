# zero-pages-sent-save: `xl save --send-zero-pages` (ours) turns zero-page
# elision off.  A default save of the same guest (with -c, so it runs on)
# leaves zero pages out as allocate-only entries; the --send-zero-pages
# image has none and holds every page's data, like a stock image; the
# stock xl restores it and the guest's counter and memory check go on.
. /run/xs/in/scenarios/lib.sh
need_builds ours stock
command -v xen-stream > /dev/null || skip "no xen-stream in this image"
xlb ours help save 2>&1 | grep -q -- '--send-zero-pages' ||
    fail "xl of build 'ours' does not list save --send-zero-pages in its help"
ensure_guest || fail "no running guest"
img=/tmp/$XS_GUEST.save

run "xl save -c (ours, default)" xlb ours save -c "$XS_GUEST" "$img" ||
    fail "xl save -c (ours) failed"
guest_exists || fail "the guest is gone after xl save -c"
verify_image "$img" || fail "default image: $verified"
check_zero_pages "$img" || fail "default image: $zero_evidence"
default_evidence=$zero_evidence
rm -f "$img"

log=$(guest_log)
before=$(last_tick "$log")
run "xl save --send-zero-pages (ours)" \
    xlb ours save --send-zero-pages "$XS_GUEST" "$img" ||
    fail "xl save --send-zero-pages (ours) failed"
save_took=$took
guest_exists && fail "the guest still exists after xl save"
verify_image "$img" || fail "--send-zero-pages image: $verified"
check_all_pages_sent "$img" || fail "$zero_evidence"
sent_evidence=$zero_evidence

log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
run "xl restore (stock) of the --send-zero-pages image" \
    xlb stock restore "$img" ||
    fail "stock xl restore of the --send-zero-pages image failed"
restore_took=$took
set_guest_log "$log"
rm -f "$img"
check_continues "$log" "$from" "$before" || fail "$evidence"
pass "default: $default_evidence; --send-zero-pages: $sent_evidence, save $save_took s, restore (stock) $restore_took s; $verified; $evidence"
