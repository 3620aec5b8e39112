#!/bin/bash
# The check-deb stage: the packages `make deb` builds, installed over
# Debian's stock Xen 4.17 packages in a throwaway Debian 12 root, and
# Debian's installed again.
#
#   check-deb.sh DEBDIR        (DEB_RC: make deb's exit status)
#
#  (a) the build: every .deb carries our version, which sorts above
#      Debian's and below Debian's next revision;
#  (b) layout: each of our packages holds exactly the paths Debian's
#      package of the same name holds (dpkg-deb -c), but for the ones in
#      OUR_ADDED_PATHS; libxenlight in /usr/lib/x86_64-linux-gnu
#      (libxenmisc4.17), xl, libxl-save-helper and libxl-restore-guardian
#      in /usr/lib/xen-4.17/bin (xen-utils-4.17);
#  (c) no new symbols: every shared library in our packages exports the
#      same symbols and versions as Debian's (tests/xen/abi-diff.sh);
#  (d) in the root (debootstrap, bookworm main only): Debian's
#      xen-system-amd64 at the pinned version installed with apt, then
#      our .debs of every installed package of the xen source with dpkg -i;
#      dpkg-query shows our version for each, dpkg --verify and apt-get
#      check are clean, and the installed libxenlight and xl are ours (a
#      message only our codec has, none of upstream's stream messages, and
#      our xl save/migrate options in xl's help texts);
#  (e) Debian's packages installed again with apt (a downgrade to the
#      pinned version): Debian's version everywhere, dpkg --verify clean,
#      upstream's libxenlight and xl back.
#
# The emulated host runs the packaged tools too: host/run-host.sh --build
# deb (see docs/debian-packages.md).
set -u
DEB=$(cd "${1:?usage: $0 DEBDIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/report.sh"
. "$TOP/scripts/deb/pinned.sh"

OURS_V=$DEB_XEN_VERSION${DEB_LOCAL_SUFFIX:-+xenstream1}
OUT=$DEB/out
ROOT=$DEB/root
SCRATCH=$DEB/check
MINOR=4.17
MULTIARCH=x86_64-linux-gnu
LIGHT=usr/lib/$MULTIARCH/libxenlight.so.$MINOR.0
XL=usr/lib/xen-$MINOR/bin/xl
HELPER=usr/lib/xen-$MINOR/bin/libxl-save-helper
GUARDIAN=usr/lib/xen-$MINOR/bin/libxl-restore-guardian
# The paths our packages add to Debian's, on purpose, as PACKAGE:/PATH:
# the restore guardian (patch 0014), which xen-utils-4.17 takes with the
# rest of its bin directory.
OUR_ADDED_PATHS=("xen-utils-$MINOR:/$GUARDIAN")

# Our codec's messages (upstream has none of them) and upstream's stream
# messages (our code has none of them): the same lists check-xen uses.
OUR_LIGHT_STRINGS=("unknown mandatory record type" "record out of sequence")
UPSTREAM_LIGHT_STRINGS=("Unrecognised record 0x%08x"
                        "Received a xenstore emulator record when none was expected")
# Our xl drop-ins' markers and xl save's help text from our series.
OUR_XL_STRINGS=("xenstream xl save/restore drop-in"
                "--send-zero-pages  Write all-zero pages with their contents"
                "-z, --zstd  Compress the image with zstd")
UPSTREAM_XL_STRINGS=("Failed to save domain, resuming domain")

rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
has() { grep -qaF -- "$2" "$1"; }

# ---- (0) prepare-source.sh refuses a queue it cannot build ----
# A series patch that does not apply on Debian's tree, and a remove-files
# entry that is not in it, each stop with a message naming it.
bad_series() {
    local name=$1 what=$2 want=$3 pd out rc
    pd=$SCRATCH/$name/patches
    mkdir -p "$pd"
    cp "$TOP"/xen-patches/* "$pd/"
    case $what in
        patch) printf '%s\n' '--- a/tools/xl/xl.c' '+++ b/tools/xl/xl.c' \
                   '@@ -1,1 +1,1 @@' '-no such line in xl.c' '+x' > "$pd/9999-bogus.patch"
               echo 9999-bogus.patch >> "$pd/series" ;;
        remove) echo tools/libs/light/no-such-file.c >> "$pd/remove-files" ;;
    esac
    out=$(XEN_PATCH_DIR=$pd bash "$TOP/scripts/deb/prepare-source.sh" "$SCRATCH/$name/out" 2>&1)
    rc=$?
    [ $rc = 1 ] && echo "$out" | grep -qF -- "$want" && [ ! -e "$SCRATCH/$name/out/src" ]
    report "deb/prepare refuses $name" $? "exit $rc; $(echo "$out" | tail -1)"
    rm -rf "${SCRATCH:?}/$name"
}
bad_series bad-patch patch "9999-bogus.patch does not apply on top of Debian's patches"
bad_series bad-remove remove "remove-files: tools/libs/light/no-such-file.c is not in Debian's tree"

# ---- (a) the build ----
report "deb/build (make deb)" "${DEB_RC:-1}" \
    "$(cat "$OUT/build-seconds" 2>/dev/null || echo '?') s"
shopt -s nullglob
debs=("$OUT"/*.deb)
[ ${#debs[@]} -gt 0 ]
report "deb/packages-built" $? "${#debs[@]} .debs in $OUT"
[ ${#debs[@]} -gt 0 ] || exit 0

declare -A OURS_DEB
bad=
for d in "${debs[@]}"; do
    p=$(dpkg-deb -f "$d" Package)
    v=$(dpkg-deb -f "$d" Version)
    [ "$v" = "$OURS_V" ] || bad="$bad $p=$v"
    case $p in *-dbgsym) ;; *) OURS_DEB[$p]=$d ;; esac
done
report "deb/version every package is $OURS_V" "$([ -z "$bad" ]; echo $?)" ${bad:+wrong:$bad}
dpkg --compare-versions "$OURS_V" gt "$DEB_XEN_VERSION"
report "deb/version $OURS_V sorts above Debian's $DEB_XEN_VERSION" $?
next=${DEB_XEN_VERSION%-*}-$(( ${DEB_XEN_VERSION##*-} + 1 ))
dpkg --compare-versions "$OURS_V" lt "$next"
report "deb/version $OURS_V sorts below Debian's next revision $next" $?

for p in libxenmisc$MINOR xen-utils-$MINOR xen-utils-common; do
    [ -n "${OURS_DEB[$p]:-}" ]
    report "deb/package $p built" $?
done
[ -n "${OURS_DEB[libxenmisc$MINOR]:-}" ] && [ -n "${OURS_DEB[xen-utils-$MINOR]:-}" ] || exit 0

paths_of() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | sort; }
# ours_paths PACKAGE DEB: DEB's paths less the ones we add on purpose.
ours_paths() {
    local added
    added=$(printf '%s\n' "${OUR_ADDED_PATHS[@]}" | sed -n "s|^$1:||p")
    if [ -n "$added" ]; then
        paths_of "$2" | grep -vxF -- "$added"
    else
        paths_of "$2"
    fi
}
paths_of "${OURS_DEB[libxenmisc$MINOR]}" | grep -qx "/$LIGHT"
report "deb/layout libxenmisc$MINOR has /$LIGHT" $?
for f in "$XL" "$HELPER" "$GUARDIAN"; do
    paths_of "${OURS_DEB[xen-utils-$MINOR]}" | grep -qx "/$f"
    report "deb/layout xen-utils-$MINOR has /$f" $?
done

# ---- the root, with Debian's packages ----
if ! bash "$TOP/scripts/deb/make-root.sh" "$DEB" root; then
    report "deb/root (debootstrap bookworm)" 1 "see $DEB/debootstrap.log"
    exit 0
fi
report "deb/root (debootstrap bookworm)" 0

mounted=
cleanup() { [ -z "$mounted" ] || umount "$ROOT/proc" 2>/dev/null; }
trap cleanup EXIT
mount -t proc proc "$ROOT/proc" && mounted=1
in_root() { chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

log=$SCRATCH/root.log
in_root apt-get update -qq >> "$log" 2>&1 &&
in_root apt-get install -y -qq --no-install-recommends \
    "xen-system-amd64=$DEB_XEN_VERSION" "xen-utils-$MINOR=$DEB_XEN_VERSION" \
    "xen-hypervisor-$MINOR-amd64=$DEB_XEN_VERSION" \
    "xen-utils-common=$DEB_XEN_VERSION" >> "$log" 2>&1
report "deb/stock Debian's xen-system-amd64=$DEB_XEN_VERSION installed" $? \
    "$(tail -1 "$log")"

# The packages of the xen source now installed, each with its version.
xen_pkgs() {
    in_root dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${source:Package} ${Version}\n' |
        awk '$1 == "ii" && $3 == "xen" { print $2, $4 }'
}
xen_pkgs > "$SCRATCH/stock.list"
installed=$(awk '{print $1}' "$SCRATCH/stock.list")
for p in libxenmisc$MINOR xen-utils-$MINOR xen-utils-common; do
    grep -qx "$p $DEB_XEN_VERSION" "$SCRATCH/stock.list"
    report "deb/stock $p at $DEB_XEN_VERSION" $?
done

# Debian's own .debs, from apt's cache in the root, to compare with ours.
bad=
for p in $installed; do
    stock=$(ls "$ROOT"/var/cache/apt/archives/"${p}"_*.deb 2>/dev/null | head -1)
    ours=${OURS_DEB[$p]:-}
    if [ -z "$ours" ]; then bad="$bad $p(not built)"; continue; fi
    if [ -z "$stock" ]; then bad="$bad $p(no Debian .deb)"; continue; fi
    diff <(paths_of "$stock") <(ours_paths "$p" "$ours") > "$SCRATCH/paths-$p.diff" ||
        bad="$bad $p(see $SCRATCH/paths-$p.diff)"
done
report "deb/layout each package holds exactly Debian's paths (and ours added: ${OUR_ADDED_PATHS[*]})" \
    "$([ -z "$bad" ]; echo $?)" "$(echo $installed | wc -w) packages${bad:+; differ:$bad}"

# ---- (c) no new symbols ----
x=$SCRATCH/x
for p in $installed; do
    stock=$(ls "$ROOT"/var/cache/apt/archives/"${p}"_*.deb 2>/dev/null | head -1)
    [ -n "$stock" ] && [ -n "${OURS_DEB[$p]:-}" ] || continue
    rm -rf "$x"; mkdir -p "$x/stock" "$x/ours"
    dpkg-deb -x "$stock" "$x/stock"; dpkg-deb -x "${OURS_DEB[$p]}" "$x/ours"
    for so in $(cd "$x/stock" && find . -name '*.so.*' -type f | sort); do
        out=$(bash "$TOP/tests/xen/abi-diff.sh" "$x/stock/$so" "$x/ours/$so" 2>&1)
        report "deb/abi $p ${so#./}" $? "$(echo "$out" | tail -1)"
    done
done
rm -rf "$x"

# check_installed WANT_VERSION LABEL: every package of the list at the
# version, dpkg --verify and apt-get check clean.
check_installed() {
    local want=$1 label=$2 bad= p v
    xen_pkgs > "$SCRATCH/$label.list"
    while read -r p v; do
        [ "$v" = "$want" ] || bad="$bad $p=$v"
    done < "$SCRATCH/$label.list"
    for p in $installed; do
        grep -q "^$p " "$SCRATCH/$label.list" || bad="$bad $p(gone)"
    done
    report "deb/$label dpkg-query: every xen package at $want" \
        "$([ -z "$bad" ]; echo $?)" ${bad:+wrong:$bad}
    out=$(in_root dpkg --verify $installed 2>&1)
    report "deb/$label dpkg --verify clean" "$([ -z "$out" ]; echo $?)" \
        ${out:+"$(echo "$out" | head -3 | tr '\n' ' ')"}
    out=$(in_root apt-get check -qq 2>&1)
    report "deb/$label apt-get check clean" $? "$(echo "$out" | tail -1)"
}

# check_code WHICH LABEL: the installed libxenlight and xl are WHICH's.
check_code() {
    local which=$1 label=$2 s rc want_ours=1 want_up=0 verb_ours=lacks verb_up=has
    # (The label is built before report runs: $? must be saved first.)
    if [ "$which" = ours ]; then
        want_ours=0 want_up=1 verb_ours=has verb_up=lacks
    fi
    for s in "${OUR_LIGHT_STRINGS[@]}"; do
        has "$ROOT/$LIGHT" "$s"; [ $? = $want_ours ]; rc=$?
        report "deb/$label /$LIGHT $verb_ours our \"$s\"" $rc
    done
    for s in "${UPSTREAM_LIGHT_STRINGS[@]}"; do
        has "$ROOT/$LIGHT" "$s"; [ $? = $want_up ]; rc=$?
        report "deb/$label /$LIGHT $verb_up upstream's \"$s\"" $rc
    done
    for s in "${OUR_XL_STRINGS[@]}"; do
        has "$ROOT/$XL" "$s"; [ $? = $want_ours ]; rc=$?
        report "deb/$label /$XL $verb_ours our \"$s\"" $rc
    done
    for s in "${UPSTREAM_XL_STRINGS[@]}"; do
        has "$ROOT/$XL" "$s"; [ $? = $want_up ]; rc=$?
        report "deb/$label /$XL $verb_up upstream's \"$s\"" $rc
    done
    # The xl on PATH is Debian's wrapper, which runs this one.
    [ -x "$ROOT/$XL" ] && [ -x "$ROOT/$HELPER" ] && [ -e "$ROOT/usr/sbin/xl" ]
    report "deb/$label xl, libxl-save-helper and the /usr/sbin/xl wrapper installed" $?
}

check_installed "$DEB_XEN_VERSION" stock
check_code stock stock

# ---- (d) ours over Debian's ----
ours_list=()
for p in $installed; do
    [ -n "${OURS_DEB[$p]:-}" ] && ours_list+=("${OURS_DEB[$p]}")
done
mkdir -p "$ROOT/tmp/ours"
cp "${ours_list[@]}" "$ROOT/tmp/ours/"
in_root sh -c 'dpkg -i /tmp/ours/*.deb' > "$SCRATCH/dpkg-i.log" 2>&1
report "deb/install dpkg -i of our ${#ours_list[@]} packages over Debian's" $? \
    "$(tail -1 "$SCRATCH/dpkg-i.log")"
rm -rf "$ROOT/tmp/ours"

check_installed "$OURS_V" ours
check_code ours ours

# ---- (e) back to Debian's ----
back=()
for p in $installed; do back+=("$p=$DEB_XEN_VERSION"); done
in_root apt-get install -y -qq --no-install-recommends --allow-downgrades \
    "${back[@]}" > "$SCRATCH/back.log" 2>&1
report "deb/back apt-get install of Debian's ${#back[@]} packages at $DEB_XEN_VERSION" $? \
    "$(tail -1 "$SCRATCH/back.log")"
check_installed "$DEB_XEN_VERSION" back
check_code stock back
exit 0
