# libxl-hvm3-interop: h1's device model state between our build and stock
# 4.17 in both directions: saved by ours and restored by stock, then saved
# by stock and restored by ours.  Each restore must tick on and keep the
# physmap pairs (under the new domid).
. /run/xs/in/scenarios/libxl-lib-hvm.sh
img=/tmp/$G.interop
out=/tmp/$G.interop.out
hvm_exists || skip "no HVM guest (libxl-hvm1-create did not pass)"
other=$XS_OTHER_BUILD
has_build "$other" || skip "no $other build in the image"
[ "$other" != "$XS_BUILD" ] || skip "the build under test is $other itself"
summary=
# hop SAVE_BUILD RESTORE_BUILD
hop() {
    local sb=$1 rb=$2 before from name
    before=$(last_tick "$(hvm_live_log)")
    run "xl save (hvm, $sb)" xlb "$sb" save "$G" "$img" || fail "xl save ($sb) failed"
    verify_image "$img" || fail "image saved by $sb: $verified"
    from=$(lines "$HVM_LOG")
    run "xl restore (hvm, $rb)" xlb "$rb" restore "$img" > "$out" 2>&1
    rc=$?
    cat "$out"
    rm -f "$img"
    [ $rc = 0 ] || fail "$rb could not restore the HVM image $sb saved: $(grep -i error "$out" | tail -2 | tr '\n' '|')"
    check_continues "$HVM_LOG" "$from" "$before" || fail "$sb -> $rb: $evidence"
    name=$(hvm_pm_name)
    [ "$name" = vga.vram ] || fail "$sb -> $rb: physmap name after restore is '$name'"
    summary="$summary $sb->$rb ok ($evidence);"
}
hop "$XS_BUILD" "$other"
hop "$other" "$XS_BUILD"
pass "HVM images with emulator records:$summary physmap pairs kept both ways"
