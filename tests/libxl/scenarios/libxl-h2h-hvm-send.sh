# libxl-h2h-hvm-send (host A of check-libxl's two-host run): boot the HVM
# guest h1, give its device model the physmap keys an older QEMU would have
# written (as libxl-hvm1-create does), and xl migrate h1 to host B over the
# emulated network with the stream captured on the way.  Then tell B the
# ticks seen here: B (libxl-h2h-hvm-receive) judges the guest.  This side
# checks that h1 left and that the stream carried both emulator records.
#
# Whatever goes wrong here is also told to B ("failed ..."), so that B does
# not sit waiting for a guest that will never come.
. /run/xs/in/scenarios/libxl-lib-hvm.sh
: "${XS_PEER_IP:?no peer address}"
cap=/tmp/$G.stream
info=/tmp/$G.stream.info

tell_b() { echo "$*" | xs-copy connect "$XS_PEER_IP" 8003 60; }
give_up() { tell_b "failed 0 0 0"; fail "$*"; }

hvm_exists && xl destroy "$G"
guest_exists && xl destroy "$XS_GUEST"
# Under TCG with the second host's QEMU on the same cores the first tick
# has taken 95-200 s: hvm_boot waits on the guest, not on a fixed budget.
HVM_FAIL=give_up hvm_boot "$(hvm_cfg)"
create_took=$took
pm=/local/domain/0/device-model/$(xl domid "$G")/$HVM_PM_KEY
xsw "$pm/start_addr" f1000000 "$pm/size" 1000000 "$pm/name" vga.vram ||
    give_up "cannot write the physmap keys"

t0=$(now)
until ping -c 1 -W 1 "$XS_PEER_IP" > /dev/null 2>&1; do
    awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 180) }' && fail "host B ($XS_PEER_IP) not reachable"
    sleep 1
done

before=$(last_tick "$HVM_LOG")
XS_MIGRATE_PORT=8002
XS_CAPTURE=
command -v xen-stream > /dev/null && XS_CAPTURE=$cap
export XS_MIGRATE_PORT XS_CAPTURE
run "xl migrate (hvm, $XS_BUILD) to $XS_PEER_IP" xlb "$XS_BUILD" migrate -s xs-ssh "$G" "$XS_PEER_IP" ||
    give_up "xl migrate of the HVM guest to host B failed after $took s"
mig_took=$took
# The last tick this console saw: the guest ran on here while its memory
# was copied.
last=$(last_tick "$HVM_LOG")
hvm_exists && give_up "h1 is still on host A after the migration"
tell_b "ok $before $mig_took $last" || fail "migrated, but could not tell host B the last tick"

[ -n "$XS_CAPTURE" ] || skip "migrated (B judges the guest), but no xen-stream here to check the stream"
size=$(size_mb "$cap")
verify_image "$cap" || fail "the captured stream: $verified"
xen-stream info "$cap" > "$info" 2>&1
cat "$info"
grep -q "^libxl EMULATOR_CONTEXT  *1$" "$info" || fail "the stream has no EMULATOR_CONTEXT record"
grep -q "^libxl EMULATOR_XENSTORE_DATA  *1$" "$info" || fail "the stream has no EMULATOR_XENSTORE_DATA record"
grep -q "emulator xenstore keys: *3$" "$info" || fail "the stream does not carry the 3 physmap pairs"
grep -q "emulator state: .*QEVM" "$info" || fail "the stream's EMULATOR_CONTEXT is not QEMU's state"
grep -q "x86 HVM" "$info" || fail "the libxc stream is not an HVM one"
rm -f "$cap"
pass "create $create_took s, migrated to host B in $mig_took s; tick $before when it started, $last the last one here; h1 gone from A; stream $size, $verified, EMULATOR_XENSTORE_DATA (3 pairs) + EMULATOR_CONTEXT (QEVM)"
