# upgrade-b-save-verify (host B of `make check-upgrade`): Debian 13's xl on
# Xen 4.20 saves the guest that came from A by live migration; our
# xen-stream must verify that image (a stream written by Xen 4.20's libxl
# and libxc), which then goes to host A (upgrade-a-restore-deb13: B -> A by
# image).  Also gets ready for A's image (upgrade-b-restore).
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.20 debian13
img=/tmp/deb13.save
receive_file 8005 /tmp/a.save
listen_word 8006
guest_exists || fail "no guest here: the migration from A did not leave one"
log=$XS_CONS/guest-$XS_GUEST--incoming.log
before=$(last_tick "$log")
run "xl save (Debian 13, Xen 4.20)" xl save "$XS_GUEST" "$img" || fail "xl save (Debian 13) failed"
save_took=$took
guest_exists && fail "the guest still exists after xl save"
verify_image "$img" || fail "image saved by Debian 13's xl: $verified"
cp "$XS_OUT/$XS_SCENARIO.info.txt" "$XS_OUT/deb13-image.info.txt"
info=$(grep -E '^(libxc stream|memory|allocate-only:)' "$XS_OUT/$XS_SCENARIO.info.txt" | sed 's/  */ /g' | tr '\n' ';')
t0=$(now)
send_file 8007 "$img" || fail "could not send the image to host A"
tell 8008 ok "$before" "$save_took" || fail "sent the image, but could not tell host A"
pass "saved at tick $before in $save_took s, $(size_mb "$img"), sent to A in $(since "$t0") s; $verified; xen-stream info: $info"
