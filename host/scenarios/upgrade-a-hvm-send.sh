# upgrade-a-hvm-send (host A of `make check-upgrade-hvm`): boot the HVM
# guest h1 on Xen 4.17 with our xl (Debian 12's device model, check-libxl's
# HVM bundle) and live-migrate it with our xl to Debian 13's xl
# migrate-receive on host B (Xen 4.20), the stream captured on the way.
# Then tell B the ticks seen here: B (upgrade-b-hvm-receive) judges the
# guest.  This side checks that h1 left and what the stream carried.
# Whatever goes wrong here is told to B too, so that B does not wait for a
# guest that will never come.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.17 ours
. /run/xs/in/scenarios/libxl-lib-hvm.sh
cap=/tmp/$G.a2b.stream
give_up() { tell 8021 failed 0 0 0; fail "$*"; }

hvm_exists && xl destroy "$G"
HVM_FAIL=give_up hvm_boot "$(hvm_cfg)"
paging=shadow
xl info | grep -q '^virt_caps.* hap' && paging=HAP
t0=$(now)
until ping -c 1 -W 1 "$XS_PEER_IP" > /dev/null 2>&1; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 180) }' && give_up "host B ($XS_PEER_IP) not reachable"
    sleep 1
done
before=$(last_tick "$HVM_LOG")
export XS_MIGRATE_PORT=8020 XS_CAPTURE=$cap
run "xl migrate ${XS_MIGRATE_OPTS:+$XS_MIGRATE_OPTS }(hvm, ours, Xen 4.17) to $XS_PEER_IP (Debian 13, Xen 4.20)" \
    xl migrate ${XS_MIGRATE_OPTS:-} -s xs-ssh "$G" "$XS_PEER_IP" ||
    give_up "xl migrate of the HVM guest to host B failed after $took s"
mig_took=$took
# The last tick this console saw: the guest ran on here while its memory
# was copied.
last=$(last_tick "$HVM_LOG")
hvm_exists && give_up "h1 is still on host A after the migration"
tell 8021 ok "$before" "$mig_took" "$last" || fail "migrated, but could not tell host B the last tick"

command -v xen-stream > /dev/null || skip "migrated (B judges the guest), but no xen-stream here to check the stream"
size=$(size_mb "$cap")
verify_image "$cap" || fail "the captured stream: $verified"
info=$XS_OUT/$XS_SCENARIO.info.txt
grep -q "x86 HVM" "$info" || fail "the libxc stream is not an HVM one"
grep -q "^libxl EMULATOR_CONTEXT  *1$" "$info" || fail "the stream has no EMULATOR_CONTEXT record"
grep -q "emulator state: .*QEVM" "$info" || fail "the stream's EMULATOR_CONTEXT is not QEMU's state"
if [ -n "${XS_MIGRATE_OPTS:-}" ]; then
    zero_evidence="options $XS_MIGRATE_OPTS"
else
    n=$(alloc_only_pages "$cap")
    [ -n "$n" ] && [ "$n" -gt 0 ] || fail "the stream leaves no zero page out (xen-stream info: ${n:-no count})"
    check_no_alloc_after_data "$cap" || fail "$after_evidence"
    zero_evidence="$n zero pages left out as XALLOC, $after_evidence"
fi
rm -f "$cap"
pass "h1 ($paging on Xen 4.17) ticking $boot_took s after create, migrated to Debian 13's Xen 4.20 in $mig_took s; tick $before when it started, $last the last one here; h1 gone from A; stream $size, $verified, x86 HVM, EMULATOR_CONTEXT (QEVM), $zero_evidence"
