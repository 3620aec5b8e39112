#!/bin/bash
# run-own-image.sh NAME RUN-HOST-ARGS...: build a host image of its own in
# build/NAME-host/image (our build and the stock one, as they are now) and
# boot it with host/run-host.sh --image ... RUN-HOST-ARGS.  For stages in
# make check's second lane: build/host, which check-host rebuilds and boots
# at the same time, is left alone.  Prints run-host.sh's PASS:/FAIL: lines;
# exit status is run-host.sh's (1 if the image cannot be built).
set -uo pipefail
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
name=$1; shift
img=$BUILD/$name-host/image
say() { echo "$name: $*" >&2; }
mkdir -p "$img"
[ -f "$BUILD/host/debs/KVER" ] || bash "$TOP/host/fetch-debs.sh" >&2 ||
    { echo "FAIL: host/$name-image (host/fetch-debs.sh failed)"; exit 1; }
ln -sfn "$BUILD/host/debs" "$img/debs"
bash "$TOP/host/build-image.sh" --out "$img" --ours "$BUILD/xen/dist" \
    --stock "$BUILD/xen-stock/dist" >&2 ||
    { echo "FAIL: host/$name-image (host/build-image.sh failed)"; exit 1; }
bash "$TOP/host/run-host.sh" --image "$img" --run-dir "$BUILD/$name-host/run" "$@"
