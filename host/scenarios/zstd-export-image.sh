# zstd-export-image: not a test (not in the default list): saves the guest
# with `xl save -z` into the results (a 128 MiB guest makes ~23 MB, the
# results disk holds 64 MB) so that compression levels can be measured on
# a real image outside the host:
#   make host-run HOST_BUILD=ours HOST_SCENARIOS="create zstd-export-image"
#   xen-stream convert build/host/runs/single/results/g1.xlz g1.img
# The guest is restored afterwards.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/zstd-lib.sh
need_zstd_xl
img=$XS_OUT/$XS_GUEST.xlz
ensure_guest || fail "no running guest"
log=$(guest_log)
run "xl save -z (ours)" xlb ours save -z "$XS_GUEST" "$img" || fail "xl save -z failed"
from=$(lines "$XS_CONS/guest-$XS_GUEST.log")
run "xl restore (ours)" xlb ours restore "$img" || fail "xl restore failed"
set_guest_log "$XS_CONS/guest-$XS_GUEST.log"
pass "$(octets "$img") octets in the results as $XS_GUEST.xlz"
