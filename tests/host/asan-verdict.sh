#!/bin/bash
# asan-verdict.sh RUN_DIR: the verdict of a `make host-asan` run from the
# sanitizer reports in RUN_DIR/results and RUN_DIR/serial.log.
#
# Fails on any AddressSanitizer report, and on UBSan reports whose site is
# one of our files (tools/libxl, tools/xl drop-ins).  UBSan reports in
# upstream Xen's own code are listed, with their count, but do not fail:
# they are not ours to fix here (see mk/35-asan.mk).
set -uo pipefail
run=${1:?usage: asan-verdict.sh RUN_DIR}
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

files=()
for f in "$run"/results "$run"/serial.log; do [ -e "$f" ] && files+=("$f"); done
[ ${#files[@]} -gt 0 ] || { echo "asan-verdict: nothing in $run" >&2; exit 2; }

# Our sources, by base name: a UBSan site in one of them is ours.
ours=$(cd "$TOP" && ls tools/libxl/*.c tools/xl/*.c | xargs -n1 basename | sort -u)

asan=$(grep -rhE 'ERROR: (AddressSanitizer|LeakSanitizer)' "${files[@]}" 2>/dev/null | sort | uniq -c)
# "path/file.c:LINE:COL: runtime error: what" -> "file.c:LINE what"
sites=$(grep -rhoE '[^ ]+\.[ch]:[0-9]+:[0-9]+: runtime error: .*' "${files[@]}" 2>/dev/null |
    sed -E 's|^.*/||; s|^([^:]+:[0-9]+):[0-9]+: runtime error: |\1 |' | sort | uniq -c)

bad=0
if [ -n "$asan" ]; then
    echo "asan-verdict: AddressSanitizer reports:"
    echo "$asan"
    bad=1
fi
while read -r n site what; do
    [ -n "${site:-}" ] || continue
    file=${site%%:*}
    if grep -qxF "$file" <<< "$ours"; then
        echo "asan-verdict: UBSan in our code ($n x): $site $what"
        bad=1
    else
        echo "asan-verdict: UBSan in upstream code, not ours ($n x): $site $what"
    fi
done <<< "$sites"
if [ $bad = 0 ]; then
    echo "asan-verdict: no AddressSanitizer report, no UBSan report in our code"
fi
exit $bad
