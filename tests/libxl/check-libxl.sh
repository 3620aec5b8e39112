#!/bin/bash
# check-libxl: our libxl stream code (tools/libxl/libxl_stream_*.c,
# libxl_sr_emu_xenstore.c) in the emulated Xen host, on the paths the
# host's own scenarios do not take: damaged images, a save that fails,
# Remus checkpoints and failover.
#
# Boots one host with an image that carries our build (built here into
# build/libxl-host/image) and runs the scenarios in
# tests/libxl/scenarios/ next to host/scenarios/ (through a copy of host/,
# so nothing of the host's is changed).  One PASS:/FAIL: line per scenario
# into $RESULTS.
#
#   check-libxl.sh [SCENARIO...]   default: all of tests/libxl/scenarios
set -uo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
. "$TOP/tests/lib/report.sh"
WORK=$BUILD/libxl-host
OURS=$BUILD/xen/dist

say() { echo "check-libxl: $*" >&2; }

if [ $# -gt 0 ]; then
    SCEN=("$@")
else
    # The PV ones first (they share the guest create leaves), then the
    # HVM ones, in their numbered order.  libxl-lib-* are sourced only.
    SCEN=()
    for f in "$TOP"/tests/libxl/scenarios/libxl-*.sh; do
        s=$(basename "$f" .sh)
        case $s in libxl-lib-*|libxl-hvm*) continue ;; esac
        SCEN+=("$s")
    done
    for f in "$TOP"/tests/libxl/scenarios/libxl-hvm*.sh; do
        SCEN+=("$(basename "$f" .sh)")
    done
fi

if [ ! -x "$OURS/usr/sbin/xl" ]; then
    for s in "${SCEN[@]}"; do report "libxl/$s" 1 "no patched build in $OURS (make xen failed?)"; done
    exit 1
fi

# An image with our build as it is now (build/host's may predate it; an
# image takes a few seconds to build).
IMG=$WORK/image
mkdir -p "$IMG"
[ -d "$BUILD/host/debs" ] || bash "$TOP/host/fetch-debs.sh" >&2 ||
    { report libxl/image 1 "host/fetch-debs.sh failed"; exit 1; }
ln -sfn "$BUILD/host/debs" "$IMG/debs"
bash "$TOP/host/build-image.sh" --out "$IMG" --ours "$OURS" >&2 ||
    { report libxl/image 1 "host/build-image.sh failed"; exit 1; }

# A copy of host/ with our scenarios beside the host's (lib.sh and the
# guest come from there).
OVER=$WORK/top
rm -rf "$OVER"
mkdir -p "$OVER"
cp -r "$TOP/host" "$OVER/host"
cp "$TOP"/tests/libxl/scenarios/*.sh "$OVER/host/scenarios/"
# The legacy scenario's tools, static (dom0 has no compiler), travel in
# the input with the scenarios: run-host.sh only copies *.sh files.
cc -O2 -static -I"$TOP/tools/libxl" -I"$TOP/tools/convert-legacy-stream" \
    -o "$OVER/host/scenarios/libxl-bin-convert-legacy-stream.sh" \
    "$TOP"/tools/convert-legacy-stream/*.c "$TOP/tools/libxl/libxl_sr_codec.c" &&
cc -O2 -static -I"$TOP/tools/libxl" -I"$TOP/tests/legacy" \
    -o "$OVER/host/scenarios/libxl-bin-mklegacy.sh" \
    "$TOP/tests/legacy/mklegacy.c" "$TOP/tests/legacy/v2read.c" \
    "$TOP/tools/libxl/libxl_sr_codec.c" ||
    say "cannot build the legacy tools: libxl-legacy-restore will skip"
# The HVM scenario's device model: Debian's qemu-system-xen with its
# libraries and ROMs, hvmloader from the pinned xen-utils, SeaBIOS.
bash "$TOP/tests/libxl/hvm-bundle.sh" "$WORK/hvm" \
    "$OVER/host/scenarios/libxl-bin-hvm.tgz.sh" >&2 ||
    say "cannot build the HVM bundle: libxl-hvm will skip"

RUN=$WORK/run
rm -rf "$RUN"
say "booting the host: create ${SCEN[*]}"
TOP=$OVER bash "$OVER/host/run-host.sh" --image "$IMG" --build ours \
    --run-dir "$RUN" --name libxl --quiet create "${SCEN[@]}" \
    > "$WORK/run.out" 2>&1
rc=$?
cat "$WORK/run.out" >&2

failed=0
for s in "${SCEN[@]}"; do
    line=$(grep -E "^(PASS|FAIL|SKIP): host/$s " "$WORK/run.out" | tail -1)
    case $line in
        PASS:*) report "libxl/$s" 0 "${line#PASS: host/$s }" ;;
        SKIP:*) echo "SKIP: libxl/$s ${line#SKIP: host/$s }" | tee -a "$RESULTS" ;;
        FAIL:*) report "libxl/$s" 1 "${line#FAIL: host/$s }"; failed=1 ;;
        *) report "libxl/$s" 1 "no verdict (run-host exit $rc; logs in $RUN)"; failed=1 ;;
    esac
done
exit $failed
