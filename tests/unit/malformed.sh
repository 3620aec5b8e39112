#!/bin/bash
# Runs every mkstream variant through `xen-stream verify` and checks the
# exit status and that an error names the record (or header) and offset.
# Then: truncation at every structure boundary, stdin pipes, --json, the
# command-line contract, and that the docs list what the code does.
#
# Environment: RESULTS (log), XEN_STREAM, MKSTREAM, WORK, MAN, TABLE.
set -u
. "$(dirname "$0")/../lib/unit-script.sh"

# ---- the table ----
while IFS=$'\t' read -r name expect fragment what; do
    "$MKSTREAM" --pages 256 --variant "$name" "$name.img" || {
        check "malformed/$name" 1 "mkstream failed"; continue; }
    out=$("$XEN_STREAM" verify "$name.img" 2>&1); rc=$?
    ok=0
    [ "$rc" = "$expect" ] || ok=1
    case "$out" in *"$fragment"*) ;; *) ok=1 ;; esac
    if [ "$expect" = 1 ]; then
        # the message must say where: "offset N" and which structure
        echo "$out" | grep -Eq 'at offset [0-9]+' || ok=1
        echo "$out" | grep -Eq '(record [0-9]+|header|input|domain XML)' || ok=1
    fi
    case "$out" in *AddressSanitizer*|*"runtime error"*) ok=1 ;; esac
    # reading every octet must give the same verdict and message
    out2=$("$XEN_STREAM" verify --read-all "$name.img" 2>&1)
    [ $? = "$rc" ] && [ "$out2" = "$out" ] || ok=1
    check "malformed/$name" $ok "exit $rc, want $expect: $(echo "$out" | head -1 | cut -c1-150)"
done < <("$MKSTREAM" --list-variants)

# ---- truncation at every boundary (and inside every structure) ----
for shape in valid-pv valid-hvm-xenstore valid-optional valid-zero-pages valid-libvirt; do
    "$MKSTREAM" --pages 40 --variant $shape full.img
    size=$(stat -c %s full.img)
    bad=0; count=0
    for cut in $("$MKSTREAM" --pages 40 --variant $shape --boundaries | sort -nu); do
        [ "$cut" -lt "$size" ] || continue
        count=$((count + 1))
        head -c "$cut" full.img > cut.img
        out=$("$XEN_STREAM" verify cut.img 2>&1); rc=$?
        if [ "$rc" != 1 ] || ! echo "$out" | grep -q 'truncated'; then
            echo "  $shape cut at $cut: exit $rc: $out"; bad=1
        fi
    done
    check "truncation/$shape-at-$count-boundaries" $bad
done

# ---- pipes: stdin is never seekable ----
for v in valid-pv valid-hvm-xenstore valid-checkpointed valid-trailing; do
    "$MKSTREAM" --variant $v p.img
    cat p.img | "$XEN_STREAM" verify - >/dev/null 2>&1
    check "pipe/$v-valid" $?
done
"$MKSTREAM" --variant page-data-count-mismatch p.img
out=$(cat p.img | "$XEN_STREAM" verify - 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'PAGE_DATA.*at offset'
check "pipe/malformed-named" $?

# through a pipe, page data is spliced away unseen: cuts must still show
"$MKSTREAM" --pages 300 --variant valid-hvm-xenstore p.img
bad=0
for cut in 300 5000 600000 $(( $(stat -c %s p.img) - 9 )); do
    out=$(head -c $cut p.img | "$XEN_STREAM" verify - 2>&1); rc=$?
    [ $rc = 1 ] && echo "$out" | grep -q "truncated" || { echo "  pipe cut $cut: $out"; bad=1; }
done
check "pipe/truncation-detected" $bad

# ---- info, dump, --json ----
"$MKSTREAM" --variant valid-hvm-xenstore j.img
for cmd in info verify dump; do
    "$XEN_STREAM" --json $cmd j.img > j.json 2>/dev/null &&
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' j.json
    check "json/$cmd-parses" $?
done
"$XEN_STREAM" dump j.img > d.txt
grep -q 'physmap/f0000000/name = "vga.vram"' d.txt &&
    grep -q 'EMULATOR_XENSTORE_DATA.*emulator qemu-upstream index 0, 3 keys' d.txt &&
    grep -q 'EMULATOR_CONTEXT.*7600 octets of state, starts with QEVM' d.txt &&
    grep -q 'HVM save record CPU (2) instance 0 length 1024' d.txt &&
    grep -q 'HVM param STORE_PFN (1) = 0xfeffc' d.txt &&
    grep -q 'libxc record .* PAGE_DATA' d.txt
check "dump/shows-records-keys-hvm" $?
"$XEN_STREAM" info j.img > i.txt
grep -q 'x86 HVM' i.txt && grep -q 'container: *xl save file' i.txt &&
    grep -q 'guest: *mkstream-guest' i.txt
check "info/summary" $?
"$XEN_STREAM" --json dump j.img | grep -q '"key": "physmap/f0000000/size"'
check "json/dump-has-xenstore-keys" $?
"$MKSTREAM" --variant valid-trailing t.img
"$XEN_STREAM" verify t.img 2>&1 | grep -q 'warning: 60 octets of trailing data'
check "verify/trailing-warns" $?
"$XEN_STREAM" info t.img | grep -q 'trailing data: *60 octets'
check "info/trailing-reported" $?

# zero pages left out as allocate-only (XALLOC) entries: 256 pfns, every
# 4th XALLOC, so 64 entries with no data and 192 pages with data
"$MKSTREAM" --pages 256 --variant valid-zero-pages z.img
"$XEN_STREAM" --json info z.img > z.json 2>/dev/null &&
    python3 - z.json <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["alloc_only_pages"] == 64, j["alloc_only_pages"]
assert j["alloc_only_octets"] == 64 * 4096, j["alloc_only_octets"]
assert j["pages"] == 192, j["pages"]
PY
check "info/json-counts-alloc-only" $?
"$XEN_STREAM" info z.img | grep -q '^allocate-only: *64 pages without data (XALLOC; 262144 octets left out)$'
check "info/text-counts-alloc-only" $?
"$XEN_STREAM" verify z.img | grep -q '192 pages, 64 allocate-only,'
check "verify/counts-alloc-only" $?
"$XEN_STREAM" dump z.img | grep -q 'PAGE_DATA.*256 pfns (0x0..0xff), 192 with data, 64 allocate-only (XALLOC, no data)$'
check "dump/shows-alloc-only" $?
"$XEN_STREAM" --json dump z.img | grep -q '"alloc_only": 64'
check "json/dump-has-alloc-only" $?
# a stream without them says 0, rather than leaving the reader to guess
"$XEN_STREAM" info j.img | grep -q '^allocate-only: *0 pages'
check "info/no-alloc-only-is-0" $?
# a pfn sent with data and later as XALLOC: valid (stock restores it), but
# counted and warned about, since a receiver keeps the old contents
"$MKSTREAM" --pages 256 --variant valid-alloc-after-data r.img
out=$("$XEN_STREAM" verify r.img 2>&1) &&
    echo "$out" | grep -q 'warning: 8 allocate-only entries for pfns sent with data earlier'
check "verify/warns-alloc-only-after-data" $? "$(echo "$out" | head -1)"
"$XEN_STREAM" info r.img | grep -q '^allocate-only after data: 8 entries'
check "info/counts-alloc-only-after-data" $?
"$XEN_STREAM" --json info r.img | grep -q '"alloc_only_after_data": 8'
check "json/counts-alloc-only-after-data" $?
# and never for first sendings, or for the ones without data before
! "$XEN_STREAM" verify z.img 2>&1 | grep -q warning
check "verify/no-warning-for-first-sent-zero-pages" $?
"$XEN_STREAM" info z.img | grep -q '^allocate-only after data: 0 entries'
check "info/alloc-only-after-data-0" $?
# the size of the image shrinks by exactly the pages left out
"$MKSTREAM" --pages 256 --variant valid-pv full-pv.img
[ $(( $(stat -c %s full-pv.img) - $(stat -c %s z.img) )) = $((64 * 4096)) ]
check "zero-pages/image-smaller-by-64-pages" $?

# ---- command-line contract ----
"$XEN_STREAM" >/dev/null 2>&1; [ $? = 2 ]; check "cli/no-args-exit-2" $?
"$XEN_STREAM" frobnicate j.img >/dev/null 2>&1; [ $? = 2 ]
check "cli/unknown-command-exit-2" $?
"$XEN_STREAM" --bogus verify j.img >/dev/null 2>&1; [ $? = 2 ]
check "cli/unknown-option-exit-2" $?
"$XEN_STREAM" verify /nonexistent/x >/dev/null 2>&1; [ $? = 2 ]
check "cli/missing-file-exit-2" $?
"$XEN_STREAM" --help | grep -q '^usage: xen-stream'
check "cli/help" $?
: | "$XEN_STREAM" verify - >/dev/null 2>&1; [ $? = 1 ]
check "cli/empty-stdin-invalid" $?

# ---- docs say what the code does ----
if [ -f "$MAN" ]; then
    ok=0
    groff -man -Tascii -P -cbou "$MAN" 2>/dev/null > man.txt
    for word in info verify dump --json --help convert-legacy-stream \
                'EXIT STATUS' trailing QEVM splice; do
        grep -q -- "$word" man.txt || { echo "  man page lacks $word"; ok=1; }
    done
    # every option the program's --help lists is in the man page
    for opt in $("$XEN_STREAM" --help | grep -o -- '--[a-z]*' | sort -u); do
        grep -q -- "$opt" man.txt || { echo "  man page lacks $opt"; ok=1; }
    done
    check "docs/man-page-covers-cli" $ok
    groff -man -Tutf8 -ww -z "$MAN" 2>man.err; [ ! -s man.err ]
    check "docs/man-page-renders-cleanly" $? "$(head -c 200 man.err)"
fi
if [ -f "$TABLE" ]; then
    ok=0
    while IFS=$'\t' read -r name expect _; do
        grep -q "| \`$name\` |.*| $expect |" "$TABLE" ||
            { echo "  table lacks $name (exit $expect)"; ok=1; }
    done < <("$MKSTREAM" --list-variants)
    check "docs/malformed-table-matches-generator" $ok
fi

exit $((fails > 0))
