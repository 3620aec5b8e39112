#!/bin/bash
# Boots the emulated Xen host under QEMU (TCG), runs scenarios in its dom0,
# and reports what they found.
#
#   run-host.sh [OPTIONS] [SCENARIO...]
#     --image DIR      images from build-image.sh (default build/host)
#     --build NAME     tool build under test: ours or stock (default: ours
#                      if the image has it, else stock)
#     --two-host       boot two hosts joined by a QEMU socket network and run
#                      the host-to-host migration (SCENARIOs are ignored)
#     --sender LIST    with --two-host: host A's scenarios (default h2h-send)
#     --receiver LIST  with --two-host: host B's scenarios (default
#                      migrate-host-to-host)
#     --peer-build NAME  with --two-host: the receiving host B runs this
#                      build (default: the same as --build); the result
#                      names then end in -BUILD-to-PEER
#     --peer-image DIR  with --two-host: host B boots the images in DIR
#                      (default: the same as --image), e.g. build/host-deb13
#                      (host/build-image-deb13.sh)
#     --timeout SECS   for the whole run (default: 120 + 150 per scenario)
#     --run-dir DIR    where the logs and results go (default
#                      build/host/runs/<name>)
#     --name NAME      name of the run (default: single or two-host)
#     --quiet          do not show the host's progress lines
#     --conf VAR=VALUE one more line for the host's run.conf (exported to
#                      the scenarios), e.g. ASAN_OPTIONS=...; repeatable
#   Scenarios are host/scenarios/NAME.sh (default: all but the two-host ones).
#
# Prints one line per scenario: "PASS: host/NAME (N s) evidence" (or FAIL:
# or SKIP:).  Exit status: 0 everything passed, 1 a scenario failed, 2 the
# host gave no verdict (hang, timeout, crash): then the tail of the serial
# log is shown.
#
# How a verdict gets out of the host: dom0 writes its results as a tar onto a
# raw virtio disk, extracted here after QEMU has exited, and ends QEMU
# through an isa-debug-exit port: status 33 means dom0 saw every scenario
# pass, 35 that one failed.  Anything else (0 from a Xen panic with
# -no-reboot, 124 from the timeout) is "no verdict".  QEMU always runs under
# timeout(1); on any exit this script kills the QEMUs it started, by PID.
set -uo pipefail
# The whole script is one brace group, read completely before it runs: the
# script may be edited (git pull, a colleague) while a long run is going.
{

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
IMG=$TOP/build/host
PEER_IMG=
BUILD=
PEER_BUILD=
TWO_HOST=0
SENDER_SCENARIOS=h2h-send
RECEIVER_SCENARIOS=migrate-host-to-host
TIMEOUT=
RUN_DIR=
NAME=
QUIET=0
SCENARIOS=()
EXTRA_CONF=
QEMU=${QEMU_SYSTEM_X86:-qemu-system-x86_64}
DEFAULT_SCENARIOS="create save-restore save-checkpoint migrate-localhost
    interop-save-stock-restore-ours interop-save-ours-restore-stock
    interop-migrate-ours-to-stock interop-migrate-stock-to-ours
    restore-legacy interop-restore-legacy-stock
    xl-fail-save-enospc xl-fail-migrate-receiver-killed
    xl-fail-migrate-sender-killed xl-fail-migrate-go-lost
    xl-fail-migrate-report-lost xl-fail-migrate-go-lost-to-stock
    xl-fail-migrate-stalled xl-fail-migrate-stalled-midstream
    xl-fail-restore-stalled xl-fail-migrate-receiver-stalled
    xl-fail-restore-killed
    memcheck-catches-damage
    zstd-save-restore zstd-restore-stock-refuses zstd-restore-damaged
    zstd-migrate-localhost zstd-migrate-to-stock-refused
    zero-pages-sent-save zero-pages-sent-migrate
    migrate-downtime"
# (xl-fail-*: our xl's failure handling, docs/man/xl-saverestore.md; they
# skip unless the build under test is ours.)

# Xen: serial console on COM1 (our serial log), dom0 with a fixed 1.5 GiB
# (room for a 134 MB image twice over in /tmp), no boot-time scrubbing of
# the 3 GiB (it only costs TCG time).  No "noreboot": a Xen panic then
# resets the machine and -no-reboot turns that into QEMU exiting.
# The emulated machine: TCG's qemu64 (the PV dom0 kernel crashes with
# -cpu max; /dev/kvm does not work on this machine kind), two CPUs: dom0
# (one vCPU) and a guest then run side by side, each on a core of its own
# through multi-threaded TCG.  Measured with one CPU vs two: dom0 up at
# 10.2 s vs 4.6 s, and an HVM guest's device model in dom0 no longer takes
# the guest's CPU while it boots.
XS_QEMU_CPU=${XS_QEMU_CPU:-qemu64}
XS_QEMU_SMP=${XS_QEMU_SMP:-2}
# Xen's boot-time scrubbing: its default (idle: free memory is scrubbed
# when idle or before it is handed out), so that a page a stock receiver
# populates reads as zeros, as on a real host.  XS_XEN_BOOTSCRUB=0 leaves
# boot memory as QEMU left it: check-libxl's two-host run uses that to
# prove our restore clears the zero pages our sender leaves out
# (docs/zero-pages.md).
XS_XEN_BOOTSCRUB=${XS_XEN_BOOTSCRUB:-idle}
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=1536M,max:1536M dom0_max_vcpus=1 loglvl=all guest_loglvl=all bootscrub=$XS_XEN_BOOTSCRUB"
# dom0 kernel (no commas: QEMU separates multiboot modules with them).
DOM0_ARGS=${XS_DOM0_ARGS:-"console=hvc0 earlyprintk=xen rdinit=/init quiet loglevel=4"}

say() { echo "run-host: $*" >&2; }
die() { say "error: $*"; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
        --image) IMG=$2; shift 2 ;;
        --build) BUILD=$2; shift 2 ;;
        --peer-build) PEER_BUILD=$2; shift 2 ;;
        --peer-image) PEER_IMG=$2; shift 2 ;;
        --two-host) TWO_HOST=1; shift ;;
        --sender) SENDER_SCENARIOS=$2; shift 2 ;;
        --receiver) RECEIVER_SCENARIOS=$2; shift 2 ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        --run-dir) RUN_DIR=$2; shift 2 ;;
        --name) NAME=$2; shift 2 ;;
        --quiet) QUIET=1; shift ;;
        --conf) EXTRA_CONF+="
$2"; shift 2 ;;
        -*) sed -n '4,26s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
        *) SCENARIOS+=("$1"); shift ;;
    esac
done

PEER_IMG=${PEER_IMG:-$IMG}
for f in xen.elf vmlinuz dom0.cpio.gz; do
    [ -f "$IMG/$f" ] || die "$IMG/$f missing: run host/build-image.sh (make host-image)"
    [ -f "$PEER_IMG/$f" ] || die "$PEER_IMG/$f missing"
done
stale=$(find "$TOP/host/dom0" "$TOP/host/guest" "$TOP/host/tools" -type f -newer "$IMG/dom0.cpio.gz" 2>/dev/null | head -3)
[ -n "$stale" ] && say "warning: the image is older than $(echo $stale): rebuild it (make host-image)"
builds=$(sed -n 's/^tool builds: *//p' "$IMG/image.info")
if [ -z "$BUILD" ]; then
    case " $builds " in *" ours "*) BUILD=ours ;; *) BUILD=stock ;; esac
fi
PEER_BUILD=${PEER_BUILD:-$BUILD}
peer_builds=$(sed -n 's/^tool builds: *//p' "$PEER_IMG/image.info")
case " $builds " in *" $BUILD "*) ;; *) die "the image has no tool build '$BUILD' (has: $builds)" ;; esac
case " $peer_builds " in *" $PEER_BUILD "*) ;; *) die "the peer's image has no tool build '$PEER_BUILD' (has: $peer_builds)" ;; esac
suffix=
[ "$PEER_BUILD" != "$BUILD" ] && suffix=-$BUILD-to-$PEER_BUILD

if [ $TWO_HOST = 1 ]; then
    NAME=${NAME:-two-host}
    TIMEOUT=${TIMEOUT:-420}
else
    NAME=${NAME:-single}
    [ ${#SCENARIOS[@]} = 0 ] && read -r -a SCENARIOS <<< "$(echo $DEFAULT_SCENARIOS)"
    TIMEOUT=${TIMEOUT:-$((120 + 150 * ${#SCENARIOS[@]}))}
fi
RUN_DIR=${RUN_DIR:-$TOP/build/host/runs/$NAME}
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"

# port_busy PORT: is something listening on 127.0.0.1:PORT?  (/proc, not
# ss, which a minimal machine may lack.)
port_busy() {
    local hex
    hex=$(printf ':%04X ' "$1")
    grep -q "^ *[0-9]*: [0-9A-F]*$hex[0-9A-F:]* 0A " /proc/net/tcp 2>/dev/null
}

# ---- cleanup: whatever we started goes, by PID ----

PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        # QEMU leaves promptly on SIGTERM; make sure.
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$p" 2>/dev/null
    done
    PIDS=()
}
trap cleanup EXIT
trap 'say "interrupted"; exit 2' INT TERM

# ---- one host ----

# make_input DIR CONF: the input disk, a tar of run.conf and the scenarios.
make_input() {
    local dir=$1 conf=$2
    mkdir -p "$dir/in/scenarios"
    cp "$TOP"/host/scenarios/*.sh "$dir/in/scenarios/"
    printf '%s%s\n' "$conf" "$EXTRA_CONF" > "$dir/in/run.conf"
    tar -cf "$dir/in.tar" -C "$dir/in" .
    # The results disk: dom0 writes a tar onto it.
    rm -f "$dir/results.img"
    truncate -s 64M "$dir/results.img"
}

# start_host DIR IMAGEDIR [QEMU ARGS...]: start QEMU for the host in DIR,
# booting the images in IMAGEDIR, in the background under timeout(1); its
# PID goes into DIR/pid.
start_host() {
    local dir=$1 img=$2; shift 2
    timeout -k 10 "$TIMEOUT" "$QEMU" \
        -accel tcg,thread=multi -cpu "$XS_QEMU_CPU" -smp "$XS_QEMU_SMP" -m 3072 \
        -nographic -monitor none -serial "file:$dir/serial.log" \
        -no-reboot -nic none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$img/xen.elf" -append "$XEN_ARGS" \
        -initrd "$img/vmlinuz $DOM0_ARGS,$img/dom0.cpio.gz" \
        -drive "file=$dir/in.tar,format=raw,if=virtio,readonly=on" \
        -drive "file=$dir/results.img,format=raw,if=virtio" \
        "$@" < /dev/null > "$dir/qemu.out" 2>&1 &
    echo $! > "$dir/pid"
    PIDS+=($!)
}

# Show the hosts' "XS:" progress lines while they run: a polling loop (no
# tail -F, which would outlive QEMU), stopped by touching $RUN_DIR/.stop.
progress_loop() {
    local f n
    declare -A seen=()
    while :; do
        local last=0
        [ -e "$RUN_DIR/.stop" ] && last=1
        for f in "$@"; do
            [ -f "$f" ] || continue
            n=$(wc -l < "$f")
            if [ "$n" -gt "${seen[$f]:-0}" ]; then
                sed -n "$(( ${seen[$f]:-0} + 1 )),${n}p" "$f" | tr -d '\r' |
                    sed -n 's/^XS: \(RESULT.*\)/  \1/p; s/^XS: /  | /p' >&2
                seen[$f]=$n
            fi
        done
        [ $last = 1 ] && return 0
        sleep 1
    done
}

start_progress() {
    [ $QUIET = 1 ] && return 0
    rm -f "$RUN_DIR/.stop"
    progress_loop "$@" &
    PROGRESS_PID=$!
    PIDS+=($!)
}

stop_progress() {
    [ -n "${PROGRESS_PID:-}" ] || return 0
    touch "$RUN_DIR/.stop"
    wait "$PROGRESS_PID" 2>/dev/null
    PROGRESS_PID=
}

# wait_host DIR: wait for its QEMU; leaves the exit status in DIR/rc.
wait_host() {
    local dir=$1 rc
    wait "$(cat "$dir/pid")"
    rc=$?
    echo $rc > "$dir/rc"
}

# report_host DIR LABEL: extract and print the host's results.  Returns 0
# all passed, 1 something failed, 2 no verdict.
report_host() {
    local dir=$1 label=$2 rc status name secs evidence verdict=0
    rc=$(cat "$dir/rc")
    mkdir -p "$dir/results"
    tar -xf "$dir/results.img" -C "$dir/results" 2>/dev/null
    if [ -f "$dir/results/results.txt" ]; then
        while read -r status name secs evidence; do
            echo "$status: host/$name (${secs}s) $evidence"
            [ "$status" = FAIL ] && verdict=1
        done < "$dir/results/results.txt"
    fi
    case $rc in
        33) [ -f "$dir/results/results.txt" ] || { say "$label: dom0 said pass but left no results"; verdict=2; } ;;
        35) [ $verdict = 0 ] && verdict=1 ;;
        124|137) say "$label: no verdict: timed out after $TIMEOUT s"; verdict=2 ;;
        *) say "$label: no verdict: QEMU exited with status $rc (Xen or dom0 crashed?)"; verdict=2 ;;
    esac
    if [ $verdict = 2 ]; then
        echo "FAIL: host/$label (no verdict, QEMU status $rc)"
        say "last lines of $dir/serial.log:"
        tail -40 "$dir/serial.log" | tr -d '\r' | sed 's/^/    /' >&2
        [ -s "$dir/qemu.out" ] && { say "QEMU said:"; sed 's/^/    /' "$dir/qemu.out" >&2; }
    fi
    return $verdict
}

t0=$(date +%s)
if [ $TWO_HOST = 0 ]; then
    say "booting one host (tools: $BUILD; scenarios: ${SCENARIOS[*]}; timeout $TIMEOUT s)"
    make_input "$RUN_DIR" "XS_BUILD=$BUILD
XS_SCENARIOS=\"${SCENARIOS[*]}\""
    start_host "$RUN_DIR" "$IMG"
    start_progress "$RUN_DIR/serial.log"
    wait_host "$RUN_DIR"
    stop_progress
    report_host "$RUN_DIR" "$NAME"
    verdict=$?
else
    # Host B listens on a loopback port for QEMU's socket network, host A
    # connects to it; B has to be up first.  The port is picked at random
    # and checked to be free.
    A=$RUN_DIR/a B=$RUN_DIR/b
    port=
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        p=$((20000 + RANDOM % 20000))
        port_busy $p || { port=$p; break; }
    done
    [ -n "$port" ] || die "no free loopback port for the hosts' network"
    say "booting two hosts joined on 127.0.0.1:$port (tools: A $BUILD, B $PEER_BUILD; timeout $TIMEOUT s)"
    make_input "$B" "XS_BUILD=$PEER_BUILD
XS_RESULT_SUFFIX=$suffix
XS_ROLE=receiver
XS_IP=169.254.77.2
XS_PEER_IP=169.254.77.1
XS_SCENARIO_TIMEOUT=$((TIMEOUT - 60))
XS_SCENARIOS=\"$RECEIVER_SCENARIOS\""
    make_input "$A" "XS_BUILD=$BUILD
XS_RESULT_SUFFIX=$suffix
XS_ROLE=sender
XS_IP=169.254.77.1
XS_PEER_IP=169.254.77.2
XS_SCENARIO_TIMEOUT=$((TIMEOUT - 60))
XS_SCENARIOS=\"$SENDER_SCENARIOS\""
    start_host "$B" "$PEER_IMG" -netdev "socket,id=n0,listen=127.0.0.1:$port" \
        -device virtio-net-pci,netdev=n0,mac=52:54:00:78:00:02
    for _ in $(seq 50); do
        port_busy $port && break
        kill -0 "$(cat "$B/pid")" 2>/dev/null || break
        sleep 0.2
    done
    start_host "$A" "$IMG" -netdev "socket,id=n0,connect=127.0.0.1:$port" \
        -device virtio-net-pci,netdev=n0,mac=52:54:00:78:00:01
    start_progress "$A/serial.log" "$B/serial.log"
    wait_host "$A"
    wait_host "$B"
    stop_progress
    report_host "$A" "$NAME-sender"; va=$?
    report_host "$B" "$NAME-receiver"; vb=$?
    verdict=$(( va > vb ? va : vb ))
fi
say "run took $(( $(date +%s) - t0 )) s; logs in $RUN_DIR"
exit $verdict
# End of the group: nothing after this line is read.
exit
}
