# interop-save-stock-restore-ours: an image saved by the stock xl restores with
# the ours one, and the guest goes on.
. /run/xs/in/scenarios/lib.sh
need_builds stock ours
save_restore stock ours
