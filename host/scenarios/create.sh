# create: boot the PV guest with the build under test and see it tick.
. /run/xs/in/scenarios/lib.sh
create_guest "$XS_BUILD" || fail "xl create or first ticks failed (see $XS_SCENARIO.log)"
pass "xl create ${create_took} s, first tick ${first_tick_after} s after create, ticking ($(basename "$(guest_log)"))"
