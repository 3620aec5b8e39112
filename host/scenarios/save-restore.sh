# save-restore: xl save the guest to a file, xl restore it (build under
# test both times); the counter must go on.  An image our build saved
# leaves the guest's zero pages out (check_zero_pages in lib.sh: counted
# by xen-stream info, image smaller by at least that much).
. /run/xs/in/scenarios/lib.sh
save_restore "$XS_BUILD" "$XS_BUILD"
