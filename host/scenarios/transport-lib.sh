# Sourced by the transport-* scenarios (host A of the two-host transport
# run, after lib.sh): xl migrate --data-port, the stream on a TLS
# connection of its own while ssh carries xl's messages (docs/transport.md).
# Host A runs every scenario and looks at host B over ssh; B's scenario
# (transport-b) waits until A says it is done.
: "${XS_PEER_IP:?no peer address}"
PEER=$XS_PEER_IP
DATA_PORT=8010

oneline() { grep -v '^ *$' "$1" | tail -"${2:-3}" | tr '\n' '|' | cut -c1-400; }

# on_peer CMD...: run CMD on host B (real ssh, the root key).
on_peer() { ssh "$PEER" "$@"; }

# need_peer: host B up and its sshd answering.
need_peer() {
    local t0
    t0=$(now)
    until on_peer true 2>/dev/null; do
        awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 180) }' &&
            fail "host B ($PEER) does not answer over ssh"
        sleep 1
    done
}

# peer_has NAME: host B has a domain NAME.
peer_has() { on_peer xl domid "$1" > /dev/null 2>&1; }

# peer_log NAME FILE: copy host B's console log of incoming domain NAME.
peer_log() { on_peer cat "$XS_CONS/guest-$1--incoming.log" > "$2" 2>/dev/null; }

# arrived_on_peer BEFORE: the migrated guest ($XS_GUEST) is gone from here
# and goes on on host B from tick BEFORE (counter and memory: sets
# $evidence); fails the scenario otherwise.  B's console log is fetched
# again once if the first copy is too early.
arrived_on_peer() {
    local log=/tmp/transport-$XS_GUEST-b.log
    guest_exists && fail "the guest is still on host A after the migration"
    peer_log "$XS_GUEST" "$log" || fail "no console log of $XS_GUEST on B"
    check_continues "$log" 0 "$1" && return 0
    sleep 5; peer_log "$XS_GUEST" "$log"
    check_continues "$log" 0 "$1" || fail "on B: $evidence"
}

# migrate_behind_relay OUT [XL-OPTION...]: xl migrate --data-port of
# $XS_GUEST to B in the background ($mig its pid, $t0 its start, output in
# OUT), its data connection through a relay on this host's loopback
# (--data-address 127.0.0.1, same port) that waits 6 s before it connects
# on to B: time for strangers to be at B's port first.
migrate_behind_relay() {
    local out=$1
    shift
    xs-copy listen -a 127.0.0.1 $DATA_PORT -- sh -c "sleep 6; exec xs-copy connect $PEER $DATA_PORT 10" &
    t0=$(now)
    xl migrate --data-port $DATA_PORT --data-address 127.0.0.1 "$@" \
        "$XS_GUEST" "$PEER" > "$out" 2>&1 &
    mig=$!
}

# stranger_knocks OUT [--trusted]: a stranger with a key of its own
# (xlt-client) tries B's data port as soon as B listens; sets $stranger to
# its exit status (3: refused), its words in OUT.
stranger_knocks() {
    local out=$1 i
    shift
    stranger=
    for i in $(seq 100); do
        xlt-client "$@" "$PEER" $DATA_PORT > "$out" 2>&1
        stranger=$?
        [ $stranger != 2 ] && break
        sleep 0.2
    done
}

# peer_gone NAME: no NAME and no NAME--incoming on host B within 30 s.
peer_gone() {
    local i
    for i in $(seq 30); do
        peer_has "$1" || peer_has "$1--incoming" || return 0
        sleep 1
    done
    return 1
}

# wait_line FILE TEXT SECS: wait for TEXT to appear in FILE.
wait_line() {
    local i
    for i in $(seq $(($3 * 5))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# runs_on_here: the guest ($XS_GUEST) still ticks here after a failed
# migration, and its memory checks out.  Sets $evidence.
runs_on_here() {
    local log=$1 from=$2 before=$3
    guest_exists || { evidence="the guest is gone from host A"; return 1; }
    check_continues "$log" "$from" "$before"
}

# ssh_h2h FROM TO: xl migrate of a fresh guest from this host's build FROM
# to host B's build TO over real ssh, xl's default transport (the host
# argument "B xs-with TO" makes B's sshd run TO's xl); the guest must go on
# on B.  Passes or fails the scenario.
ssh_h2h() {
    local from=$1 to=$2 out=/tmp/ssh-h2h-$1-$2.out before login
    has_build "$from" || skip "no $from build here"
    need_peer
    on_peer test -d "/opt/xen-$to/usr" || skip "no $to build on B"
    create_guest "$from" || fail "xl create or first ticks failed"
    before=$(last_tick "$(guest_log)")
    run "xl migrate ($from -> $to on B) over ssh" \
        xlb "$from" migrate "$XS_GUEST" "$PEER xs-with $to" > "$out" 2>&1
    rc=$?
    cat "$out"
    [ $rc = 0 ] || fail "xl migrate ($from -> $to) over ssh failed (exit $rc): $(oneline "$out" 5)"
    arrived_on_peer "$before"
    login=$(on_peer grep -c "'Accepted publickey for root from $XS_IP'" "$XS_OUT/sshd.log")
    pass "$from -> $to over ssh in $took s (B's sshd: $login logins from here so far); on B: $evidence"
}
