#!/bin/bash
# check-upgrade: the upgrade path from a Debian 12 host (Xen 4.17, our
# build) to a Debian 13 host (Xen 4.20, Debian's stock tools), in one
# two-host boot of the emulated host (docs/upgrade-to-xen-4.20.md):
#
#   host A (Xen 4.17, ours)            host B (Xen 4.20, debian13)
#   h2h-send                  ---->    upgrade-b-host, migrate-host-to-host
#   upgrade-a-save            ---->    upgrade-b-save-verify
#   upgrade-a-restore-deb13   <----    (B's 4.20 image)
#                                      upgrade-b-restore (A's image)
#   upgrade-a-receive-back    <----    upgrade-b-migrate-back
#
# Fetches Debian 13's packages (host/fetch-debs-deb13.sh, cached), builds
# host A's image from our build as it is now and host B's on top of it
# (host/build-image-deb13.sh).  One PASS:/FAIL:/SKIP: line per scenario
# into $RESULTS, named upgrade/SCENARIO-ours-to-debian13.
#
#   UPGRADE_MIGRATE_OPTS   more options for A's xl migrate and xl save
#                          (e.g. --send-zero-pages); the result names then
#                          end in -send-zero-pages
#   XS_XEN_BOOTSCRUB=0     both hosts boot without scrubbing their memory
#                          (run-host.sh); the names then say
#                          -ours-to-unscrubbed-debian13
#   UPGRADE_WORK           default build/upgrade-host (build/upgrade-hvm-host
#                          with --hvm)
#
# check-upgrade.sh --hvm (make check-upgrade-hvm): the HVM guest instead,
# in a boot of its own (its first boot alone takes 2-3 minutes under TCG):
#
#   host A (Xen 4.17, ours)            host B (Xen 4.20, debian13)
#   upgrade-a-hvm-send        ---->    upgrade-b-hvm-receive
#   upgrade-a-hvm-receive-back <----   upgrade-b-hvm-migrate-back
#
# Host B then also carries Debian 13's device model (fetch-debs-deb13.sh
# --hvm), host A check-libxl's bundle of Debian 12's (tests/libxl/
# hvm-bundle.sh), and both hosts' emulated CPU offers SVM with nested
# paging (XS_QEMU_CPU, default qemu64,+npt here): Debian 13's Xen has no
# shadow paging, so an HVM guest there needs HAP.
set -uo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
. "$TOP/tests/lib/report.sh"
OURS=$BUILD/xen/dist
OPTS=${UPGRADE_MIGRATE_OPTS:-}
HVM=0
[ "${1:-}" = --hvm ] && HVM=1
if [ $HVM = 1 ]; then
    WORK=${UPGRADE_WORK:-$BUILD/upgrade-hvm-host}
    DEBS=$BUILD/host-deb13-hvm/debs
    SENDER="upgrade-a-hvm-send upgrade-a-hvm-receive-back"
    RECEIVER="upgrade-b-hvm-receive upgrade-b-hvm-migrate-back"
    export XS_QEMU_CPU=${XS_QEMU_CPU:-qemu64,+npt}
else
    WORK=${UPGRADE_WORK:-$BUILD/upgrade-host}
    DEBS=$BUILD/host-deb13/debs
    SENDER="h2h-send upgrade-a-save upgrade-a-restore-deb13 upgrade-a-receive-back"
    RECEIVER="upgrade-b-host migrate-host-to-host upgrade-b-save-verify upgrade-b-restore upgrade-b-migrate-back"
fi

say() { echo "check-upgrade: $*" >&2; }

# The result names: run-host.sh appends -ours-to-debian13; with OPTS the
# run's suffix says them too (a later run.conf line wins).
SFX=-ours-to-debian13
[ "${XS_XEN_BOOTSCRUB:-idle}" = 0 ] && SFX=-ours-to-unscrubbed-debian13
[ -n "$OPTS" ] && SFX=$SFX-$(echo "$OPTS" | tr -d ' ' | sed 's/^--//; s/--/-/g')
names() {
    local s
    for s in $SENDER $RECEIVER; do echo "$s$SFX"; done
}

fail_all() {
    local s
    for s in $(names); do report "upgrade/$s" 1 "$1"; done
    exit 1
}

[ -x "$OURS/usr/sbin/xl" ] || fail_all "no patched build in $OURS (make xen failed?)"
mkdir -p "$WORK/a" "$WORK/b"
t0=$(date +%s)
[ -d "$BUILD/host/debs" ] && [ -f "$BUILD/host/debs/KVER" ] || bash "$TOP/host/fetch-debs.sh" >&2 ||
    fail_all "host/fetch-debs.sh failed"
ln -sfn "$BUILD/host/debs" "$WORK/a/debs"
bash "$TOP/host/build-image.sh" --out "$WORK/a" --ours "$OURS" >&2 ||
    fail_all "host/build-image.sh failed"
fetch=()
[ $HVM = 1 ] && fetch=(--hvm)
bash "$TOP/host/fetch-debs-deb13.sh" "${fetch[@]}" "$DEBS" >&2 ||
    fail_all "host/fetch-debs-deb13.sh ${fetch[*]} failed (Debian 13 packages not downloadable?)"
bash "$TOP/host/build-image-deb13.sh" --base "$WORK/a" --debs "$DEBS" --out "$WORK/b" >&2 ||
    fail_all "host/build-image-deb13.sh failed"
# The HVM scenarios run from a copy of host/ with check-libxl's HVM guest
# (libxl-lib-hvm.sh) and its bundle beside them, as check-libxl runs its own.
HOSTTOP=$TOP
if [ $HVM = 1 ]; then
    HOSTTOP=$WORK/top
    rm -rf "$HOSTTOP"
    mkdir -p "$HOSTTOP"
    cp -rp "$TOP/host" "$HOSTTOP/host"
    cp "$TOP/tests/libxl/scenarios/libxl-lib-hvm.sh" "$HOSTTOP/host/scenarios/"
    bash "$TOP/tests/libxl/hvm-bundle.sh" "$WORK/hvm" \
        "$HOSTTOP/host/scenarios/libxl-bin-hvm.tgz.sh" >&2 ||
        fail_all "tests/libxl/hvm-bundle.sh failed (no Debian 12 device model for host A)"
fi
say "images ready in $(( $(date +%s) - t0 )) s"

conf=()
[ -n "$OPTS" ] && conf=(--conf "XS_MIGRATE_OPTS=$OPTS" --conf "XS_SAVE_OPTS=$OPTS")
[ "$SFX" != -ours-to-debian13 ] && conf+=(--conf "XS_RESULT_SUFFIX=$SFX")
RUN=$WORK/run
t0=$(date +%s)
TOP=$HOSTTOP bash "$HOSTTOP/host/run-host.sh" --two-host --image "$WORK/a" --peer-image "$WORK/b" \
    --build ours --peer-build debian13 --timeout 900 \
    --sender "$SENDER" --receiver "$RECEIVER" "${conf[@]}" \
    --run-dir "$RUN" --name upgrade --quiet > "$WORK/run.out" 2>&1
rc=$?
cat "$WORK/run.out" >&2
say "two-host boot took $(( $(date +%s) - t0 )) s"
# shellcheck disable=SC2046
report_host_verdicts upgrade "$WORK/run.out" $rc "$RUN" $(names)
