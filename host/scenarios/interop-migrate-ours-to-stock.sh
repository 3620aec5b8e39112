# interop-migrate-ours-to-stock: live migration on this host from the ours xl to
# the stock one.
. /run/xs/in/scenarios/lib.sh
need_builds ours stock
migrate_local ours stock
