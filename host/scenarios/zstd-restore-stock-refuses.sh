# zstd-restore-stock-refuses: a stock `xl restore` of an `xl save -z` image
# stops at the unknown mandatory flag (0x4) with its own error and creates
# no domain; our xl then restores the same image and the guest goes on.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/zstd-lib.sh
need_zstd_xl
need_builds ours stock
img=/tmp/$XS_GUEST.save
ensure_guest || fail "no running guest"
log=$(guest_log)
before=$(last_tick "$log")
run "xl save -z (ours)" xlb ours save -z "$XS_GUEST" "$img" || fail "xl save -z failed"
run "xl restore (stock) of the -z image" xlb stock restore "$img" > /tmp/stock-restore.out 2>&1 &&
    fail "stock xl restored a compressed image: $(oneline /tmp/stock-restore.out)"
cat /tmp/stock-restore.out
grep -q "mandatory flag(s) 0x4 which are not supported" /tmp/stock-restore.out ||
    fail "stock xl did not refuse with its unknown-flag error: $(tail -3 /tmp/stock-restore.out | tr '\n' '|')"
refusal=$(grep "mandatory flag" /tmp/stock-restore.out | head -1)
no_domain_named "$XS_GUEST" || fail "a domain $XS_GUEST exists after stock xl refused the image: $(xl list | tr '\n' '|')"
restore_ours_checked "$img" "$before" "the same image"
pass "stock: '$refusal', no domain; ours restored it: $evidence"
