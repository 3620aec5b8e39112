# xl-fail-restore-stalled: `xl restore` from a pipe whose writer stops
# without closing it, four octets into the END record (after libxc's part
# has been read in full).  With LIBXL_RESTORE_STALL_TIMEOUT=12 our libxl
# must give up after about 12 s, name the record and the offset, and leave
# no domain behind; the stock build would wait for ever.
# Why 12 and not less: the timeout also covers libxc's part, and the
# emulated dom0 (one vCPU) was seen to stand still for about 4 s there
# while the helper populates memory.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
command -v xen-stream > /dev/null || skip "no xen-stream in the image (needed to find the END record)"
img=/tmp/$XS_SCENARIO.img
fifo=/run/xs/$XS_SCENARIO.fifo
out=$XS_OUT/$XS_SCENARIO.txt
name=$XS_GUEST-stalled
stall=12
rm -f "$img" "$fifo"
run "xl save -c (the guest keeps running)" xl save -c "$XS_GUEST" "$img" > /dev/null 2>&1 ||
    fail "xl save -c failed"
size=$(stat -c %s "$img")
xen-stream dump "$img" > "$XS_OUT/$XS_SCENARIO.dump.txt" 2>&1 || fail "xen-stream cannot dump the image"
hdr=$(dump_offset "$XS_OUT/$XS_SCENARIO.dump.txt" '^@[0-9]+ libxl header')
end=$(dump_offset "$XS_OUT/$XS_SCENARIO.dump.txt" '^@[0-9]+ libxl record [0-9]+ END')
endidx=$(awk '/^@[0-9]+ libxl record [0-9]+ END/ { print $4 }' "$XS_OUT/$XS_SCENARIO.dump.txt")
libxc=$(dump_offset "$XS_OUT/$XS_SCENARIO.dump.txt" '^@[0-9]+ libxl record [0-9]+ LIBXC_CONTEXT')
[ -n "$hdr" ] && [ -n "$end" ] && [ -n "$libxc" ] || fail "no libxl header, LIBXC_CONTEXT or END in the dump"
# An xl image ends with libxl's END record (8 octets).
[ "$end" = $((size - 8)) ] || fail "the dump puts END at $end, but the image is $size octets (END expected at $((size - 8)))"
# Our reader counts from the libxl header; from a pipe it cannot know how
# long libxc's part was, so it counts the octets it read itself: up to
# the end of LIBXC_CONTEXT's header, then the 4 octets of END's header
# the feeder sends before it stops.
want=$((libxc + 8 - hdr + 4))
sed "s/^name = .*/name = \"$name\"/" "$(guest_cfg)" > /run/xs/$name.cfg
# attempt: feed the image up to 4 octets into END through a fifo and
# restore from it; sets rc, t and feeder_state.
attempt() {
    rm -f "$fifo" /run/xs/feeder.status
    mkfifo "$fifo"
    # xs-copy, not busybox's head: it says how much it wrote (-v) and
    # fails if it could not write all of it.
    sh -c 'echo $$ > /run/xs/feeder.pid; xs-copy -v -n "$1" < "$2" 2> /run/xs/feeder.err; echo $? > /run/xs/feeder.status; exec sleep 600' sh \
        $((end + 4)) "$img" > "$fifo" &
    feeder=$!
    run "xl restore from a pipe that stalls inside END" env LIBXL_RESTORE_STALL_TIMEOUT=$stall \
        timeout 120 xl restore /run/xs/$name.cfg "$fifo" > "$out" 2>&1
    rc=$?
    t=$took
    # Where the feeder had got: xs-copy still writing means the reader
    # stopped taking data; its exit status if it ended.
    feeder_state="$(tr '\0' ' ' < /proc/$feeder/cmdline 2>/dev/null)xs-copy exit $(cat /run/xs/feeder.status 2>/dev/null): $(tr '\n' ' ' < /run/xs/feeder.err 2>/dev/null)"
    for c in /proc/$feeder/task/*/children; do
        for p in $(cat "$c" 2>/dev/null); do
            feeder_state="$feeder_state; child $(tr '\0' ' ' < /proc/$p/cmdline) wrote $(sed -n 's/^wchar: //p' /proc/$p/io) in $(cat /proc/$p/wchan)"
        done
    done
    kill "$feeder" 2>/dev/null
    cat "$out"
}
attempt
rm -f "$img" "$fifo"
[ $rc != 0 ] || fail "xl restore succeeded from a stalled pipe"
[ $rc != 124 ] || fail "xl restore was still waiting after 120 s"
awk -v t="$t" -v s="$stall" 'BEGIN { exit !(t >= s && t < s + 55) }' ||
    fail "xl restore gave up after $t s (timeout $stall s)"
msg="nothing received for $stall s at offset $want (excluding libxc's part), in the record header of record $endidx (not yet known)"
grep -qF "$msg" "$out" || fail "expected \"$msg\" (feeder: $feeder_state): $(oneline "$out" 8)"
wait_no_domain "$name" 30 || fail "$name was left behind: $(xl list | tr '\n' '|')"
ls /var/lib/xen/qemu-resume.* > /dev/null 2>&1 && fail "a device model state file was left behind"
pass "gave up in $t s (timeout $stall s): \"$msg\"; no domain left (image $size octets, END at file offset $end)"
