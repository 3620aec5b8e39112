# restore-legacy: a guest saved in the legacy (Xen <= 4.5) format restores
# with the build under test, through convert-legacy-stream.
. /run/xs/in/scenarios/lib.sh
restore_legacy "$XS_BUILD" "$XS_BUILD"
