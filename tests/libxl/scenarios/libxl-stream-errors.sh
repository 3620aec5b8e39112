# libxl-stream-errors: the reader (build under test) on damaged images.
#
# One image is saved, then edited in place, one damage at a time, and
# restored.  Every damaged image must be refused with the reader's own
# message, leave no domain behind, and the image is repaired before the
# next case.  Last, an optional record (type 0x80000010) is added before
# END: the reader must skip it, say so, and the guest must carry on.
. /run/xs/in/scenarios/lib.sh
img=/tmp/$XS_GUEST.errs
out=/tmp/$XS_GUEST.errs.out
ensure_guest || fail "no running guest"
log=$(guest_log)
before=$(last_tick "$log")
run "xl save ($XS_BUILD)" xlb "$XS_BUILD" save "$XS_GUEST" "$img" || fail "xl save failed"
guest_exists && fail "the guest still exists after xl save"

size=$(stat -c %s "$img")
# xl's container: 32 octets of magic, 16 of header whose last field is the
# length of the optional data that follows; the libxl stream comes next.
optlen=$(od -A n -t u4 -j 44 -N 4 "$img" | tr -d ' ')
H=$((48 + optlen))
[ "$(dd if="$img" bs=1 skip=$H count=8 2>/dev/null)" = LibxlFmt ] ||
    fail "no libxl stream header at offset $H of the saved image"
end_rec=$(tail -c 8 "$img" | od -A n -t x1 | tr -d ' \n')
[ "$end_rec" = 0000000000000000 ] || fail "the image does not end in END ($end_rec)"
note "libxl stream at offset $H, image $size octets"

# poke OFFSET OCTAL-BYTES: overwrite octets of the image in place.
poke() { printf "$2" | dd of="$img" bs=1 seek="$1" conv=notrunc 2>/dev/null; }
# tail_with OCTAL-BYTES: replace END by these octets followed by END.
tail_with() {
    truncate -s $((size - 8)) "$img"
    printf "$1" >> "$img"
    printf '\000\000\000\000\000\000\000\000' >> "$img"
}
restore_tail() {
    truncate -s $((size - 8)) "$img"
    printf '\000\000\000\000\000\000\000\000' >> "$img"
}

cases=0
# expect_refusal NAME PATTERN: restoring the image must fail, print
# PATTERN, and leave no domain.
expect_refusal() {
    local name=$1 pattern=$2
    if xlb "$XS_BUILD" restore "$img" > "$out" 2>&1; then
        fail "$name: the damaged image was restored"
    fi
    if ! grep -q -- "$pattern" "$out"; then
        fail "$name: expected \"$pattern\"; got: $(grep -i error "$out" | tail -3 | tr '\n' '|')"
    fi
    guest_exists && fail "$name: a domain was left behind"
    # It ends with one line saying so, not with a cleanup that found
    # nothing to clean (xl used to destroy libxl's destroyed domain again).
    grep -q "Destruction of domain failed\|Non-existant domain" "$out" &&
        fail "$name: xl reported a failed destruction of a domain that was gone: $(grep -m1 'Destruction\|Non-existant' "$out")"
    # ... and that line carries the reader's message itself.
    last=$(tail -1 "$out")
    case "$last" in
    "xl restore: restoring $img failed: "*"; no domain was left behind") ;;
    *) fail "$name: the last line is not xl's closing line: $last" ;;
    esac
    printf '%s\n' "$last" | grep -q -- "$pattern" ||
        fail "$name: the last line does not give the reason (\"$pattern\"): $last"
    note "$name: refused: $(grep -m1 -- "$pattern" "$out" | sed 's/^.*: Domain [0-9]*://')"
    cases=$((cases + 1))
}

poke $H 'X'
expect_refusal "bad ident" "stream header at offset 0: bad ident"
poke $H 'L'

# version and options are big-endian: their low octets are the last ones.
poke $((H + 11)) '\003'
expect_refusal "version 3" "unsupported version"
poke $((H + 11)) '\002'

poke $((H + 15)) '\001'
expect_refusal "big-endian bit" "big-endian stream"
poke $((H + 15)) '\020'
expect_refusal "reserved option bit" "reserved option bit set"
poke $((H + 15)) '\000'

# A mandatory record type nobody knows, after libxc's part.
tail_with '\007\000\000\000\000\000\000\000'
expect_refusal "unknown mandatory type" "unknown mandatory record type"

# QEMU state for a PV guest, which has no device model.
tail_with '\003\000\000\000\020\000\000\000\002\000\000\000\000\000\000\000QEVMxxxx'
expect_refusal "emulator record on PV" "this guest has no device model"

# An optional record whose padding is not zero.
tail_with '\020\000\000\200\005\000\000\000hello\001\000\000'
expect_refusal "non-zero padding" "non-zero padding"

# A record header cut short, then no END at all.
truncate -s $((size - 4)) "$img"
expect_refusal "stream cut inside END" "ended at offset"
truncate -s $((size - 8)) "$img"
expect_refusal "stream without END" "ended at offset"
restore_tail

# Finally something a reader must accept: an optional record.
tail_with '\020\000\000\200\005\000\000\000hello\000\000\000'
log=$XS_CONS/guest-$XS_GUEST.log
from=$(lines "$log")
run "xl restore (optional record)" xlb "$XS_BUILD" restore "$img" > "$out" 2>&1 ||
    fail "image with an optional record refused: $(grep -i error "$out" | tail -2 | tr '\n' '|')"
cat "$out"
set_guest_log "$log"
rm -f "$img"
grep -q "skipping optional record" "$out" ||
    fail "the optional record was not reported as skipped"
check_continues "$log" "$from" "$before" || fail "$evidence"
pass "each ending with xl's closing line (the reader's message, no domain was left behind) and no failed destruction; $cases damaged images refused with the reader's message, none left a domain; optional record skipped and logged, $evidence"
