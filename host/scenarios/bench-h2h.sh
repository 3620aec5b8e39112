# bench-h2h: the two-host part of `make bench-host` (both hosts of
# run-host.sh --two-host run it; XS_ROLE says which is which).
#
# The guest, booted on host A (the sender), is migrated back and forth
# over the emulated network, XS_BENCH_ROUNDS rounds (default 3) of the
# variants in XS_BENCH_VARIANTS (default "ours stock ours-z"), their order
# turned by one place each round as in bench.sh.  Each variant makes a
# round trip, A -> B (an even step) then B -> A (the odd step after it):
# the two directions of QEMU's socket network were measured to differ by
# up to 5 times, so every variant must cross each of them equally often.
# Each migration runs the variant's xl on both ends (BUILD-z: xl migrate
# -z, received by migrate-receive --zstd).  The transport: the ssh
# stand-in (xs-ssh to an xs-copy listener, a plain TCP connection) unless
# the variant says BUILD-ssh (real ssh, xl's default, the receiving xl
# started by the other host's sshd) or BUILD-tls (real ssh for xl's
# messages, the stream on xl migrate --data-port's TLS connection;
# BUILD-tls-trusted adds --data-trusted: authenticated, not encrypted).
# The variants: XS_BENCH_H2H_VARIANTS, else XS_BENCH_VARIANTS; those also
# in XS_BENCH_H2H_ONCE run in the first round only, and those in
# XS_BENCH_H2H_ONEWAY are timed A -> B only: the guest comes back by
# XS_BENCH_H2H_RETURN (default ours-tls), untimed (stock over real ssh
# takes minutes a direction under TCG).  The receiving host checks the
# guest's counter and memory after every migration; any failure fails the
# run.
#
# Downtime, the same way for both builds: the receiving host takes the
# longest pause memcheck reported after the guest arrived (its own clock
# across the suspension).  Our xl also reports the downtime it measured
# (xl migrate --stats), which the sender records beside its time.
#
# The hosts keep in step through one-shot messages on port 8003: the
# receiver says "ready K" once its xl migrate-receive listens on 8002 (at
# once for the ssh and tls variants, whose receiver sshd starts), so
# the sender's timing does not include waiting for it; the sender then
# says "done K SECS BEFORE" (BEFORE: the last tick it saw when it began).
#
# Each host writes the migrations it sent to bench-h2h.raw, in
# bench.raw's layout (op migrate, octets not counted, "down MS" added for
# our xl): A's file holds the direction A -> B, B's the direction B -> A.
# Each host writes the pauses its guest saw after the migrations it
# received to bench-h2h.pause ("round R variant V pause MS"), so B's file
# holds the pauses of the direction A -> B.
#
# The guests: XS_BENCH_H2H_GUESTS (default "pv"), one after the other,
# each through all the rounds: pv the 128 MiB PV guest g1, hvm the HVM
# guest h1 of bench-hvm.sh (libxl-lib-hvm.sh and its device model bundle,
# which tests/bench/bench-host.sh puts beside the scenarios, unpacked on
# both hosts).  The HVM guest's figures go to bench-h2h-hvm.raw and
# bench-h2h-hvm.pause.  Host A boots each guest, the previous one
# destroyed first, then says "start K" (the HVM guest's boot under TCG
# takes minutes, longer than the other host would wait for a step).
case " ${XS_BENCH_H2H_GUESTS:-pv} " in
    *" hvm "*) . /run/xs/in/scenarios/libxl-lib-hvm.sh ;;
    *) . /run/xs/in/scenarios/lib.sh ;;
esac
. /run/xs/in/scenarios/bench-lib.sh
: "${XS_IP:?no address}" "${XS_PEER_IP:?no peer address}"
need_builds ours stock
ROUNDS=${XS_BENCH_ROUNDS:-3}
VARIANTS=${XS_BENCH_H2H_VARIANTS:-${XS_BENCH_VARIANTS:-"ours stock ours-z"}}
ONCE=${XS_BENCH_H2H_ONCE:-}
ONEWAY=${XS_BENCH_H2H_ONEWAY:-}
RETURN=${XS_BENCH_H2H_RETURN:-ours-tls}
DATA_PORT=8010

# transport_of V: standin, ssh or tls.
transport_of() {
    case $1 in
        *-ssh|*-ssh-*) echo ssh ;;
        *-tls|*-tls-*) echo tls ;;
        *) echo standin ;;
    esac
}
GUESTS=${XS_BENCH_H2H_GUESTS:-pv}
STATS=/tmp/bench-h2h.json

# round_variants R: round R's variants in their order (rotated), without
# those of ONCE after the first round.  Both hosts compute the same list.
round_variants() {
    local v
    for v in $(rotated "$1"); do
        [ "$1" -gt 1 ] && case " $ONCE " in *" $v "*) continue ;; esac
        echo "$v"
    done
}
case ${XS_ROLE:-} in
    sender) me=0 ;;
    receiver) me=1 ;;
    *) fail "XS_ROLE must be sender or receiver (is '${XS_ROLE:-}')" ;;
esac

# listen_msg K: a one-shot listener on port 8003 that leaves what the
# peer sends in /run/xs/msg.K.
listen_msg() {
    rm -f "/run/xs/msg.$1"
    xs-copy listen -a "$XS_IP" 8003 -- \
        sh -c "cat > /run/xs/msg.$1.tmp && mv /run/xs/msg.$1.tmp /run/xs/msg.$1" \
        2> /dev/null &
}

# wait_msg K [SECS]: wait for /run/xs/msg.K (at most SECS, default 240)
# and print it.
wait_msg() {
    local t0 limit=${2:-240}
    t0=$(now)
    until [ -s "/run/xs/msg.$1" ]; do
        awk -v a="$t0" -v b="$(now)" -v l="$limit" 'BEGIN { exit !(b - a > l) }' &&
            fail "step $1: no word from the other host within $limit s"
        sleep 0.2
    done
    cat "/run/xs/msg.$1"
}

send_msg() { echo "$2" | xs-copy connect "$XS_PEER_IP" 8003 120 || fail "step $1: could not reach the other host"; }

# send_step K R V TIMED: migrate the guest to the other host with variant
# V; TIMED 1: record it.
send_step() {
    local k=$1 r=$2 v=$3 timed=$4 b o msg before down=
    b=$(build_of "$v")
    o=$(opts_of "$v")
    # Our xl reports the downtime it measured.
    rm -f "$STATS"
    [ "$b" = ours ] && o="$o --stats=$STATS"
    guest_exists || fail "step $k: no guest here to send"
    msg=$(wait_msg "$k")
    [ "$msg" = "ready $k" ] || fail "step $k: the other host said '$msg', not 'ready $k'"
    before=$(last_tick "$(guest_log)")
    export XS_MIGRATE_PORT=8002
    case $(transport_of "$v") in
        standin) set -- -s xs-ssh "$XS_GUEST" "$XS_PEER_IP" ;;
        # (The host argument carries the command: B's sshd runs
        # "xs-with BUILD xl migrate-receive ...".)
        ssh) set -- "$XS_GUEST" "$XS_PEER_IP xs-with $b" ;;
        tls) set -- --data-port $DATA_PORT --data-address "$XS_PEER_IP" \
                 "$XS_GUEST" "$XS_PEER_IP xs-with $b"
             case $v in *-trusted*) set -- --data-trusted "$@" ;; esac ;;
    esac
    run "step $k (round $r): xl migrate $o ($v) to $XS_PEER_IP" \
        xlb "$b" migrate $o "$@" ||
        { send_msg "$k" "failed $k"; fail "step $k: xl migrate $o ($b) failed after $took s"; }
    guest_exists && fail "step $k: the guest is still here after the migration"
    send_msg "$k" "done $k $took $before"
    [ "$timed" = 1 ] || return 0
    if [ "$b" = ours ]; then
        down=$(sed -n 's/.*"downtime_ms":\([0-9][0-9]*\).*/\1/p' "$STATS" 2> /dev/null)
        [ -n "$down" ] || fail "step $k: our xl migrate --stats gave no downtime_ms: $(cat "$STATS" 2>&1)"
    fi
    record "$r" migrate "$v" - "$before" - "$down"
}

# receive_step K R V TIMED: take the guest in with variant V's xl, check
# it; TIMED 1: record the pause the guest saw.
receive_step() {
    local k=$1 r=$2 v=$3 timed=$4 b o from msg secs before rlog pause
    b=$(build_of "$v")
    o=
    case $v in *-z) o=--zstd ;; esac
    if [ -f "$INCOMING" ]; then
        mv "$INCOMING" "$INCOMING.$k"
    fi
    from=0
    rlog=$XS_OUT/migrate-receive.$k.log
    if [ "$(transport_of "$v")" = standin ]; then
        # (xl's stdout is the connection; its stderr, after xs-copy's, the log.)
        xs-copy listen -a "$XS_IP" -n 8002 -- xs-with "$b" xl migrate-receive $o \
            2> "$rlog" &
        recv_pid=$!
        until grep -q listening "$rlog" 2> /dev/null; do
            kill -0 "$recv_pid" 2> /dev/null || fail "step $k: the listener for xl migrate-receive ended: $(cat "$rlog")"
            sleep 0.1
        done
    else
        # sshd starts the receiver; its messages are in the sender's log.
        echo "(started by sshd for $v)" > "$rlog"
        recv_pid=
    fi
    send_msg "$k" "ready $k"
    msg=$(wait_msg "$k")
    [ -n "$recv_pid" ] && wait "$recv_pid"
    set -- $msg
    [ "$1" = done ] || fail "step $k: the sending host said '$msg'; migrate-receive said: $(tail -3 "$rlog" | tr '\n' ' ')"
    secs=$3 before=$4
    guest_exists || fail "step $k: the sender says done, but there is no $XS_GUEST here"
    set_guest_log "$INCOMING"
    check_continues "$INCOMING" "$from" "$before" ||
        fail "step $k (round $r, $v): $evidence"
    pause=$(longest_pause "$INCOMING" "$from")
    [ -n "$pause" ] || fail "step $k (round $r, $v): the guest reported no pause after it arrived (no mem gap line in $(basename "$INCOMING"))"
    [ "$timed" = 1 ] && echo "round $r variant $v pause $pause" >> "$PAUSES"
    note "step $k (round $r, $v): $secs s, the guest paused $pause ms; $mem_evidence"
}

# start_guest K GUEST: host A boots GUEST (the last one destroyed) and
# tells B "start K"; B waits for that.
start_guest() {
    local k=$1 g=$2 msg
    if [ $me = 1 ]; then
        listen_msg "$k"
        # (The HVM guest's boot may take up to HVM_BOOT_CAP, 540 s.)
        msg=$(wait_msg "$k" 720)
        [ "$msg" = "start $k" ] || fail "step $k: the other host said '$msg', not 'start $k'"
        return 0
    fi
    xl domid g1 > /dev/null 2>&1 && xl destroy g1
    xl domid h1 > /dev/null 2>&1 && xl destroy h1
    case $g in
        pv) create_guest ours || fail "no guest" ;;
        hvm) XS_BUILD=ours
             hvm_boot "$(hvm_cfg)"
             set_guest_log "$HVM_LOG" ;;
    esac
    send_msg "$k" "start $k"
}

k=0
sent=
for g in $GUESTS; do
    case $g in
        pv) XS_GUEST=g1 RAW=$XS_OUT/bench-h2h.raw PAUSES=$XS_OUT/bench-h2h.pause ;;
        hvm) XS_GUEST=h1 RAW=$XS_OUT/bench-h2h-hvm.raw PAUSES=$XS_OUT/bench-h2h-hvm.pause ;;
        *) fail "XS_BENCH_H2H_GUESTS takes pv and hvm, not '$g'" ;;
    esac
    INCOMING=$XS_CONS/guest-$XS_GUEST--incoming.log
    : > "$RAW"
    : > "$PAUSES"
    start_guest "$k" "$g"
    k=$((k + 1))
    i=0
    r=1
    while [ "$r" -le "$ROUNDS" ]; do
        for v in $(round_variants "$r"); do
            for leg in there back; do
                lv=$v timed=1
                if [ $leg = back ]; then
                    case " $ONEWAY " in *" $v "*) lv=$RETURN timed=0 ;; esac
                fi
                listen_msg "$k"
                # (A sends on the guest's even legs, B on the odd ones.)
                if [ $((i % 2)) = $me ]; then
                    send_step "$k" "$r" "$lv" $timed
                else
                    receive_step "$k" "$r" "$lv" $timed
                fi
                k=$((k + 1)) i=$((i + 1))
            done
        done
        r=$((r + 1))
    done
    sent="$sent${sent:+; }$g $(wc -l < "$RAW")"
done
pass "$k steps between the hosts ($ROUNDS rounds of $VARIANTS for $GUESTS), memory ok after each migration on the receiving host; this host sent ($sent); figures in bench-h2h.raw, bench-h2h-hvm.raw"
