# xl-fail-restore-killed: the process restoring a domain is killed with
# SIGKILL in the middle of the stream, so that nothing in it can clean
# up.  libxl's restore guardian (libxl-restore-guardian) must destroy the
# half-restored domain within a few seconds and say so.  Twice:
#  1. `xl restore` from a pipe that stops halfway through the image;
#  2. the receiving `xl migrate-receive` of a localhost migration over a
#     throttled transport: the sender must fail and its guest run on.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/xl-fail-lib.sh
need_our_xl
ensure_guest || fail "no running guest"
[ -x /usr/lib/xen/bin/libxl-restore-guardian ] ||
    fail "build $XS_BUILD has no /usr/lib/xen/bin/libxl-restore-guardian"
img=/tmp/$XS_SCENARIO.img
fifo=/run/xs/$XS_SCENARIO.fifo
out=$XS_OUT/$XS_SCENARIO.restore.txt
name=$XS_GUEST-killed
rm -f "$img" "$fifo"

# 1. xl restore, killed while the stream is stopped halfway.
run "xl save -c (the guest keeps running)" xl save -c "$XS_GUEST" "$img" > /dev/null 2>&1 ||
    fail "xl save -c failed"
half=$(( $(stat -c %s "$img") / 2 ))
sed "s/^name = .*/name = \"$name\"/" "$(guest_cfg)" > /run/xs/$name.cfg
mkfifo "$fifo"
sh -c 'head -c "$1" "$2"; exec sleep 600' sh "$half" "$img" > "$fifo" &
feeder=$!
LIBXL_RESTORE_STALL_TIMEOUT=600 xl restore /run/xs/$name.cfg "$fifo" > "$out" 2>&1 &
xlpid=$!
wait_domain "$name" 60 || { kill "$xlpid" "$feeder"; fail "no domain $name within 60 s: $(oneline "$out")"; }
domid=$(xl domid "$name")
sleep 3
g=$(guardian_pids | head -1)
[ -n "$g" ] ||
    { kill "$xlpid" "$feeder"; fail "no libxl-restore-guardian process while $name is being restored"; }
# Not xl's child (libxl must have no child of it to track), not in xl's
# session (a signal to xl's group or session must not reach it), and
# none of xl's descriptors but stderr (xl's fd 0 is the fifo here).
gppid=$(awk '/^PPid:/ { print $2 }' "/proc/$g/status")
gsid=$(cut -d' ' -f6 "/proc/$g/stat")
xsid=$(cut -d' ' -f6 "/proc/$xlpid/stat")
gfds=$(ls "/proc/$g/fd" | tr '\n' ' ')
[ "$gppid" != "$xlpid" ] || { kill "$xlpid" "$feeder"; fail "the guardian ($g) is xl's child"; }
[ "$gsid" != "$xsid" ] || { kill "$xlpid" "$feeder"; fail "the guardian ($g) is in xl's session ($xsid)"; }
[ "$gfds" = "0 1 2 " ] || { kill "$xlpid" "$feeder"; fail "the guardian ($g) holds descriptors $gfds, not just 0 1 2"; }
readlink "/proc/$g/fd/0" | grep -q '^socket:' || { kill "$xlpid" "$feeder"; fail "the guardian's stdin is $(readlink "/proc/$g/fd/0"), not its socket"; }
note "guardian $g: parent $gppid (xl is $xlpid), session $gsid (xl's $xsid), descriptors $gfds"
t0=$(now)
kill -9 "$xlpid"
wait_no_domain "$name" 15 || { kill "$feeder"; fail "$name (domain $domid) left behind 15 s after xl restore was killed: $(xl list | tr '\n' '|'); xl said: $(oneline "$out" 4)"; }
gone1=$(since "$t0")
kill "$feeder" 2>/dev/null
rm -f "$img" "$fifo"
cat "$out"
said1=$(grep 'libxl-restore-guardian:' "$out" | tail -1 | cut -c1-200)
case $said1 in
    *destroyed*) ;;
    *) fail "the guardian did not say it destroyed domain $domid: $(oneline "$out" 4)" ;;
esac
sleep 1
[ -n "$(guardian_pids)" ] && fail "a libxl-restore-guardian is still running after it acted"

# 2. xl migrate-receive, killed mid-stream; the sender resumes its guest.
ssh=$(slow_ssh)
sout=$XS_OUT/$XS_SCENARIO.sender.txt
log=$(guest_log)
before=$(last_tick "$log")
from=$(lines "$log")
xl migrate -s "$ssh" "$XS_GUEST" localhost > "$sout" 2>&1 &
sender=$!
wait_domain "$XS_GUEST--incoming" 60 || { kill "$sender"; fail "no $XS_GUEST--incoming domain within 60 s: $(oneline "$sout")"; }
sleep 2
rpid=$(cat /run/xs/receiver.pid 2>/dev/null)
[ -n "$rpid" ] || fail "no receiver pid"
t0=$(now)
kill -9 "$rpid"
wait_no_domain "$XS_GUEST--incoming" 15 ||
    fail "$XS_GUEST--incoming left behind 15 s after its receiver was killed: $(xl list | tr '\n' '|')"
gone2=$(since "$t0")
wait_pid "$sender" 120 || { kill -9 "$sender"; fail "the sender did not finish within 120 s: $(oneline "$sout")"; }
wait "$sender"
rc=$?
cat "$sout"
[ $rc != 0 ] || fail "xl migrate reported success although the receiver was killed"
xl domid "$XS_GUEST" > /dev/null 2>&1 || fail "the guest is gone from the sender: $(xl list | tr '\n' '|')"
check_continues "$log" "$from" "$before" || fail "after the failed migration: $evidence"
pass "xl restore killed (SIGKILL) mid-stream: guardian $g (parent $gppid, not xl's $xlpid; own session), domain $domid gone $gone1 s later, '$said1'; migrate-receive killed: $XS_GUEST--incoming gone $gone2 s later, sender exit $rc, $evidence"
