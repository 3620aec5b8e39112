# libxl-hvm5-large-dm-state: QEMU's state is streamed, not held in memory.
#
# Real QEMU state for h1 is ~7.6 KB.  Here h1 runs under hvm/dm-fill: the
# bundle's QEMU with tests/libxl/dm-fill.c preloaded, which appends
# XS_DM_FILL_MIB (default 256) MiB of pseudo-random filler to QEMU's save
# file after QEMU wrote it and before QEMU answers libxl.  QEMU's loader
# stops at its end-of-state marker, so the restored QEMU still loads the
# real state.  Nothing of libxl or xl is changed.
#
# One save and restore of h1 with the normal state (the baseline), then
# one with the large state.  Each xl runs with dm-fill.so preloaded too,
# which records the xl process's own VmHWM at exit (not its children's:
# the save/restore helper maps guest memory).  Asserted:
#  - the measurement works: an xl made to hold XS_DM_FILL_MIB MiB first
#    (dm-fill.so's ballast) shows it, and would fail the bound below;
#  - the EMULATOR_CONTEXT the writer put in the image is exactly as large
#    as the file QEMU left (state + filler; xen-stream info), and the
#    image verifies;
#  - the file the reader gave the new QEMU has the size and checksum the
#    saved file had (the restoring QEMU checksums its -incoming file);
#  - xl's peak RSS for the large save and the large restore is within
#    XS_DM_FILL_SLACK_MIB (default 32) MiB of the baseline's, far below
#    the state size: the state was never in xl's memory whole;
#  - the counter continues after both restores, the physmap keys follow,
#    no qemu-save.* or qemu-resume.* file is left in /var/lib/xen.
#
# With h1 from libxl-hvm1-create, the baseline runs on its plain QEMU and
# the baseline restore switches it to hvm/dm-fill (xl restore with a
# config file).  h1 is left running (on hvm/dm-fill, which adds nothing
# once its MiB count is back at 0) for libxl-hvm6.  Without a running h1
# (this scenario run alone) h1 is created here under hvm/dm-fill, with the
# physmap keys hvm1 writes.
# See docs/large-emulator-state.md.
# xs-timeout: 600
. /run/xs/in/scenarios/libxl-lib-hvm.sh
FILL_MIB=${XS_DM_FILL_MIB:-256}
SLACK_MIB=${XS_DM_FILL_SLACK_MIB:-32}
shim=/tmp/hvm/dm-fill.so
dir=/run/xs/dm-fill
img=/tmp/$G.large
out=/tmp/$G.large.out
hwm=/tmp/$G.hwm
[ -f $shim ] && [ -x /tmp/hvm/dm-fill ] ||
    fail "the HVM bundle has no dm-fill.so (tests/libxl/hvm-bundle.sh could not build it)"
trap 'rm -f "$img" "$out"' EXIT
mkdir -p $dir
rm -f $dir/qemu-*
echo 0 > $dir/mib

cfg=/run/xs/$G-fill.cfg
sed 's|^device_model_override = .*|device_model_override = "/tmp/hvm/dm-fill"|' \
    "$(hvm_cfg)" > $cfg
grep -q '"/tmp/hvm/dm-fill"' $cfg || fail "cannot make the dm-fill config"

if ! hvm_running; then
    # As in libxl-hvm1-create: the PV guest's CPU time is wanted here.
    guest_exists && xl destroy "$XS_GUEST"
    hvm_exists && xl destroy "$G"
    hvm_boot $cfg
    pm=/local/domain/0/device-model/$(xl domid "$G")/$HVM_PM_KEY
    xsw "$pm/start_addr" f1000000 "$pm/size" 1000000 "$pm/name" vga.vram ||
        fail "cannot write the physmap keys"
fi

# measured WHAT CMD...: run CMD (output to $out) with dm-fill.so preloaded
# to log peak RSS; sets $took and $peak (xl's VmHWM in kB, "" if none).
# With $ballast set, xl first fills that many MiB (the control below).
measured() {
    local what=$1 pid rc t0
    shift
    rm -f $hwm
    echo "+ $*"
    t0=$(now)
    env LD_PRELOAD=$shim XS_HWM_LOG=$hwm XS_HWM_BALLAST_MIB=${ballast:-0} "$@" > "$out" 2>&1 &
    pid=$!
    wait $pid
    rc=$?
    took=$(since "$t0")
    cat "$out"
    # env, xs-with and unshare exec: xl is the process started here.
    peak=$(awk -v p=$pid '$1 == "xl" && $2 == p { print $3 }' $hwm 2> /dev/null)
    if [ $rc = 0 ]; then
        note "$what: ok in $took s, xl peak RSS ${peak:-?} kB"
    else
        note "$what: FAILED (exit $rc) after $took s"
    fi
    return $rc
}

# leftovers WHEN: fail if libxl left a device model state file behind.
leftovers() {
    local left
    left=$(ls /var/lib/xen 2> /dev/null | grep -e '^qemu-save\.' -e '^qemu-resume\.')
    [ -z "$left" ] || fail "$1: left in /var/lib/xen: $(echo $left)"
}

# state_octets: the emulator state size xen-stream info gives for $img.
state_octets() {
    xen-stream info "$img" 2> /dev/null | sed -n 's/^emulator state: *\([0-9]*\) octets.*/\1/p'
}

command -v xen-stream > /dev/null || fail "no xen-stream in the image"

# ---- the control: an xl holding FILL_MIB MiB is seen to ----
ballast=$FILL_MIB
measured "xl list (control: $FILL_MIB MiB held)" xs-with "$XS_BUILD" xl list ||
    fail "xl list failed"
ballast=0
[ -n "$peak" ] && [ "$peak" -ge $((FILL_MIB * 1024)) ] ||
    fail "the peak RSS measurement missed $FILL_MIB MiB held by xl (got '${peak}' kB)"
control_kb=$peak

# ---- the baseline: QEMU's own state ----
before=$(last_tick "$(hvm_live_log)")
measured "xl save (hvm, baseline)" xs-with "$XS_BUILD" xl save "$G" "$img" ||
    fail "baseline xl save failed: $(tail -2 "$out" | tr '\n' '|')"
[ -n "$peak" ] || fail "no peak RSS recorded for the baseline xl save"
base_save_kb=$peak base_save_took=$took
leftovers "after the baseline save"
verify_image "$img" || fail "baseline image: $verified"
base_state=$(state_octets)
[ -n "$base_state" ] || fail "the baseline image has no emulator state"
base_size=$(stat -c %s "$img")
from=$(lines "$HVM_LOG")
measured "xl restore (hvm, baseline, onto dm-fill)" xs-with "$XS_BUILD" xl restore $cfg "$img" ||
    fail "baseline xl restore failed: $(grep -i error "$out" | tail -2 | tr '\n' '|')"
[ -n "$peak" ] || fail "no peak RSS recorded for the baseline xl restore"
base_restore_kb=$peak base_restore_took=$took
rm -f "$img"
check_continues "$HVM_LOG" "$from" "$before" || fail "after the baseline restore: $evidence"
base_evidence=$evidence
leftovers "after the baseline restore"

# ---- the large state ----
echo "$FILL_MIB" > $dir/mib
domid=$(xl domid "$G")
before=$(last_tick "$HVM_LOG")
measured "xl save (hvm, +$FILL_MIB MiB of QEMU state)" xs-with "$XS_BUILD" xl save "$G" "$img" ||
    fail "xl save with a large QEMU state failed: $(grep -i error "$out" | tail -2 | tr '\n' '|')"
[ -n "$peak" ] || fail "no peak RSS recorded for the large xl save"
save_kb=$peak save_took=$took
echo 0 > $dir/mib
[ -f $dir/qemu-save.$domid ] ||
    fail "QEMU under dm-fill reported no filled save file (qemu-dm log: $(grep dm-fill "/var/log/xen/qemu-dm-$G.log" | tail -1))"
cat $dir/qemu-save.$domid
eval "$(sed 's/^/saved_/; s/ / saved_/g' $dir/qemu-save.$domid)"
[ "$saved_size" -ge $((FILL_MIB * 1048576)) ] ||
    fail "the filled save file is only $saved_size octets"
leftovers "after the large save"
size=$(stat -c %s "$img")
verify_image "$img" || fail "large image: $verified"
state=$(state_octets)
note "EMULATOR_CONTEXT: $(xen-stream dump "$img" 2>&1 | grep EMULATOR_CONTEXT | head -1)"
[ "$state" = "$saved_size" ] ||
    fail "the image carries $state octets of emulator state, QEMU's file had $saved_size"

from=$(lines "$HVM_LOG")
measured "xl restore (hvm, +$FILL_MIB MiB of QEMU state)" xs-with "$XS_BUILD" xl restore "$img" ||
    fail "xl restore with a large QEMU state failed: $(grep -i error "$out" | tail -2 | tr '\n' '|')"
[ -n "$peak" ] || fail "no peak RSS recorded for the large xl restore"
restore_kb=$peak restore_took=$took
rm -f "$img"
newid=$(xl domid "$G")
check_continues "$HVM_LOG" "$from" "$before" || fail "after the large restore: $evidence"
leftovers "after the large restore"
name=$(hvm_pm_name)
[ "$name" = vga.vram ] || fail "physmap name after the large restore is '$name'"
# The restoring QEMU checksums its -incoming file in a thread.
t0=$(now)
while [ ! -f $dir/qemu-resume.$newid ] && [ "$(since "$t0" | cut -d. -f1)" -lt 90 ]; do sleep 1; done
[ -f $dir/qemu-resume.$newid ] || fail "the restoring QEMU reported no checksum of its state file"
cat $dir/qemu-resume.$newid
eval "$(sed 's/^/loaded_/; s/ / loaded_/g' $dir/qemu-resume.$newid)"
[ "$loaded_size" = "$saved_size" ] && [ "$loaded_sum" = "$saved_sum" ] ||
    fail "QEMU was given $loaded_size octets (sum $loaded_sum), QEMU had saved $saved_size (sum $saved_sum)"

# ---- memory ----
kb_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
slack=$((SLACK_MIB * 1024))
[ $((FILL_MIB * 1024 / 4)) -lt $slack ] && slack=$((FILL_MIB * 1024 / 4))
[ $((control_kb - base_save_kb)) -gt $slack ] ||
    fail "the control xl holding $FILL_MIB MiB would pass the bound ($(kb_mib $control_kb) MiB)"
[ $((save_kb - base_save_kb)) -le $slack ] ||
    fail "xl save peak RSS $(kb_mib $save_kb) MiB with $FILL_MIB MiB of QEMU state vs $(kb_mib $base_save_kb) MiB with $base_state octets: more than $(kb_mib $slack) MiB apart"
[ $((restore_kb - base_restore_kb)) -le $slack ] ||
    fail "xl restore peak RSS $(kb_mib $restore_kb) MiB with $FILL_MIB MiB of QEMU state vs $(kb_mib $base_restore_kb) MiB with $base_state octets: more than $(kb_mib $slack) MiB apart"

pass "control xl holding $FILL_MIB MiB peaked at $(kb_mib $control_kb) MiB; QEMU state $base_state -> $saved_size octets (image $base_size -> $size octets): xl peak RSS save $(kb_mib $base_save_kb) -> $(kb_mib $save_kb) MiB, restore $(kb_mib $base_restore_kb) -> $(kb_mib $restore_kb) MiB; save $base_save_took -> $save_took s, restore $base_restore_took -> $restore_took s; EMULATOR_CONTEXT = QEMU's file, new QEMU got it intact (sum $saved_sum); $verified; baseline $base_evidence; large $evidence; physmap keys followed, no state files left"
