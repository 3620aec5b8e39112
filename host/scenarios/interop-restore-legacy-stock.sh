# interop-restore-legacy-stock: stock libxl restores a legacy image with our
# C convert-legacy-stream in the place of upstream's Python script (same
# command line).
. /run/xs/in/scenarios/lib.sh
need_builds stock
restore_legacy stock stock
