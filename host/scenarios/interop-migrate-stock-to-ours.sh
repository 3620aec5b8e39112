# interop-migrate-stock-to-ours: live migration on this host from the stock xl to
# the ours one.
. /run/xs/in/scenarios/lib.sh
need_builds stock ours
migrate_local stock ours
