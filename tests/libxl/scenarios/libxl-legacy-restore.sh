# libxl-legacy-restore: a Xen 4.5 (legacy) image through libxl's
# conversion helper.  The guest is saved (v2), turned into the legacy
# format with mklegacy, and restored: the reader must run the converter,
# read the v2 stream from its output (header with the legacy bit), hand
# that pipe to libxc, wait for the converter, and the guest carry on.
# The two static tools come in the input beside the scenarios
# (tests/libxl/check-libxl.sh puts them there).
. /run/xs/in/scenarios/lib.sh
tools=/run/xs/in/scenarios
v2=/tmp/$XS_GUEST.v2
leg=/tmp/$XS_GUEST.legacy
out=/tmp/$XS_GUEST.legacy.out
[ -f "$tools/libxl-bin-mklegacy.sh" ] && [ -f "$tools/libxl-bin-convert-legacy-stream.sh" ] ||
    skip "mklegacy / convert-legacy-stream not in the input"
cp "$tools/libxl-bin-mklegacy.sh" /tmp/mklegacy
cp "$tools/libxl-bin-convert-legacy-stream.sh" /tmp/convert-legacy-stream
chmod +x /tmp/mklegacy /tmp/convert-legacy-stream
ensure_guest || fail "no running guest"
log=$(guest_log)
before=$(last_tick "$log")
run "xl save ($XS_BUILD)" xlb "$XS_BUILD" save "$XS_GUEST" "$v2" || fail "xl save failed"
run "mklegacy" /tmp/mklegacy "$v2" "$leg" || fail "mklegacy failed"
rm -f "$v2"
log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
LIBXL_CONVERT_HELPER=/tmp/convert-legacy-stream
export LIBXL_CONVERT_HELPER
run "xl restore (legacy image)" xlb "$XS_BUILD" restore "$leg" > "$out" 2>&1
rc=$?
cat "$out"
rm -f "$leg"
[ $rc = 0 ] || fail "legacy image refused: $(grep -i error "$out" | tail -2 | tr '\n' '|')"
set_guest_log "$log"
grep -q "converted from the legacy format" "$out" ||
    fail "the reader did not see a converted stream (legacy bit)"
check_continues "$log" "$from" "$before" || fail "$evidence"
pass "legacy image restored through the converter ($took s): $evidence"
