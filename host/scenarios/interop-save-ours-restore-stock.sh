# interop-save-ours-restore-stock: an image saved by the ours xl restores with
# the stock one, and the guest goes on.
. /run/xs/in/scenarios/lib.sh
need_builds ours stock
save_restore ours stock
