# xl-fail-migrate-report-lost: xl migrate to this host where the
# receiver's answers stop reaching the sender right after "ready": GO is
# delivered and the receiver starts the domain, but its report is lost.
# This is the one state the sender cannot resolve: it must say so, keep
# its copy suspended under NAME--migratedaway (not running, not
# destroyed), and say what to check.  Here the receiver's copy runs on; the
# scenario then does what the message says for that case.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
ssh=$(report_cut_ssh)
out=$XS_OUT/$XS_SCENARIO.sender.txt
src_log=$(guest_log)
before=$(last_tick "$src_log")
log=$XS_CONS/guest-$XS_GUEST--incoming.log
# As in migrate_local: a fresh file for the incoming domain's console.
if [ -f "$log" ]; then
    mv "$log" "$log.$$"
    [ "$src_log" = "$log" ] && src_log=$log.$$
fi
run "xl migrate with the report cut off" timeout 200 xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &&
    fail "xl migrate succeeded although no report came back: $(oneline "$out")"
mig_took=$took
cat "$out"
[ -f /run/xs/reportcut/cut ] || fail "the transport never saw the receiver's ready message: $(oneline "$out" 4)"
grep -q 'after the receiver was given permission to start' "$out" ||
    fail "the sender does not report the ambiguous state: $(oneline "$out" 6)"
grep -q "xl destroy $XS_GUEST--migratedaway" "$out" &&
    grep -q "xl save $XS_GUEST--migratedaway FILE" "$out" ||
    fail "the sender does not say what to do: $(oneline "$out" 6)"
xl list
xl domid "$XS_GUEST--migratedaway" > /dev/null 2>&1 ||
    fail "the sender's copy $XS_GUEST--migratedaway is gone: $(xl list | tr '\n' '|')"
# The kept copy must not run: its console stays silent.
kept=$(last_tick "$src_log")
sleep 4
[ "$(last_tick "$src_log")" = "$kept" ] || fail "the sender's copy kept running (tick $kept -> $(last_tick "$src_log"))"
xl domid "$XS_GUEST" > /dev/null 2>&1 || fail "the receiver's copy $XS_GUEST does not exist"
set_guest_log "$log"
check_continues "$log" 0 "$before" || fail "receiver's copy: $evidence"
ev1=$evidence
# Both cases of the message's advice.  First the other one ("the copy there
# never ran, keep the copy here"), to prove the kept copy does hold the
# guest: set the receiver's copy aside, then bring the suspended copy back
# with xl save + xl restore (through a symlink at the target, which our
# xl save must replace the file behind, not the link).  Its counter must
# go on from where the sender's copy stopped.
xl pause "$XS_GUEST" || fail "cannot pause the receiver's copy"
xl rename "$XS_GUEST" "$XS_GUEST--aside" || fail "cannot rename the receiver's copy"
img=/tmp/$XS_GUEST.kept
rm -f "$img" "$img.link"
ln -s "$img" "$img.link"
run "xl save $XS_GUEST--migratedaway (suspended)" xl save "$XS_GUEST--migratedaway" "$img.link" ||
    fail "xl save of the kept, suspended copy failed"
save_took=$took
# It is suspended already: libxl must not ask it and wait out its 60 s
# for an answer that cannot come (xen-patches/0013).
awk -v t="$save_took" 'BEGIN { exit !(t < 30) }' ||
    fail "xl save of the suspended copy took $save_took s (waited for the guest to answer a suspend request?)"
[ -L "$img.link" ] || fail "xl save replaced the symlink at the target"
[ -s "$img" ] || fail "no image behind the symlink"
verify_image "$img" || fail "image of the kept copy: $verified"
klog=$XS_CONS/guest-$XS_GUEST--migratedaway.log
kfrom=$(lines "$klog")
run "xl restore of the kept copy" xl restore "$img" || fail "xl restore of the kept copy failed"
rm -f "$img" "$img.link"
check_continues "$klog" "$kfrom" "$kept" || fail "restored kept copy: $evidence"
ev2=$evidence
# Then this run's real case: the target runs NAME; the copy here goes.
run "xl destroy $XS_GUEST--migratedaway" xl destroy "$XS_GUEST--migratedaway" ||
    fail "cannot destroy $XS_GUEST--migratedaway"
xl rename "$XS_GUEST--aside" "$XS_GUEST" && xl unpause "$XS_GUEST" || fail "cannot put the receiver's copy back"
check_continues "$log" "$(lines "$log")" "$(last_tick "$log")" || fail "receiver's copy after the check: $evidence"
pass "report lost: sender failed in $mig_took s, kept $XS_GUEST--migratedaway suspended (silent at tick $kept) and said what to check; the receiver's copy ran on ($ev1); the kept copy, saved (through a symlink, in $save_took s) and restored, resumed: $ev2"
