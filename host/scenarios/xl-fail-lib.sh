# Sourced by the xl-fail-* scenarios (after lib.sh): how our xl behaves when
# a save or a migration goes wrong.  These test the failure handling of our
# xl drop-ins (tools/xl/), so they skip with any other build.

need_our_xl() {
    case $XS_BUILD in
        ours|asan) ;;
        *) skip "tests our xl's failure handling; the build under test is '$XS_BUILD'" ;;
    esac
    grep -q 'xenstream xl migrate drop-in' /usr/sbin/xl ||
        fail "/usr/sbin/xl of build $XS_BUILD is not our xl"
}

# slow_ssh: write /run/xs/slow-ssh, an ssh stand-in for `xl migrate -s`
# that runs the receiver on this host with the sender's bytes throttled to
# roughly 1 MiB per 0.2 s (so that "mid-stream" lasts tens of seconds), and
# records the receiving xl's pid in /run/xs/receiver.pid.
slow_ssh() {
    cat > /run/xs/slow-ssh <<'SH'
#!/bin/sh
shift   # the host: always this one
rm -f /run/xs/receiver.pid
while :; do
    out=$(dd bs=65536 count=16 2>&1 >&3) || exit 1
    case $out in "0+0 records in"*) exit 0 ;; esac
    sleep 0.2
done 3>&1 | sh -c 'echo $$ > /run/xs/receiver.pid; exec "$@"' sh "$@"
SH
    chmod +x /run/xs/slow-ssh
    echo /run/xs/slow-ssh
}

# wait_until SECS STEP CMD...: run CMD every STEP seconds until it
# succeeds; returns 1 once SECS have passed without that.
wait_until() {
    local secs=$1 step=$2 t0
    shift 2
    t0=$(now)
    until "$@"; do
        awk -v a="$t0" -v b="$(now)" -v s="$secs" 'BEGIN { exit !(b - a > s) }' && return 1
        sleep "$step"
    done
}
domain_exists() { xl domid "$1" > /dev/null 2>&1; }
domain_gone() { ! domain_exists "$1"; }
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# wait_domain NAME SECS: until domain NAME exists.
wait_domain() { wait_until "$2" 0.2 domain_exists "$1"; }
# wait_no_domain NAME SECS: until domain NAME is gone.
wait_no_domain() { wait_until "$2" 0.5 domain_gone "$1"; }
# wait_pid PID SECS: until process PID has exited.
wait_pid() { wait_until "$2" 0.2 pid_gone "$1"; }

# oneline FILE: the lines of FILE that matter, joined, for evidence.
oneline() { grep -v '^ *$' "$1" | tail -"${2:-3}" | tr '\n' '|' | cut -c1-400; }

# go_cut_ssh: write /run/xs/go-cut-ssh, an ssh stand-in that runs the
# receiver on this host and relays the sender's bytes to it until the
# receiver has sent its "ready" message; then, before the sender can see
# the last octet of that message, it cuts the sender -> receiver
# direction, so that writing GO fails at the sender (EPIPE) and the
# receiver reads EOF where GO should be.
go_cut_ssh() {
    cat > /run/xs/go-cut-ssh <<'SH'
#!/bin/sh
shift   # the host: always this one
d=/run/xs/gocut
rm -rf "$d"; mkdir -p "$d"
# The receiver's build, as xs-ssh does it.
if [ -n "${XS_PEER_BUILD:-}" ] && [ "$1" = xl ]; then
    set -- xs-with "$XS_PEER_BUILD" "$@"
fi
mkfifo "$d/fwd"
exec 4<&0 0</dev/null
xs-copy <&4 > "$d/fwd" &
fwd=$!
exec 4<&-
# The receiver's answers go back through xs-copy watch, which acts just
# before the last octet of "ready to unpause" reaches the sender, so the
# sender's GO finds the forwarder already stalled (stopped, the pipe still
# open) or gone: the action returns only once the forwarder is stopped
# (T) or dead (Z: it is this shell's child, reaped later).
settled="until [ ! -e /proc/$fwd ] || grep -q '^[0-9]* ([^)]*) [TZ]' /proc/$fwd/stat; do sleep 0.05; done"
if [ "${XS_GO_STALL:-}" = 1 ]; then
    act="kill -STOP $fwd; $settled; echo $fwd > $d/stalled.pid; echo cut > $d/cut"
else
    act="kill $fwd; $settled; echo cut > $d/cut"
fi
XL_MIGRATE_TIMEOUT=${XS_RECEIVER_TIMEOUT:-} "$@" < "$d/fwd" |
    xs-copy watch -b 'ready to unpause' -- sh -c "$act"
SH
    chmod +x /run/xs/go-cut-ssh
    echo /run/xs/go-cut-ssh
}

# report_cut_ssh: write /run/xs/report-cut-ssh, an ssh stand-in that runs
# the receiver on this host and relays the receiver's answers to the
# sender only up to and including its "ready" message; everything after
# (the report that follows GO) is dropped and the sender sees EOF.  The
# sender's bytes, GO included, all reach the receiver.
report_cut_ssh() {
    cat > /run/xs/report-cut-ssh <<'SH'
#!/bin/sh
shift   # the host: always this one
d=/run/xs/reportcut
rm -rf "$d"; mkdir -p "$d"
# The answers go through up to the NUL that ends "ready to unpause";
# then the sender's side is closed and the rest (the report) dropped, read
# to the end so that the receiver can finish.
"$@" | xs-copy watch -a 1 -x 'ready to unpause' -- sh -c "echo cut > $d/cut"
SH
    chmod +x /run/xs/report-cut-ssh
    echo /run/xs/report-cut-ssh
}

# stall_ssh: write /run/xs/stall-ssh, an ssh stand-in that never answers
# (a peer that hangs before the receiver starts); its pid goes to
# /run/xs/stall.pid.
stall_ssh() {
    cat > /run/xs/stall-ssh <<'SH'
#!/bin/sh
echo $$ > /run/xs/stall.pid
exec sleep 600
SH
    chmod +x /run/xs/stall-ssh
    echo /run/xs/stall-ssh
}

# stall_mid_ssh: write /run/xs/stall-mid-ssh, an ssh stand-in that runs
# the receiver on this host (with LIBXL_RESTORE_STALL_TIMEOUT set to
# $XS_RECEIVER_STALL) and relays the sender's bytes to it, throttled to
# roughly 1 MiB per 0.2 s, from a relay whose pid goes to
# /run/xs/stallmid/relay.pid.  Stopping the relay (SIGSTOP) is a network
# that stalls with the connection still open; only the relay holds the
# sender's end, so killing it is the connection finally breaking.  With
# XS_STALL_AT_START=1 the relay stops itself before the first octet, with
# XS_STALL_AFTER=N after (at most) N octets.
stall_mid_ssh() {
    cat > /run/xs/stall-mid-ssh <<'SH'
#!/bin/sh
shift   # the host: always this one
d=/run/xs/stallmid
rm -rf "$d"; mkdir -p "$d"
mkfifo "$d/fwd"
exec 4<&0 0</dev/null
sh -c '
    exec 3> '"$d"'/fwd
    echo $$ > '"$d"'/relay.pid
    [ "${XS_STALL_AT_START:-}" = 1 ] && kill -STOP $$
    if [ -n "${XS_STALL_AFTER:-}" ]; then
        dd bs="$XS_STALL_AFTER" count=1 2>/dev/null >&3
        kill -STOP $$
    fi
    while :; do
        out=$(dd bs=65536 count=16 2>&1 >&3) || exit 1
        case $out in "0+0 records in"*) exit 0 ;; esac
        sleep 0.2
    done' <&4 > /dev/null &
exec 4<&-
LIBXL_RESTORE_STALL_TIMEOUT=${XS_RECEIVER_STALL:-} \
    XL_MIGRATE_TIMEOUT=${XS_RECEIVER_TIMEOUT:-} "$@" < "$d/fwd"
echo $? > "$d/receiver.rc"
SH
    chmod +x /run/xs/stall-mid-ssh
    echo /run/xs/stall-mid-ssh
}

# helper_pid MODE: pid of a running libxl-save-helper in MODE
# (--restore-domain or --save-domain), if any.
helper_pid() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q "libxl-save-helper $1" &&
            { echo "${p#/proc/}"; return 0; }
    done
    return 1
}

# stall_in_libxc SENDER OUT: once libxc's restore helper is reading on the
# receiving side, stop stall_mid_ssh's relay 2 s later.  Sets $stalled (the
# time of the stall).  SENDER is the sending xl's pid, OUT its output.
stall_in_libxc() {
    wait_until 90 0.1 helper_pid --restore-domain > /dev/null || {
        kill "$1"; fail "no restore helper on the receiver within 90 s: $(oneline "$2")"; }
    sleep 2
    kill -STOP "$(cat /run/xs/stallmid/relay.pid)" || fail "cannot stop the relay"
    stalled=$(now)
    helper_pid --restore-domain > /dev/null ||
        fail "the restore helper was gone before the stall: the stall is not inside libxc's part"
    note "relay stopped with the restore helper reading"
}
