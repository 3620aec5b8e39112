# libxl-hvm1-create: boot the HVM guest h1 for libxl-hvm2..6 (one boot for
# all of them: the scenarios after this one keep h1 running) and give its
# device model the xenstore keys an older QEMU would have written.
# xs-timeout: 600
#
# QEMU 7.2 never writes physmap keys but reads them on an incoming
# migration.  The entry written is the one an older device model wrote for
# this guest's video RAM (RAM block at 0x7000000, 16 MiB, mapped at
# 0xf1000000: what QEMU's log shows for 128 MiB and stdvga), so the
# xenstore record exists and means the same to the QEMU that reads it.
. /run/xs/in/scenarios/libxl-lib-hvm.sh
hvm_exists && xl destroy "$G"
# The PV guest is not needed by the HVM scenarios: its CPU time is.
guest_exists && xl destroy "$XS_GUEST"
hvm_boot "$(hvm_cfg)"
create_took=$took
grep -q "mapcache entry for 0000000007000000 with 00000000f1000000" \
    "/var/log/xen/qemu-dm-$G.log" ||
    note "warning: QEMU did not map video RAM where expected: $(tail -1 "/var/log/xen/qemu-dm-$G.log")"
pm=/local/domain/0/device-model/$(xl domid "$G")/$HVM_PM_KEY
xsw "$pm/start_addr" f1000000 "$pm/size" 1000000 "$pm/name" vga.vram ||
    fail "cannot write the physmap keys"
pass "HVM guest up (create $create_took s, first ticks $boot_took s after it), ticking; physmap keys written"
