# xl-fail-migrate-stalled-midstream: the network stalls with the
# connection left open, so the receiver sees neither data nor EOF.
#  1. In the middle of libxc's part of the stream: the receiver's libxl
#     (LIBXL_RESTORE_STALL_TIMEOUT=10 here) must notice that nothing has
#     arrived for 10 s although libxc's restore helper is the one blocked
#     in read, say so, and remove its half-built domain.
#  2. Right after the banner, before the first octet of the domain: the
#     receiving xl (XL_MIGRATE_TIMEOUT=8) gives up on its own.
#  3. Inside xl's own header (20 octets in), which xl reads before libxl
#     is involved: the receiving xl gives up after XL_MIGRATE_TIMEOUT.
# Each time, once the connection finally breaks, the sender fails and the
# guest, never suspended, keeps running.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
STALL=10
ssh=$(stall_mid_ssh)
log=$(guest_log)
d=/run/xs/stallmid

# after_stall OUT SENDER: break the connection, check the sender failed
# and the guest runs on.  Sets $src (the sender's exit) and $evidence.
after_stall() {
    local out=$1 sender=$2 before from
    before=$(last_tick "$log")
    from=$(lines "$log")
    kill -9 "$(cat "$d/relay.pid" 2>/dev/null)"
    wait_pid "$sender" 90 || { kill "$sender"; fail "the sender did not end within 90 s of the connection breaking: $(oneline "$out" 6)"; }
    wait "$sender"; src=$?
    cat "$out"
    [ "$src" != 0 ] || fail "xl migrate reported success"
    grep -q 'undefined' "$out" && fail "the sender claims an undefined state: $(oneline "$out" 6)"
    xl domid "$XS_GUEST" > /dev/null 2>&1 || fail "no $XS_GUEST on the sender"
    check_continues "$log" "$from" "$before" || fail "after the stall: $evidence"
}

# receiver_gone SECS: the receiver removed its domain and exited within
# SECS of the stall.  Sets $gave_up and $rrc.
receiver_gone() {
    local n=0
    wait_no_domain "$XS_GUEST--incoming" "$1" || {
        kill -9 "$(cat "$d/relay.pid" 2>/dev/null)"; fail "the receiver kept $XS_GUEST--incoming $1 s into the stall"; }
    until [ -f "$d/receiver.rc" ] || [ $n -ge 100 ]; do sleep 0.2; n=$((n + 1)); done
    [ -f "$d/receiver.rc" ] || { kill -9 "$(cat "$d/relay.pid" 2>/dev/null)"; fail "the receiving xl has not exited"; }
    gave_up=$(since "$stalled")
    rrc=$(cat "$d/receiver.rc")
    [ "$rrc" != 0 ] || fail "the receiving xl exited 0"
}

# judge_xl_stall OUT SENDER MESSAGE: the receiving xl (XL_MIGRATE_TIMEOUT=8)
# gave up on its own, not before 8 s, saying MESSAGE; the sender failed
# once the link broke and the guest ran on.
judge_xl_stall() {
    receiver_gone 60
    awk -v t="$gave_up" 'BEGIN { exit !(t >= 7) }' ||
        fail "the receiver gave up after $gave_up s, before its 8 s timeout"
    after_stall "$1" "$2"
    grep -qF "$3" "$1" || fail "the receiver does not say why it gave up: $(oneline "$1" 8)"
}

# 1. Inside libxc's part.
rm -rf "$d"
out=$XS_OUT/$XS_SCENARIO.libxc.txt
XS_RECEIVER_STALL=$STALL xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &
sender=$!
stall_in_libxc "$sender" "$out"
receiver_gone $((STALL + 40))
awk -v t="$gave_up" -v s="$STALL" 'BEGIN { exit !(t >= s - 1) }' ||
    fail "the receiver gave up after $gave_up s, before the $STALL s timeout"
after_stall "$out" "$sender"
grep -q "nothing received for $STALL s inside libxc's part" "$out" ||
    fail "the receiver does not say why it gave up: $(oneline "$out" 8)"
r1="inside libxc's part: the receiver gave up $gave_up s into the stall (timeout $STALL s, exit $rrc), sender exit $src, guest resumed ($evidence)"

# 2. Before the first octet of the domain.
rm -rf "$d"
out=$XS_OUT/$XS_SCENARIO.start.txt
XS_STALL_AT_START=1 XS_RECEIVER_TIMEOUT=8 xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &
sender=$!
stalled=$(now)
judge_xl_stall "$out" "$sender" 'no domain arriving from the sender: no answer within 8 s'
r2="before the domain's first octet: the receiver gave up after $gave_up s (timeout 8 s, exit $rrc), sender exit $src, guest resumed ($evidence)"

# 3. Inside xl's header.
rm -rf "$d"
out=$XS_OUT/$XS_SCENARIO.header.txt
XS_STALL_AFTER=20 XS_RECEIVER_TIMEOUT=8 xl migrate -s "$ssh" "$XS_GUEST" localhost > "$out" 2>&1 &
sender=$!
wait_until 30 0.1 test -s "$d/relay.pid" || { kill "$sender"; fail "the relay never started: $(oneline "$out")"; }
stalled=$(now)
judge_xl_stall "$out" "$sender" "the sender stopped inside xl's header: no domain config after 8 s"
pass "$r1; $r2; inside xl's header: the receiver gave up after $gave_up s (timeout 8 s, exit $rrc), sender exit $src, guest resumed ($evidence)"
