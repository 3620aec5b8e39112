#!/bin/bash
# check-libxl: our libxl stream code (tools/libxl/libxl_stream_*.c,
# libxl_sr_emu_xenstore.c) in the emulated Xen host, on the paths the
# host's own scenarios do not take: damaged images, a save that fails,
# Remus checkpoints and failover.
#
# Boots one host with an image that carries our build (built here into
# build/libxl-host/image) and runs the scenarios in
# tests/libxl/scenarios/ next to host/scenarios/ (through a copy of host/,
# so nothing of the host's is changed).  Then boots two hosts joined by
# the emulated network and migrates the HVM guest from one to the other
# (libxl-h2h-hvm-send on A, libxl-h2h-hvm-receive on B).  One
# PASS:/FAIL:/SKIP: line per scenario into $RESULTS.
#
#   check-libxl.sh [SCENARIO...]
#     default: all of tests/libxl/scenarios in one boot, then the two-host
#     HVM run(s).  Naming libxl-h2h-hvm runs the two-host HVM migration
#     ours -> ours, libxl-h2h-hvm-stock ours -> stock.
#   LIBXL_H2H_PEERS   B's builds in the default two-host runs (default
#                     "ours"; "ours stock" adds ours -> stock, one more boot)
#   LIBXL_WORK        where images, copies and runs go (default
#                     build/libxl-host)
set -uo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
. "$TOP/tests/lib/report.sh"
WORK=${LIBXL_WORK:-$BUILD/libxl-host}
OURS=$BUILD/xen/dist

say() { echo "check-libxl: $*" >&2; }

# SCEN: the scenarios of the one-host boot.  PEERS: host B's build for
# each two-host run (host A always runs ours).
SCEN=()
PEERS=()
if [ $# -gt 0 ]; then
    for s in "$@"; do
        case $s in
            libxl-h2h-hvm) PEERS+=(ours) ;;
            libxl-h2h-hvm-stock) PEERS+=(stock) ;;
            *) SCEN+=("$s") ;;
        esac
    done
else
    # The PV ones first (they share the guest create leaves), then the
    # HVM ones, in their numbered order.  libxl-lib-* are sourced only;
    # libxl-h2h-* run in the two-host boot.
    for f in "$TOP"/tests/libxl/scenarios/libxl-*.sh; do
        s=$(basename "$f" .sh)
        case $s in libxl-lib-*|libxl-hvm*|libxl-h2h-*) continue ;; esac
        SCEN+=("$s")
    done
    for f in "$TOP"/tests/libxl/scenarios/libxl-hvm*.sh; do
        SCEN+=("$(basename "$f" .sh)")
    done
    read -r -a PEERS <<< "${LIBXL_H2H_PEERS:-ours}"
fi

# The result names of the two-host run with B running build $1.
h2h_names() {
    local sfx=
    [ "$1" != ours ] && sfx=-ours-to-$1
    echo "libxl-h2h-hvm-send$sfx libxl-h2h-hvm-receive$sfx"
}

if [ ! -x "$OURS/usr/sbin/xl" ]; then
    for s in "${SCEN[@]}" $(for p in "${PEERS[@]}"; do h2h_names "$p"; done); do
        report "libxl/$s" 1 "no patched build in $OURS (make xen failed?)"
    done
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
cp -rp "$TOP/host" "$OVER/host"
cp "$TOP"/tests/libxl/scenarios/*.sh "$OVER/host/scenarios/"
# The legacy scenario's tools, static (dom0 has no compiler), travel in
# the input with the scenarios: run-host.sh only copies *.sh files.
cc -O2 -static -I"$TOP/tools/libxl" -I"$TOP/tools/convert-legacy-stream" \
    -I"$TOP/tools/xen-stream" \
    -o "$OVER/host/scenarios/libxl-bin-convert-legacy-stream.sh" \
    "$TOP"/tools/convert-legacy-stream/*.c "$TOP/tools/libxl/libxl_sr_codec.c" \
    "$TOP/tools/libxl/libxl_sr_framer.c" \
    "$TOP/tools/xen-stream/input_kind.c" &&
cc -O2 -static -I"$TOP/tools/libxl" -I"$TOP/tests/legacy" \
    -o "$OVER/host/scenarios/libxl-bin-mklegacy.sh" \
    "$TOP/tests/legacy/mklegacy.c" "$TOP/tests/legacy/v2read.c" \
    "$TOP/tools/libxl/libxl_sr_codec.c" "$TOP/tools/libxl/libxl_sr_framer.c" ||
    report libxl/legacy-tools 1 "cannot build the static convert-legacy-stream and mklegacy for the host (libxl-legacy-restore will skip)"
# The HVM scenario's device model: Debian's qemu-system-xen with its
# libraries and ROMs, hvmloader from the pinned xen-utils, SeaBIOS.
bash "$TOP/tests/libxl/hvm-bundle.sh" "$WORK/hvm" \
    "$OVER/host/scenarios/libxl-bin-hvm.tgz.sh" >&2 ||
    say "cannot build the HVM bundle: libxl-hvm will skip"

failed=0

if [ ${#SCEN[@]} -gt 0 ]; then
    RUN=$WORK/run
    rm -rf "$RUN"
    say "booting the host: create ${SCEN[*]}"
    t0=$(date +%s)
    TOP=$OVER bash "$OVER/host/run-host.sh" --image "$IMG" --build ours \
        --run-dir "$RUN" --name libxl --quiet create "${SCEN[@]}" \
        > "$WORK/run.out" 2>&1
    rc=$?
    cat "$WORK/run.out" >&2
    say "one-host boot took $(( $(date +%s) - t0 )) s"
    report_host_verdicts libxl "$WORK/run.out" $rc "$RUN" "${SCEN[@]}" || failed=1
fi

# Two hosts: A (ours) creates the HVM guest and migrates it to B over the
# emulated network.  The run's budget: both boots, h1's first tick (95-200 s
# under TCG with two QEMUs on two cores; A waits up to 300 s), the
# migration, B's checks.
for peer in "${PEERS[@]}"; do
    if ! grep -q "^tool builds:.* $peer\b" "$IMG/image.info"; then
        for s in $(h2h_names "$peer"); do
            echo "SKIP: libxl/$s no $peer build in the image (make xen-stock?)" | tee -a "$RESULTS"
        done
        continue
    fi
    RUN=$WORK/run-h2h-$peer
    say "booting two hosts: HVM guest migrated ours -> $peer"
    t0=$(date +%s)
    # B receiving with our build boots without scrubbing its memory, so
    # the zero pages A leaves out come out right only because our restore
    # clears them (xen-patches/0006); a stock B gets Xen's default.
    scrub=idle
    [ "$peer" = ours ] && scrub=0
    XS_XEN_BOOTSCRUB=$scrub TOP=$OVER bash "$OVER/host/run-host.sh" --image "$IMG" --build ours \
        --peer-build "$peer" --two-host --timeout 720 \
        --sender libxl-h2h-hvm-send --receiver libxl-h2h-hvm-receive \
        --run-dir "$RUN" --name "libxl-h2h-$peer" --quiet \
        > "$WORK/run-h2h-$peer.out" 2>&1
    rc=$?
    cat "$WORK/run-h2h-$peer.out" >&2
    say "two-host boot (ours -> $peer) took $(( $(date +%s) - t0 )) s"
    # shellcheck disable=SC2046
    report_host_verdicts libxl "$WORK/run-h2h-$peer.out" $rc "$RUN" $(h2h_names "$peer") || failed=1
done
exit $failed
