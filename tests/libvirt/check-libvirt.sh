#!/bin/bash
# check-libvirt: our libxenlight driven by Debian 12's libvirtd (libxl
# driver) and virsh in the emulated Xen host, and the stock build beside
# it for interop (host/scenarios/libvirt-*.sh, docs/libvirt.md).
#
# Builds an image with our build and the stock one (build/libvirt-host/
# image), the libvirt bundle (host/libvirt-bundle.sh), and boots one host
# for the one-host scenarios, then two hosts for virsh migrate --live
# between them (ours -> ours, stock -> ours, ours -> stock in one boot).
# One PASS:/FAIL:/SKIP: line per scenario into $RESULTS.
#
#   check-libvirt.sh [SCENARIO...]   default: every one-host libvirt
#                    scenario, then the two-host run; "libvirt-h2h" among
#                    the names asks for the two-host run
#   LIBVIRT_WORK   where images, bundle and runs go (default
#                  build/libvirt-host)
set -uo pipefail
# One brace group, read whole before it runs: the script may be edited
# while a long run is going.
{

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
. "$TOP/tests/lib/report.sh"
WORK=${LIBVIRT_WORK:-$BUILD/libvirt-host}
OURS=$BUILD/xen/dist
STOCK=$BUILD/xen-stock/dist

say() { echo "check-libvirt: $*" >&2; }

# The emulated CPU: libvirt's libxl driver will not start unless it can
# name the host CPU with one of its models, from the features Xen reports.
# Xen hides SYSENTER (sep) on an AMD CPU such as QEMU's default qemu64,
# and then only models libvirt refuses for a host match (cpu64-rhel5/6):
# "cannot create capabilities for libxenlight".  An Intel model TCG
# emulates in full gives it one.
export XS_QEMU_CPU=${LIBVIRT_QEMU_CPU:-Nehalem}

ONE_HOST="libvirt-define-start libvirt-save-restore libvirt-managedsave
    libvirt-save-enospc libvirt-restore-stalled libvirt-interop-images
    libvirt-restore-xl-image"
# Host A's and host B's scenarios of the two-host run, in order.
H2H_A="libvirt-h2h-a1 libvirt-h2h-a2 libvirt-h2h-a-kill libvirt-h2h-a3"
H2H_B="libvirt-h2h-b1 libvirt-h2h-b2 libvirt-h2h-b-kill libvirt-h2h-b3"
SCEN=()
H2H=1
if [ $# -gt 0 ]; then
    H2H=0
    for s in "$@"; do
        case $s in
            libvirt-h2h) H2H=1 ;;
            *) SCEN+=("$s") ;;
        esac
    done
else
    read -r -a SCEN <<< "$(echo $ONE_HOST)"
fi

fail_all() {
    local s
    for s in "${SCEN[@]}" $([ $H2H = 1 ] && echo $H2H_A $H2H_B); do
        report "libvirt/$s" 1 "$1"
    done
    exit 1
}

[ -x "$OURS/usr/sbin/xl" ] || fail_all "no patched build in $OURS (make xen failed?)"
[ -x "$STOCK/usr/sbin/xl" ] || fail_all "no stock build in $STOCK (make xen-stock failed?)"

IMG=$WORK/image
mkdir -p "$IMG"
[ -d "$BUILD/host/debs" ] || bash "$TOP/host/fetch-debs.sh" >&2 ||
    fail_all "host/fetch-debs.sh failed"
ln -sfn "$BUILD/host/debs" "$IMG/debs"
bash "$TOP/host/build-image.sh" --out "$IMG" --ours "$OURS" --stock "$STOCK" >&2 ||
    fail_all "host/build-image.sh failed"

# A copy of host/ with the bundle beside the scenarios (run-host.sh puts
# host/scenarios/*.sh on the input disk).
OVER=$WORK/top
rm -rf "$OVER"
mkdir -p "$OVER"
cp -rp "$TOP/host" "$OVER/host"
bash "$TOP/host/libvirt-bundle.sh" "$WORK/bundle" \
    "$OVER/host/scenarios/libvirt-bin-bundle.tgz.sh" "$STOCK/usr/lib" >&2 ||
    fail_all "cannot build the libvirt bundle (host/libvirt-bundle.sh)"

failed=0

if [ ${#SCEN[@]} -gt 0 ]; then
    RUN=$WORK/run
    say "booting the host: ${SCEN[*]}"
    t0=$(date +%s)
    TOP=$OVER bash "$OVER/host/run-host.sh" --image "$IMG" --build ours \
        --run-dir "$RUN" --name libvirt --quiet "${SCEN[@]}" > "$WORK/run.out" 2>&1
    rc=$?
    cat "$WORK/run.out" >&2
    say "one-host boot took $(( $(date +%s) - t0 )) s"
    report_host_verdicts libvirt "$WORK/run.out" $rc "$RUN" "${SCEN[@]}" || failed=1
fi

# Two hosts, both starting with our library: A -> B ours -> ours, B's
# libvirtd restarted on stock, B -> A stock -> ours, A -> B with B's
# libvirtd killed midway, A -> B ours -> stock.
if [ $H2H = 1 ]; then
    RUN=$WORK/run-h2h
    say "booting two hosts: virsh migrate --live A -> B -> A -> B"
    t0=$(date +%s)
    TOP=$OVER bash "$OVER/host/run-host.sh" --image "$IMG" --build ours \
        --two-host --timeout 900 --sender "$H2H_A" --receiver "$H2H_B" \
        --run-dir "$RUN" --name libvirt-h2h --quiet > "$WORK/run-h2h.out" 2>&1
    rc=$?
    cat "$WORK/run-h2h.out" >&2
    say "two-host boot took $(( $(date +%s) - t0 )) s"
    # shellcheck disable=SC2086
    report_host_verdicts libvirt "$WORK/run-h2h.out" $rc "$RUN" $H2H_A $H2H_B || failed=1
fi
exit $failed
}
