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
#   UPGRADE_WORK           default build/upgrade-host
set -uo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
. "$TOP/tests/lib/report.sh"
WORK=${UPGRADE_WORK:-$BUILD/upgrade-host}
OURS=$BUILD/xen/dist
OPTS=${UPGRADE_MIGRATE_OPTS:-}
SENDER="h2h-send upgrade-a-save upgrade-a-restore-deb13 upgrade-a-receive-back"
RECEIVER="upgrade-b-host migrate-host-to-host upgrade-b-save-verify upgrade-b-restore upgrade-b-migrate-back"

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
bash "$TOP/host/fetch-debs-deb13.sh" "$BUILD/host-deb13/debs" >&2 ||
    fail_all "host/fetch-debs-deb13.sh failed (Debian 13 packages not downloadable?)"
bash "$TOP/host/build-image-deb13.sh" --base "$WORK/a" --debs "$BUILD/host-deb13/debs" --out "$WORK/b" >&2 ||
    fail_all "host/build-image-deb13.sh failed"
say "images ready in $(( $(date +%s) - t0 )) s"

conf=()
[ -n "$OPTS" ] && conf=(--conf "XS_MIGRATE_OPTS=$OPTS" --conf "XS_SAVE_OPTS=$OPTS")
[ "$SFX" != -ours-to-debian13 ] && conf+=(--conf "XS_RESULT_SUFFIX=$SFX")
RUN=$WORK/run
t0=$(date +%s)
bash "$TOP/host/run-host.sh" --two-host --image "$WORK/a" --peer-image "$WORK/b" \
    --build ours --peer-build debian13 --timeout 900 \
    --sender "$SENDER" --receiver "$RECEIVER" "${conf[@]}" \
    --run-dir "$RUN" --name upgrade --quiet > "$WORK/run.out" 2>&1
rc=$?
cat "$WORK/run.out" >&2
say "two-host boot took $(( $(date +%s) - t0 )) s"
# shellcheck disable=SC2046
report_host_verdicts upgrade "$WORK/run.out" $rc "$RUN" $(names)
