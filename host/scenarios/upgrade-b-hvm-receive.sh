# upgrade-b-hvm-receive (host B of `make check-upgrade-hvm`): Debian 13's
# xl migrate-receive on Xen 4.20 takes the HVM guest h1 that our xl on
# Xen 4.17 sends (upgrade-a-hvm-send), and judges it: Xen offers HAP here
# (4.20 as Debian builds it has no shadow paging), h1 runs with Debian
# 13's device model (QEMU 10.0, which loaded the state Debian 12's QEMU 7.2
# saved on A), its counter goes on from where A saw it and its memory
# checks out page by page.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.20 debian13
need_hap
hvm_use_deb13
. /run/xs/in/scenarios/libxl-lib-hvm.sh
out=$XS_OUT/$XS_SCENARIO.receive.log
xs-copy listen -a "$XS_IP" 8020 -- xl migrate-receive > "$out" 2>&1 &
listen_word 8021
note "listening on $XS_IP:8020 for h1 (virt_caps: $caps)"
await_word 8021
set -- $word
status=$1 before=$2 mig_took=$3 last_a=$4
[ "$status" = ok ] || fail "host A says it did not migrate h1 (its upgrade-a-hvm-send says why); migrate-receive here said: $(tail -3 "$out" | tr '\n' '|')"
hvm_exists || fail "host A says it migrated h1, but there is no h1 here; migrate-receive said: $(tail -3 "$out" | tr '\n' '|')"
domid=$(xl domid "$G")
# No tick below the one A saw when the migration began, memory intact ...
check_continues "$HVM_INC_LOG" 0 "$before" || fail "$evidence"
# ... and on past the last one A's console printed.
wait_tick "$HVM_INC_LOG" 0 "$last_a" 60 > /dev/null ||
    fail "no tick above $last_a (the last one on A) within 60 s; here: $(ticks "$HVM_INC_LOG" | tr '\n' ' ' | cut -c1-80)"
first=$(ticks "$HVM_INC_LOG" | head -1)
# The counter counts loops, not seconds: a guest that resumed where it
# stopped prints the tick after A's last (give or take what A's console
# daemon had not yet read when the domain left).
[ "$first" -le $((last_a + 5)) ] ||
    fail "first tick here $first is far past the last on A ($last_a): not where the guest stopped"
dm=$(hvm_dm_exe "$domid") || fail "no device model process for domid $domid"
[ "$dm" = /opt/deb13/usr/libexec/xen-qemu-system-i386 ] ||
    fail "domid $domid's device model is $dm, not Debian 13's"
pass "h1 arrived as domid $domid (xl migrate on A $mig_took s), HAP (virt_caps: $caps); last tick on A $last_a, first here $first; $evidence; device model Debian 13's QEMU ($dm)"
