#!/bin/bash
# make demo: from a fresh clone to a guest saved, restored and migrated on an
# emulated Xen host, with a readable account of what happened.
#
# Steps: dependencies, the two Xen tool builds (stock and ours), xen-stream,
# the Debian hypervisor and kernel packages, the host images; then one
# emulated host boots and runs create, save + restore, save -c + restore,
# localhost migration and the interop steps with the stock tools; then two
# emulated hosts boot and live-migrate the guest between them (with our
# build: a round trip over real ssh, xl's default, and one over xl migrate
# --data-port, timed side by side; host/scenarios/bench-h2h.sh).  Progress is
# shown as it goes; the summary at the end gives each step's time and result,
# xen-stream's view of a saved image, and the guest's console around the
# save/restore.
#
# Environment: DEMO_TWO_HOST=0 skips the two-host part; DEMO_SUMMARY_ONLY=1
# prints the summary of the last demo run again without running anything.
set -uo pipefail
# The whole script is one brace group, read completely before it runs: the
# script may be edited (git pull, a colleague) while a long run is going.
{
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
MAKE=${MAKE:-make}
HOST=$TOP/build/host
LOGS=$HOST/demo-logs
DEMO_TWO_HOST=${DEMO_TWO_HOST:-1}
mkdir -p "$LOGS"
T0=$(date +%s)

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else echo "$*"; fi; }

# step N LABEL LOG CMD...: run a preparation step quietly, print its time;
# on failure show the end of its log and stop.
step() {
    local n=$1 label=$2 log=$LOGS/$3.log t0 rc; shift 3
    printf '[%s] %-44s ' "$n" "$label"
    t0=$(date +%s)
    "$@" > "$log" 2>&1
    rc=$?
    if [ $rc = 0 ]; then
        echo "ok ($(( $(date +%s) - t0 )) s)"
    else
        echo "FAILED ($(( $(date +%s) - t0 )) s)"
        tail -20 "$log" | sed 's/^/    /'
        echo "    (full log: $log)"
    fi
    return $rc
}

single_rc=0 two_rc=0 prep=- t_single=- t_two=-
if [ "${DEMO_SUMMARY_ONLY:-0}" != 1 ]; then
bold "== xenstream demo: libxl's migration-v2 stream on an emulated Xen 4.17 host"
echo "   (QEMU TCG runs Debian's Xen hypervisor and a Debian 6.1 dom0; a tiny PV"
echo "    guest prints 'tick N' once a second from a counter in its memory, so a"
echo "    guest that survived a save or a migration goes on counting)"
echo
step 1/7 "build dependencies (apt-get, if missing)" deps bash "$TOP/scripts/install-deps.sh" || exit 1
step 2/7 "Xen 4.17 tools, stock (make xen-stock)" xen-stock $MAKE -C "$TOP" --no-print-directory xen-stock || exit 1
ours=1
step 3/7 "Xen 4.17 tools, ours (make xen)" xen $MAKE -C "$TOP" --no-print-directory xen || {
    ours=0; echo "    our build failed: the demo goes on with the stock tools only"; }
step 4/7 "xen-stream (make xen-stream)" xen-stream $MAKE -C "$TOP" --no-print-directory xen-stream ||
    echo "    no xen-stream: saved images are not verified in the host"
step 5/7 "Debian Xen + kernel packages (pinned)" debs bash "$TOP/host/fetch-debs.sh" || exit 1
if [ $ours = 1 ]; then
    step 6/7 "host images (dom0 + guest initramfs)" image bash "$TOP/host/build-image.sh" --ours "$TOP/build/xen/dist" || exit 1
    build=ours
    scen="create save-restore save-checkpoint migrate-localhost migrate-downtime interop-save-ours-restore-stock interop-migrate-stock-to-ours"
else
    step 6/7 "host images (dom0 + guest initramfs)" image bash "$TOP/host/build-image.sh" || exit 1
    build=stock
    scen="create save-restore save-checkpoint migrate-localhost"
fi
prep=$(( $(date +%s) - T0 ))
echo
bold "[7/7] booting the emulated host (tools under test: $build)"
echo "      each line below comes from the host's serial console as it happens"
t_single=$(date +%s)
bash "$TOP/host/run-host.sh" --build "$build" --name demo $scen 2>&1 | tee "$LOGS/run-single.log" |
    grep --line-buffered -v '^PASS: \|^FAIL: \|^SKIP: '
single_rc=${PIPESTATUS[0]}
t_single=$(( $(date +%s) - t_single ))
if [ "$DEMO_TWO_HOST" = 1 ]; then
    echo
    bold "      and two emulated hosts, joined by a QEMU socket network on 127.0.0.1"
    t_two=$(date +%s)
    set --
    if [ $build = ours ]; then
        echo "      the guest goes A -> B -> A over ssh, then over xl migrate --data-port"
        set -- --sender bench-h2h --receiver bench-h2h --conf XS_BENCH_ROUNDS=1 \
            --conf 'XS_BENCH_H2H_VARIANTS="ours-ssh ours-tls"' --timeout 600
    fi
    bash "$TOP/host/run-host.sh" --build "$build" --name demo-two --two-host "$@" 2>&1 | tee "$LOGS/run-two.log" |
        grep --line-buffered -v '^PASS: \|^FAIL: \|^SKIP: '
    two_rc=${PIPESTATUS[0]}
    t_two=$(( $(date +%s) - t_two ))
fi

fi

# ---- summary ----

R1=$HOST/runs/demo/results R2=$HOST/runs/demo-two
# describe SCENARIO HOST: what the scenario's line stands for.
describe() {
    case $1 in
        create) echo "xl create: boot the PV guest" ;;
        save-restore) echo "xl save to a file, xl restore" ;;
        save-checkpoint) echo "xl save -c (keeps running), restore it" ;;
        migrate-localhost) echo "xl migrate to localhost" ;;
        migrate-downtime) echo "xl migrate: progress lines, the downtime xl measured and the pause the guest saw" ;;
        interop-save-ours-restore-stock) echo "saved by ours, restored by stock xl" ;;
        interop-save-stock-restore-ours) echo "saved by stock, restored by ours" ;;
        interop-migrate-stock-to-ours) echo "live migration stock xl -> ours" ;;
        interop-migrate-ours-to-stock) echo "live migration ours -> stock xl" ;;
        h2h-send) echo "host A: create, migrate to host B" ;;
        migrate-host-to-host) echo "host B: guest arrived, still counting" ;;
        # (Both hosts run it: $2 says which.)
        bench-h2h) echo "host $2: the guest migrated over ssh and over --data-port, checked on arrival" ;;
        *) echo "$1" ;;
    esac
}
echo
bold "== what happened"
pass=0 fail=0
for f in "$R1/results.txt" "$R2/a/results/results.txt" "$R2/b/results/results.txt"; do
    case $f in "$R2/a/"*) host=A ;; "$R2/b/"*) host=B ;; *) host= ;; esac
    [ -f "$f" ] || continue
    while read -r status name secs evidence; do
        printf '   %-4s %6s s  %s\n' "$status" "$secs" "$(describe "$name" "$host")"
        echo "$evidence" | fold -s -w 90 | sed 's/^/                  /'
        case $status in PASS) pass=$((pass + 1)) ;; FAIL) fail=$((fail + 1)) ;; esac
    done < "$f"
done
[ -f "$R1/results.txt" ] || { echo "   the host gave no results; see $LOGS/run-single.log"; fail=$((fail + 1)); }
if [ "$DEMO_TWO_HOST" = 1 ]; then
    for h in a b; do
        [ -f "$R2/$h/results/results.txt" ] ||
            { echo "   host $h of the two gave no results; see $LOGS/run-two.log"; fail=$((fail + 1)); }
    done
fi

if [ -s "$R2/a/results/bench-h2h.raw" ] && [ -s "$R2/b/results/bench-h2h.raw" ]; then
    echo
    bold "== host to host: our xl over real ssh (xl's default) and over --data-port (TLS)"
    bash "$TOP/tests/bench/bench-host-report.sh" --h2h ours-ssh "$R2" | sed 's/^/   /'
    echo "   (seconds per migration; the downtime xl reported and the longest pause the"
    echo "    guest saw itself; ssh's ciphers run emulated here, without AES-NI:"
    echo "    make bench-host compares them with stock xl over ssh)"
fi
if [ -f "$R1/save-restore.info.txt" ]; then
    echo
    bold "== the saved image (xl save of a ${XS_GUEST_MEM:-128} MiB guest), as 'xen-stream info' reads it"
    sed 's/^/   /' "$R1/save-restore.info.txt" | head -40
fi
log=$R1/console/guest-g1.log
if [ -f "$log" ] && [ -f "$R1/save-restore.log" ]; then
    echo
    bold "== the guest's console (xenconsoled's log) around the first save/restore"
    before=$(sed -n 's/.*tick \([0-9]*\) before.*/\1/p' "$R1/results.txt" | head -1)
    if [ -n "$before" ]; then
        n=$(tr -d '\r' < "$log" | grep -n "tick $before\$" | head -1 | cut -d: -f1)
        [ -n "$n" ] && tr -d '\r' < "$log" | sed -n "$((n > 2 ? n - 2 : 1)),$((n + 4))p" | sed 's/^/   /'
        echo "   (xl save started after tick $before; the gap in the timestamps is the"
        echo "    guest saved and restored. The counter lives in the guest's memory: a"
        echo "    rebooted guest would have started again at tick 1)"
    fi
fi
echo
bold "== timings"
echo "   preparation (deps, builds, packages, images): ${prep} s"
echo "   one emulated host, boot to power-off:          ${t_single} s"
[ "$DEMO_TWO_HOST" = 1 ] && echo "   two emulated hosts:                            ${t_two} s"
echo "   total:                                         $(( $(date +%s) - T0 )) s"
echo "   logs: $HOST/runs/demo/ (serial.log, results/)$([ "$DEMO_TWO_HOST" = 1 ] && echo " and $HOST/runs/demo-two/")"
echo
if [ $fail = 0 ] && [ $single_rc = 0 ] && [ $two_rc = 0 ]; then
    bold "== demo passed: $pass steps, none failed"
    exit 0
fi
bold "== demo FAILED: $pass passed, $fail failed (run-host exit status $single_rc, two hosts $two_rc)"
exit 1
# End of the group: nothing after this line is read.
exit
}
