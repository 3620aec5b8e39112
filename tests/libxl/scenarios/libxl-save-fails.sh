# libxl-save-fails: a save that cannot complete must leave the guest
# running.  The image goes to a 24 MiB tmpfs, which fills up long before
# the 134 MB stream is written: xl save must fail, and the guest must still
# exist and keep ticking (the stream reports the failure; xl resumes the
# guest if it was suspended).
. /run/xs/in/scenarios/lib.sh
dir=/tmp/xs-small
out=/tmp/$XS_GUEST.savefail.out
ensure_guest || fail "no running guest"
log=$(guest_log)
mkdir -p "$dir"
mount -t tmpfs -o size=24m tmpfs "$dir" || fail "cannot mount a small tmpfs"
before=$(last_tick "$log")
from=$(lines "$log")
if run "xl save to a full disk" xlb "$XS_BUILD" save "$XS_GUEST" "$dir/img" > "$out" 2>&1; then
    umount "$dir"
    fail "xl save succeeded on a 24 MiB file system"
fi
cat "$out"
umount "$dir"
guest_exists || fail "the guest is gone after the failed save"
check_continues "$log" "$from" "$before" || fail "$evidence"
why=$(grep -m1 -i "error" "$out" | cut -c1-100)
pass "xl save failed as it should (${why:-no error line}); guest still running: $evidence"
