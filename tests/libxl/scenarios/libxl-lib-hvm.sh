# Sourced by the libxl-hvm* scenarios (not a scenario itself).
#
# An HVM guest, so that the device model's state travels: the writer's
# EMULATOR_XENSTORE_DATA and EMULATOR_CONTEXT (QEMU's save file, streamed)
# and the reader's handling of both (pairs checked and written under the
# new domid, QEMU's state streamed to the file the new QEMU loads).
#
# Debian's qemu-system-xen, hvmloader and SeaBIOS travel in the input as
# libxl-bin-hvm.tgz.sh (tests/libxl/hvm-bundle.sh builds it).  The guest
# is h1, direct kernel boot of the PV guest's kernel and initrd, counter
# on hvc0.
. /run/xs/in/scenarios/lib.sh
tools=/run/xs/in/scenarios
G=h1
# Where h1 prints once created or restored here (xenconsoled names a log
# after the domain's first name).  A domain that arrived by migration was
# first called h1--incoming and goes on writing to that log, so "the
# guest's latest tick" reads hvm_live_log, "ticks after a restore" HVM_LOG.
HVM_LOG=$XS_CONS/guest-$G.log
HVM_INC_LOG=$XS_CONS/guest-$G--incoming.log
hvm_live_log() {
    if [ -f "$HVM_INC_LOG" ] && [ "$HVM_INC_LOG" -nt "$HVM_LOG" ]; then
        echo "$HVM_INC_LOG"
    else
        echo "$HVM_LOG"
    fi
}
# Where the physmap entry for video RAM is kept (see libxl-hvm1-create).
HVM_PM_KEY=physmap/7000000
[ -f "$tools/libxl-bin-hvm.tgz.sh" ] || skip "no HVM device model bundle in the input"
[ -x /tmp/hvm/dm ] || tar -xzf "$tools/libxl-bin-hvm.tgz.sh" -C /tmp ||
    fail "cannot unpack the HVM bundle"
xsw() { xs-with "$XS_BUILD" xenstore-write "$@"; }
xsr() { xs-with "$XS_BUILD" xenstore-read "$@"; }
hvm_exists() { xl domid "$G" > /dev/null 2>&1; }
# hvm_running: h1 exists and ticked within the last 15 s.
hvm_running() {
    hvm_exists && wait_tick "$(hvm_live_log)" "$(lines "$(hvm_live_log)")" 0 15 > /dev/null
}
# hvm_off_incoming_log: a scenario that migrates h1 here judges the
# arrival by the ticks in HVM_INC_LOG, which must then not be the log the
# departing h1 writes to.  If it is (h1 itself arrived by migration), a
# save and restore moves h1 onto HVM_LOG first.
hvm_off_incoming_log() {
    local img=/tmp/$G.move
    [ "$(hvm_live_log)" = "$HVM_INC_LOG" ] || return 0
    run "xl save (hvm, off the incoming log)" xlb "$XS_BUILD" save "$G" "$img" || fail "xl save of h1 failed"
    run "xl restore (hvm, off the incoming log)" xlb "$XS_BUILD" restore "$img" || fail "xl restore of h1 failed"
    rm -f "$img"
    wait_tick "$HVM_LOG" "$(lines "$HVM_LOG")" 0 60 > /dev/null || fail "h1 did not tick after its restore"
}
# hvm_boot CFG: create h1 from CFG and wait for its counter to tick twice.
# Under TCG the boot takes 50-170 s depending on the machine and its load,
# so the wait ends on events, not on a fixed budget: the ticks (success,
# the boot time goes into $boot_took and /run/xs/hvm-boot.secs), the domain
# crashing or vanishing, or its vCPU time standing still for
# HVM_STALL_SECS (default 60: a kernel that panicked or hung); only a
# pathological boot meets the cap, HVM_BOOT_CAP (default 540 s).  Ends
# the scenario with the reason and the console's last lines through
# $HVM_FAIL (default fail).
hvm_boot() {
    local cfg=$1 from t0 cpu last_cpu=-1 still=0 state
    from=$(lines "$HVM_LOG")
    run "xl create (hvm)" xlb "$XS_BUILD" create "$cfg" || ${HVM_FAIL:-fail} "cannot create the HVM guest"
    t0=$(now)
    while ! wait_tick "$HVM_LOG" "$from" 2 5 > /dev/null; do
        set -- $(xl list "$G" 2> /dev/null | awk 'NR == 2 { print $5, $6 }')
        state=${1:-gone} cpu=${2:-0}
        case $state in
            gone) ${HVM_FAIL:-fail} "h1 vanished $(since "$t0") s into its boot (console: $(tail -2 "$HVM_LOG" | tr '\n' '|'))" ;;
            *c*|*d*) ${HVM_FAIL:-fail} "h1 crashed $(since "$t0") s into its boot (state $state; console: $(tail -2 "$HVM_LOG" | tr '\n' '|'))" ;;
        esac
        if [ "$cpu" = "$last_cpu" ]; then
            still=$((still + 5))
            [ $still -ge "${HVM_STALL_SECS:-60}" ] &&
                ${HVM_FAIL:-fail} "h1 used no CPU for $still s, $(since "$t0") s into its boot (console: $(tail -2 "$HVM_LOG" | tr '\n' '|'))"
        else
            still=0 last_cpu=$cpu
        fi
        awk -v a="$t0" -v b="$(now)" -v s="${HVM_BOOT_CAP:-540}" 'BEGIN { exit !(b - a > s) }' &&
            ${HVM_FAIL:-fail} "h1 did not tick within ${HVM_BOOT_CAP:-540} s although it kept running (vCPU time $cpu s; console: $(tail -2 "$HVM_LOG" | tr '\n' '|'))"
    done
    boot_took=$(since "$t0")
    echo "$boot_took" > /run/xs/hvm-boot.secs
    note "h1 ticking $boot_took s after xl create"
}
hvm_pm_name() {
    xsr "/local/domain/0/device-model/$(xl domid "$G")/$HVM_PM_KEY/name" 2>/dev/null
}
# h1's kernel command line.  Under TCG each port access of the guest is a
# round trip through Xen and the device model, so the boot is cut where it
# only probes: pci=noearly skips the early type-1 PCI scans (the AGP
# bridge search alone took 30 s of a 114 s boot), tsc=reliable and
# no_timer_check the clocksource and timer checks, lpj the delay-loop
# calibration (TSC-based delays do not use it), mitigations=off and
# nokaslr work the guest does not need.  Measured: first tick 144 s with
# "console=hvc0 quiet", 114 s with the rest but pci=noearly (one run each,
# load 2-6).
HVM_CMDLINE="console=hvc0 quiet pci=noearly tsc=reliable no_timer_check lpj=5000000 mitigations=off nokaslr"
hvm_cfg() {
    local cfg=/run/xs/$G.cfg
    cat > "$cfg" <<CFG
name = "$G"
type = "hvm"
kernel = "/guest/kernel"
ramdisk = "/guest/initrd.gz"
cmdline = "$HVM_CMDLINE"
memory = 128
vcpus = 1
firmware_override = "/tmp/hvm/hvmloader"
bios_path_override = "/tmp/hvm/share/bios-256k.bin"
device_model_version = "qemu-xen"
device_model_override = "/tmp/hvm/dm"
vga = "stdvga"
vnc = 0
sdl = 0
serial = "none"
on_crash = "preserve"
CFG
    echo "$cfg"
}
