# libxl-hvm4-migrate: migrate h1 to this host: the receiving reader takes
# the emulator records from a pipe.  h1 runs on (as the migrated domain)
# for the scenarios after this one: booting an HVM guest costs minutes
# under TCG, so one boot serves them all.
. /run/xs/in/scenarios/libxl-lib-hvm.sh
hvm_exists || skip "no HVM guest (libxl-hvm1-create did not pass)"
hvm_off_incoming_log
before=$(last_tick "$(hvm_live_log)")
inc=$HVM_INC_LOG
from=$(lines "$inc")
XS_PEER_BUILD=$XS_BUILD
export XS_PEER_BUILD
run "xl migrate (hvm)" xlb "$XS_BUILD" migrate -s xs-ssh "$G" localhost || fail "xl migrate of the HVM guest failed"
mig_took=$took
check_continues "$inc" "$from" "$before" || fail "after migrate: $evidence"
[ "$(hvm_pm_name)" = vga.vram ] || fail "the physmap keys did not follow the migration"
pass "migrate $mig_took s, physmap keys followed, $evidence"
