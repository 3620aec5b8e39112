# upgrade-a-save (host A of `make check-upgrade`): an image saved by our xl
# on Xen 4.17 goes to host B, where upgrade-b-restore restores it with
# Debian 13's xl on Xen 4.20.  A fresh guest (the first one went to B by
# live migration), saved by default (zero pages left out as allocate-only
# entries), the image checked by xen-stream, then sent with the tick it was
# saved at.  Also gets ready for B's image (upgrade-a-restore-deb13).
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.17 ours
img=/tmp/$XS_GUEST.save
receive_file 8007 /tmp/deb13.save
listen_word 8008
create_guest ours || fail "xl create or first ticks failed"
before=$(last_tick "$(guest_log)")
run "xl save (ours, Xen 4.17)" xl save ${XS_SAVE_OPTS:-} "$XS_GUEST" "$img" || fail "xl save failed"
save_took=$took
verify_image "$img" || fail "our image: $verified"
case ${XS_SAVE_OPTS:-} in
    *--send-zero-pages*) check_all_pages_sent "$img" || fail "$zero_evidence" ;;
    *) check_zero_pages "$img" || fail "$zero_evidence" ;;
esac
t0=$(now)
send_file 8005 "$img" || fail "could not send the image to host B"
sent=$(since "$t0")
tell 8006 ok "$before" "$save_took" || fail "sent the image, but could not tell host B"
pass "saved at tick $before in $save_took s, $(size_mb "$img"), sent to B in $sent s; $verified; $zero_evidence"
