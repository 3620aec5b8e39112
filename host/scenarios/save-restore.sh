# save-restore: xl save the guest to a file, xl restore it (build under
# test both times); the counter must go on.
. /run/xs/in/scenarios/lib.sh
save_restore "$XS_BUILD" "$XS_BUILD"
