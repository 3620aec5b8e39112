#!/bin/bash
# Compares the ABI two builds of a shared library export:
#
#   abi-diff.sh STOCK.so OURS.so
#
# The ABI here is the SONAME and every symbol in the dynamic symbol table
# that the library defines (not LOCAL, not undefined), as
# "TYPE BIND VISIBILITY NAME@VERSION" (readelf --dyn-syms; @@ marks the
# default version).  Addresses and sizes are left out: they differ with
# any change to the code.  Prints one line per difference, "+ SYMBOL"
# (only OURS exports it) or "- SYMBOL" (only STOCK does), then a summary.
#
# Exit status: 0 same ABI, 1 different, 2 a library is missing or
# unreadable.
set -u

[ $# = 2 ] || { echo "usage: $0 STOCK.so OURS.so" >&2; exit 2; }

abi_of() {
    local so=$1 out
    # A missing file or one that is not ELF fails here rather than
    # comparing as empty.
    out=$(readelf -dW --dyn-syms "$so" 2>&1) || {
        echo "abi-diff: $so: $(echo "$out" | head -1)" >&2; return 1; }
    echo "$out" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/SONAME \1/p'
    echo "$out" | awk '$1 ~ /^[0-9]+:$/ && NF >= 8 && $7 != "UND" && $5 != "LOCAL" {
        print $4, $5, $6, $8 }' | sort -u
}

stock=$(abi_of "$1") || exit 2
ours=$(abi_of "$2") || exit 2
[ -n "$stock" ] || { echo "abi-diff: $1 exports nothing" >&2; exit 2; }

diffs=$(diff <(echo "$stock") <(echo "$ours") | sed -n 's/^> /+ /p; s/^< /- /p')
if [ -z "$diffs" ]; then
    echo "$(basename "$2"): same ABI as stock ($(echo "$stock" | grep -vc '^SONAME') symbols)"
    exit 0
fi
echo "$diffs"
echo "$(basename "$2"): $(echo "$diffs" | grep -c '^+') added, $(echo "$diffs" | grep -c '^-') missing compared with stock"
exit 1
