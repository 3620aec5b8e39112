#!/bin/bash
# oracle.sh DIR: make DIR hold upstream's Python legacy converter, taken from
# the pinned, checksum-verified Xen orig tarball, for the cross-check in
# run.sh.  Nothing extracted here is ever committed: DIR is under build/.
# Upstream's stream verifier (verify-stream-v2) comes along, as a second
# opinion on our output.  Prints the path of the converter on success.
set -euo pipefail
dir=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
fetch=$top/scripts/fetch-xen-source.sh
script=$dir/tools/python/scripts/convert-legacy-stream

if [ -f "$dir/.stamp" ] && [ -f "$script" ] &&
   [ -f "$dir/tools/python/scripts/verify-stream-v2" ]; then
    echo "$script"
    exit 0
fi
if [ -x "$fetch" ] || [ -f "$fetch" ]; then
    tarball=$(bash "$fetch" --print-tarball)
    [ -f "$tarball" ] || bash "$fetch" >&2
    bash "$fetch" --verify "$tarball" >&2
else
    # Without the project's fetch script: the pinned Debian source package.
    cache=${XEN_SRC_CACHE:-/var/cache/xenstream}
    tarball=$cache/xen_4.17.5+72-g01140da4e8.orig.tar.xz
    if [ ! -f "$tarball" ]; then
        mkdir -p "$cache"
        (cd "$cache" && apt-get source -qq --download-only \
            xen=4.17.5+72-g01140da4e8-1) >&2
    fi
fi
rm -rf "$dir"
mkdir -p "$dir"
tar -xJf "$tarball" -C "$dir" --strip-components=1 --wildcards \
    '*/tools/python/scripts/convert-legacy-stream' \
    '*/tools/python/scripts/verify-stream-v2' \
    '*/tools/python/xen/__init__.py' \
    '*/tools/python/xen/util.py' \
    '*/tools/python/xen/migration/*.py'
[ -f "$script" ] || { echo "oracle.sh: converter not in $tarball" >&2; exit 1; }
touch "$dir/.stamp"
echo "$script"
