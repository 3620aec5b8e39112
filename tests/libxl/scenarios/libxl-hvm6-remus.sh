# libxl-hvm6-remus: Remus with the HVM guest h1, to this host (no network
# buffering, no disk replication: h1 has neither; -F allows that), then
# the primary host fails: h1 is destroyed and the primary's xl killed.
#
# libxl-remus does the same with the PV guest, whose checkpoints carry no
# device model records.  Here every checkpoint carries h1's physmap keys
# (EMULATOR_XENSTORE_DATA) and QEMU's state (EMULATOR_CONTEXT) between
# libxc's CHECKPOINT and our CHECKPOINT_END.  The backup's reader keeps
# the keys in memory and QEMU's state in qemu-resume.<domid>.incoming
# until CHECKPOINT_END, then writes the keys under the backup's domid and
# renames the state file to qemu-resume.<domid>, which the backup's QEMU
# loads when it fails over.  Asserted:
#  - while Remus runs, the backup's published state file is replaced at
#    least XS_REMUS_MIN_CHECKPOINTS (default 3) times (a new inode each
#    time: the rename at CHECKPOINT_END) and the physmap keys appear
#    under the backup's domid before any failover; the primary ticks on;
#  - the stream (captured on the way) holds at least that many
#    CHECKPOINT_ENDs, each after one EMULATOR_XENSTORE_DATA with the
#    physmap keys and one EMULATOR_CONTEXT starting with QEVM, and as
#    many as the backup's reader says it kept;
#  - the backup reports a failover, is now the domain h1, and its
#    counter goes on: never below the tick seen when
#    Remus started, and not below a tick printed before the first
#    checkpoint was published (so it resumed from a later checkpoint);
#  - its QEMU runs (device-model/<domid>/state = running), the physmap
#    keys are there under its domid, and no qemu-resume.* file (published
#    or staged) is left in /var/lib/xen.
# xs-timeout: 600
. /run/xs/in/scenarios/libxl-lib-hvm.sh
MIN_CP=${XS_REMUS_MIN_CHECKPOINTS:-3}
INTERVAL_MS=${XS_REMUS_INTERVAL_MS:-2000}
out=/tmp/$G.remus.out
cap=/tmp/$G.remus.stream
dump=/tmp/$G.remus.dump
trap 'rm -f "$cap" "$dump"' EXIT
command -v xen-stream > /dev/null || fail "no xen-stream in the image"

# older_than T0 SECS: true once more than SECS seconds have passed since T0.
older_than() { awk -v a="$1" -v b="$(now)" -v s="$2" 'BEGIN { exit !(b - a > s) }'; }
# stop_remus: end the xl remus started here (if still there) and show
# what it said.
stop_remus() { kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null; cat "$out"; }

# ---- h1: the one a previous scenario left ticking, or a new one ----
# The PV guest is not needed here: its CPU time is.
guest_exists && xl destroy "$XS_GUEST"
if hvm_running; then
    note "using the running h1 (domid $(xl domid "$G"))"
else
    hvm_exists && xl destroy "$G"
    hvm_boot "$(hvm_cfg)"
fi
if [ "$(hvm_pm_name)" != vga.vram ]; then
    # The keys an older QEMU would have written (see libxl-hvm1-create).
    pm=/local/domain/0/device-model/$(xl domid "$G")/$HVM_PM_KEY
    xsw "$pm/start_addr" f1000000 "$pm/size" 1000000 "$pm/name" vga.vram ||
        fail "cannot write the physmap keys"
fi

# ---- Remus ----
# The backup writes to the incoming log: the primary must not.
hvm_off_incoming_log
plog=$(hvm_live_log)
before=$(last_tick "$plog")
inc=$XS_CONS/guest-$G--incoming.log
from=$(lines "$inc")
XS_PEER_BUILD=$XS_BUILD
XS_CAPTURE=$cap
export XS_PEER_BUILD XS_CAPTURE
echo "+ xl remus -F -n -d -e -i $INTERVAL_MS -s xs-ssh $G localhost (stream captured)"
t_remus=$(now)
# Not through xlb: a shell function in the background is a subshell, and
# its pid would not be xl's.  xs-with, unshare and sh all exec.
xs-with "$XS_BUILD" xl remus -F -n -d -e -i "$INTERVAL_MS" -s xs-ssh "$G" localhost > "$out" 2>&1 &
pid=$!
# The backup exists once the receiver has started restoring.
until xl domid "$G--incoming" > /dev/null 2>&1; do
    kill -0 $pid 2> /dev/null || { stop_remus; fail "xl remus ended before a backup existed"; }
    older_than "$t_remus" 120 && { stop_remus; fail "no backup domain after 120 s"; }
    sleep 0.5
done
bid=$(xl domid "$G--incoming")
t_backup=$(since "$t_remus")
note "backup domain $bid exists after $t_backup s"
[ "$(cat /proc/$pid/comm 2> /dev/null)" = xl ] ||
    { stop_remus; fail "process $pid is $(cat /proc/$pid/comm 2> /dev/null), not the primary's xl"; }

# Watch the backup's published QEMU state: each complete checkpoint
# replaces it by rename, so each one shows as a new inode.  u1 is a tick
# the primary printed before the first checkpoint was published.
resume=/var/lib/xen/qemu-resume.$bid
pm_bid=/local/domain/0/device-model/$bid/$HVM_PM_KEY/name
inodes=
published=0
u1=
prev_tick=$before
pm_seen=
t0=$(now)
while [ $published -lt "$MIN_CP" ]; do
    kill -0 $pid 2> /dev/null || { stop_remus; fail "xl remus ended on its own after $published published checkpoints"; }
    if older_than "$t0" 120; then
        stop_remus
        fail "qemu-resume.$bid was published (renamed over) $published time(s) in 120 s while the backup's libxc took $(grep -c "All records processed" "$out") checkpoints after the first: QEMU's state is not published per checkpoint"
    fi
    tick=$(last_tick "$plog")
    ino=$(stat -c %i "$resume" 2> /dev/null)
    if [ -n "$ino" ]; then
        case " $inodes " in
            *" $ino "*) ;;
            *)
                inodes="$inodes $ino"
                published=$((published + 1))
                [ -z "$u1" ] && { u1=$prev_tick; t_first=$(since "$t_remus"); }
                ;;
        esac
    fi
    [ -z "$pm_seen" ] && [ "$(xsr "$pm_bid" 2> /dev/null)" = vga.vram ] && pm_seen=$(since "$t_remus")
    prev_tick=$tick
    sleep 0.5
done
t_cps=$(since "$t0")
note "backup published $published checkpoints of QEMU's state in $t_cps s (first $t_first s after xl remus, primary tick before it $u1)"
[ -n "$pm_seen" ] || [ "$(xsr "$pm_bid" 2> /dev/null)" = vga.vram ] ||
    { stop_remus; fail "the physmap keys never appeared under the backup's domid $bid while Remus ran"; }
[ "$(xsr "/local/domain/0/device-model/$bid/state" 2> /dev/null)" = running ] &&
    { stop_remus; fail "the backup's device model is running before any failover"; }
last=$(last_tick "$plog")
[ "$last" -gt "$before" ] ||
    { stop_remus; fail "the primary did not tick under Remus (tick $before at the start, $last now)"; }

# ---- failover ----
# The primary host fails: its guest is destroyed, then its xl is killed.
# xl alone would not notice in time: h1's Linux binds a suspend event
# channel, and libxl suspends such a guest by notifying that channel and
# waiting on it, with no watch for the domain's death, so after the
# destroy the primary's xl sits out libxl's 60 s suspend timeout ("guest
# did not suspend, timed out") before it gives up and the stream closes.
# XS_REMUS_WAIT_PRIMARY=1 waits for that instead of killing xl.
note "primary at tick $last; destroying it to force a failover"
run "xl destroy (primary)" xl destroy "$G" || { stop_remus; fail "cannot destroy the primary"; }
t0=$(now)
if [ "${XS_REMUS_WAIT_PRIMARY:-0}" = 1 ]; then
    while kill -0 $pid 2> /dev/null; do
        older_than "$t0" 100 && { stop_remus; fail "the primary's xl remus still there 100 s after the destroy"; }
        sleep 0.5
    done
else
    kill -9 $pid
fi
wait $pid 2> /dev/null
note "the primary's xl remus gone $(since "$t0") s after the destroy"
# The backup's xl (xs-ssh started it) reports on the same output; it
# unpauses the domain right after renaming it.
until grep -q "Remus Failover" "$out" && hvm_exists; do
    older_than "$t0" 120 && { cat "$out"; fail "no failover within 120 s of the destroy"; }
    sleep 0.5
done
t_fail=$(since "$t0")
cat "$out"
newid=$(xl domid "$G" 2> /dev/null)
[ "$newid" = "$bid" ] || fail "domain $G is $newid after the failover, the backup was $bid"
note "failover done $t_fail s after the destroy"

check_continues "$inc" "$from" "$before" || fail "after the failover: $evidence"
first=$(ticks "$inc" "$from" | head -1)
[ "$first" -ge "$u1" ] ||
    fail "the backup resumed at tick $first, below tick $u1 printed before the first of $published checkpoints was published: not from a later checkpoint"

state=
t0=$(now)
until [ "$state" = running ] || older_than "$t0" 30; do
    state=$(xsr "/local/domain/0/device-model/$bid/state" 2> /dev/null)
    [ "$state" = running ] || sleep 0.5
done
[ "$state" = running ] || fail "the backup's device model state is '$state', not running"
name=$(hvm_pm_name)
[ "$name" = vga.vram ] || fail "physmap name under domid $bid after the failover is '$name'"
left=$(ls /var/lib/xen 2> /dev/null | grep '^qemu-resume\.')
[ -z "$left" ] || fail "left in /var/lib/xen after the failover: $(echo $left)"
# Not ours to judge: libxl's save side writes it at each checkpoint.
saves=$(ls /var/lib/xen 2> /dev/null | grep '^qemu-save\.')
[ -z "$saves" ] || note "note: left by the primary's side: $(echo $saves)"

# ---- the stream as sent ----
xen-stream dump "$cap" > "$dump" 2>&1
note "captured stream: $(stat -c %s "$cap") octets; xen-stream: $(tail -1 "$dump" | cut -c1-160)"
# n: CHECKPOINT_ENDs; good: those preceded, since libxc's CHECKPOINT, by
# exactly one EMULATOR_XENSTORE_DATA carrying the physmap name and one
# EMULATOR_CONTEXT with QEMU's magic; ctx, xs: those records in all.
eval "$(awk '
    / libxc record [0-9]+ CHECKPOINT length / { in_cp = 1; c = 0; x = 0; p = 0; next }
    / libxl record [0-9]+ EMULATOR_CONTEXT / { ctx++; if (in_cp && /starts with QEVM/) c++; next }
    / libxl record [0-9]+ EMULATOR_XENSTORE_DATA / { xs++; if (in_cp) x++; next }
    /physmap\/7000000\/name = "vga.vram"/ { if (in_cp) p++; next }
    / libxl record [0-9]+ CHECKPOINT_END / { n++; if (in_cp && c == 1 && x == 1 && p == 1) good++; in_cp = 0 }
    END { printf "n=%d good=%d ctx=%d xs=%d\n", n, good, ctx, xs }' "$dump")"
grep "EMULATOR_CONTEXT" "$dump" | head -2
[ "$n" -ge "$MIN_CP" ] || fail "the captured stream holds $n CHECKPOINT_ENDs, fewer than the $MIN_CP published"
[ "$good" = "$n" ] ||
    fail "only $good of $n checkpoints carried one physmap EMULATOR_XENSTORE_DATA and one QEVM EMULATOR_CONTEXT"
# The reader says which checkpoint it kept when the stream ended (or
# broke) after one; that must be the last CHECKPOINT_END the primary sent.
kept=$(sed -n 's/.*checkpointed stream .*: a failover keeps checkpoint \([0-9]*\).*/\1/p' "$out" | tail -1)
if [ -n "$kept" ]; then
    [ "$kept" = "$n" ] || fail "the reader kept $kept checkpoints, the primary sent $n CHECKPOINT_ENDs"
    how="stream ended between checkpoints, reader kept all $kept"
elif grep -q "continuing from the last complete checkpoint" "$out"; then
    how="stream ended inside checkpoint $((n + 1)), reader fell back to checkpoint $n"
else
    how="reader gave no reason for the failover"
fi
# Zero pages (xen-patches/0003): left out of the first round, and never
# sent as allocate-only in a later checkpoint once they went with data.
zero_evidence="zero pages not checked (build $XS_BUILD)"
if [ "$XS_BUILD" = ours ]; then
    check_zero_pages "$cap" live || fail "Remus stream: $zero_evidence"
    zero_evidence="$zero_evidence, $after_evidence"
fi
xl destroy "$G"
pass "Remus of h1: $zero_evidence; backup domid $bid up after $t_backup s, first checkpoint published after $t_first s, $published checkpoints in $t_cps s (new inode each), physmap keys under its domid ${pm_seen:+after $pm_seen s }before failover; stream $n checkpoints each with physmap keys + QEMU state ($ctx EMULATOR_CONTEXT, $xs EMULATOR_XENSTORE_DATA in all); primary to tick $last, destroyed; failover in $t_fail s ($how); backup resumed at tick $first (Remus began at $before, first publication after tick $u1): $evidence; QEMU running, physmap keys followed, no qemu-resume file left"
