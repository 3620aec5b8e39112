#!/bin/bash
# Counts the PASS:/FAIL: lines every test stage writes into build/results/
# and prints the closing line CI reads.  Exit 1 if anything failed or if no
# test ran at all.
dir=${1:-build/results}
pass=0; fail=0
for f in "$dir"/*.log; do
    [ -f "$f" ] || continue
    p=$(grep -c '^PASS: ' "$f"); x=$(grep -c '^FAIL: ' "$f")
    s=$(grep -c '^SKIP: ' "$f")
    printf '  %-24s %4d passed %4d failed %4d skipped\n' "$(basename "$f" .log)" "$p" "$x" "$s"
    pass=$((pass + p)); fail=$((fail + x))
done
if [ "$fail" -gt 0 ]; then
    echo "Failures:"
    grep -h '^FAIL: ' "$dir"/*.log | sed 's/^/  /'
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
