# zstd-save-restore: the same guest saved and restored twice with our xl,
# plain and with -z; the counter goes on after each restore, the -z image
# is zstd-compressed (xl header flag 0x4, xen-stream reads it) and much
# smaller.  Prints both sizes and times.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/zstd-lib.sh
need_zstd_xl

# round_trip OPT...: save with OPT, check, restore; sets $size $st $rt.
round_trip() {
    local img=/tmp/$XS_GUEST.save log before from
    ensure_guest || fail "no running guest"
    log=$(guest_log)
    before=$(last_tick "$log")
    run "xl save $* (ours)" xlb ours save "$@" "$XS_GUEST" "$img" ||
        fail "xl save $* failed"
    st=$took
    guest_exists && fail "the guest still exists after xl save $*"
    size=$(octets "$img")
    verify_image "$img" || fail "xl save $*: $verified"
    info=$(xen-stream info "$img" 2>&1)
    log=$XS_CONS/guest-$XS_GUEST.log
    from=$(lines "$log")
    run "xl restore (ours)" xlb ours restore "$img" ||
        fail "xl restore of the image saved with xl save $* failed"
    rt=$took
    set_guest_log "$log"
    rm -f "$img"
    check_continues "$log" "$from" "$before" || fail "after save $*: $evidence"
}

round_trip
plain=$size plain_st=$st plain_rt=$rt
echo "$info" | grep -q '^compression:' && fail "a plain save is reported compressed"
round_trip -z
z=$size
echo "$info" | grep -q '^compression: *zstd (xl header flag)' ||
    fail "xen-stream info does not report the -z image as compressed: $(echo "$info" | head -4 | tr '\n' '|')"
echo "$info" | grep -q 'mandatory flags 0x7' ||
    fail "the -z image's xl header lacks flag 0x4: $(echo "$info" | grep container)"
unz=$(echo "$info" | sed -n 's/^size: *\([0-9]*\) octets.*/\1/p')
# Not equal: the two saves are seconds apart and the guest's memory check
# turns pages to zero and back meanwhile, so each image leaves out a
# different number of zero pages (4 KiB each; tens of pages seen).
slack=$((plain / 50))
[ "$unz" -gt $((plain - slack)) ] && [ "$unz" -lt $((plain + slack)) ] ||
    fail "uncompressed size of the -z image ($unz) is not within 2 % of the plain one ($plain)"
[ "$z" -lt $((plain / 2)) ] || fail "-z image $z octets is not under half the plain $plain"
pass "plain: $plain octets, save $plain_st s, restore $plain_rt s; -z: $z octets ($(awk -v a="$z" -v b="$plain" 'BEGIN { printf "%.1f", 100 * a / b }')%), save $st s, restore $rt s; $verified; $evidence"
