#!/bin/bash
# Applies our patch series to a fresh Xen tree:
#
#   apply-xen-series.sh TREE [PATCH-OPTION...]
#
# Every patch named in xen-patches/series, in order, with patch -p1 (any
# further options, e.g. --fuzz=0, are passed to patch); then every file
# named in xen-patches/remove-files is deleted.  Deleting those here keeps
# upstream's contents out of the patches.  A patch that does not apply, or
# a listed file that is not in the tree, stops with a message naming it.
#
# Used by the build (mk/20-xen.mk) and by check-xen, so that both see the
# same tree.  XEN_PATCH_DIR overrides the series directory.
#
# Exit status: 0 applied, 1 something failed (nothing is undone).
set -u

[ $# -ge 1 ] || { echo "usage: $0 TREE [PATCH-OPTION...]" >&2; exit 1; }
tree=$1; shift
dir=${XEN_PATCH_DIR:-$(cd "$(dirname "$0")/.." && pwd)/xen-patches}
series=$dir/series
removes=$dir/remove-files

fail() { echo "xen-series: $*" >&2; exit 1; }

[ -d "$tree" ] || fail "$tree: no such tree"
[ -f "$series" ] || fail "$series missing"
[ -f "$removes" ] || fail "$removes missing"

patches=$(sed -e 's/#.*//' "$series")
[ -n "$patches" ] || fail "$series lists no patch"
for p in $patches; do
    [ -f "$dir/$p" ] || fail "$p listed in series but missing"
    echo "   $p"
    if ! out=$(patch -d "$tree" -p1 -s --no-backup-if-mismatch "$@" \
               < "$dir/$p" 2>&1); then
        printf '%s\n' "$out" >&2
        fail "$p does not apply"
    fi
done

for f in $(sed -e 's/#.*//' "$removes"); do
    case $f in
    /*|*..*) fail "remove-files: $f is not a path inside the tree" ;;
    esac
    [ -f "$tree/$f" ] || fail "remove-files: $f is not in the tree"
    echo "   removing $f"
    rm -f "$tree/$f"
done
exit 0
