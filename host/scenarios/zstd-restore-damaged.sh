# zstd-restore-damaged: `xl restore` (ours) of an `xl save -z` image cut in
# half, and of one with four octets damaged inside a frame: each fails with
# a message naming an offset and leaves no domain; the intact image then
# restores and the guest goes on.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/zstd-lib.sh
need_zstd_xl
img=/tmp/$XS_GUEST.save
ensure_guest || fail "no running guest"
log=$(guest_log)
before=$(last_tick "$log")
run "xl save -z (ours)" xlb ours save -z "$XS_GUEST" "$img" || fail "xl save -z failed"
size=$(octets "$img")
head -c $((size / 2)) "$img" > /tmp/cut.xlz
cp "$img" /tmp/dmg.xlz
printf '\245\132\245\132' | dd of=/tmp/dmg.xlz bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
said=
for f in cut dmg; do
    run "xl restore (ours) of the $f image" xlb ours restore /tmp/$f.xlz > /tmp/$f.out 2>&1 &&
        fail "the $f image restored: $(oneline /tmp/$f.out)"
    cat /tmp/$f.out
    line=$(grep -a "offset [0-9]" /tmp/$f.out | head -1)
    [ -n "$line" ] || fail "restore of the $f image: no message naming an offset: $(oneline /tmp/$f.out 4)"
    no_domain_named "$XS_GUEST" || fail "a domain is left after the $f image failed: $(xl list | tr '\n' '|')"
    said="$said $f: '$(echo "$line" | cut -c1-160)';"
    rm -f /tmp/$f.xlz
done
restore_ours_checked "$img" "$before" "the intact image"
pass "no domain left;$said intact image restored: $evidence"
