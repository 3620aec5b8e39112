# create: boot the PV guest with the build under test and see it tick and
# its memory check pass.
. /run/xs/in/scenarios/lib.sh
create_guest "$XS_BUILD" || fail "xl create or first ticks failed (see $XS_SCENARIO.log)"
check_memory "$(guest_log)" 0 || fail "$mem_evidence"
pass "xl create ${create_took} s, first tick ${first_tick_after} s after create, ticking ($(basename "$(guest_log)")); $mem_evidence"
