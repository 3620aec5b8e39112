#!/bin/bash
# Makes Debian's xen source package with our stream code in its patch queue.
#
#   prepare-source.sh OUTDIR
#
# Starts from Debian's own source package (the pinned version, from the
# cache; scripts/deb/fetch-source.sh gets it there), and adds to its quilt
# queue, under debian/patches/xenstream/:
#
#   - every patch of xen-patches/series, verbatim and in order;
#   - a generated patch deleting the upstream files in
#     xen-patches/remove-files (written by quilt, not committed: our own
#     patches never carry upstream's contents, see xen-patches/remove-files);
#   - a generated patch putting the drop-ins (tools/libxl/*.[ch] into
#     tools/libs/light/, tools/xl/*.[ch] into tools/xl/) in place.
#
# Then a changelog entry with Debian's version plus a local suffix
# ($DEB_LOCAL_SUFFIX, default +xenstream1), so that our packages sort just
# above Debian's.  dpkg-source -b builds the new source package (proving
# dpkg-source takes the queue) and dpkg-source -x unpacks it again into
# OUTDIR/xen-VERSION, the tree dpkg-buildpackage builds.
#
# XEN_PATCH_DIR, XEN_DROPINS and XEN_XL_DROPINS (space-separated paths)
# come from mk/45-deb.mk; the defaults are the checkout's.
#
# Exit status: 0 done, 1 something failed (the message says what).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/deb/pinned.sh"

[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 1; }
out=$1
patch_dir=${XEN_PATCH_DIR:-$top/xen-patches}
dropins=${XEN_DROPINS:-$(ls "$top"/tools/libxl/*.[ch])}
xl_dropins=${XEN_XL_DROPINS:-$(ls "$top"/tools/xl/*.[ch])}
suffix=${DEB_LOCAL_SUFFIX:-+xenstream1}

say() { echo "deb-prepare: $*"; }
die() { echo "deb-prepare: error: $*" >&2; exit 1; }

version=$DEB_XEN_VERSION$suffix
dpkg --compare-versions "$version" gt "$DEB_XEN_VERSION" ||
    die "version $version does not sort above Debian's $DEB_XEN_VERSION"
dpkg --compare-versions "$version" lt "${DEB_XEN_VERSION%-*}-$(( ${DEB_XEN_VERSION##*-} + 1 ))" ||
    die "version $version sorts above Debian's next revision"

work=$out/prepare
rm -rf "$work"
mkdir -p "$work"
say "unpacking Debian's source package $DEB_XEN_DSC"
dpkg-source -x "$DEB_XEN_CACHE/$DEB_XEN_DSC" "$work/tree" > "$work/unpack.log" 2>&1 ||
    { tail -20 "$work/unpack.log" >&2; die "dpkg-source -x of $DEB_XEN_DSC failed"; }

cd "$work/tree"
export QUILT_PATCHES=debian/patches QUILT_PC=.pc
refresh() { quilt refresh -p ab --no-timestamps --no-index > /dev/null; }
qdir=debian/patches/xenstream
mkdir -p "$qdir"

# 1. The series, verbatim.  quilt applies each with fuzz 0, as dpkg-source does.
for p in $(sed -e 's/#.*//' "$patch_dir/series"); do
    [ -f "$patch_dir/$p" ] || die "$p listed in xen-patches/series but missing"
    cp "$patch_dir/$p" "$qdir/$p"
    echo "xenstream/$p" >> debian/patches/series
    quilt push -q --fuzz=0 > "$work/quilt.log" 2>&1 ||
        { cat "$work/quilt.log" >&2; die "$p does not apply on top of Debian's patches"; }
    say "queued $p"
done

# 2. The upstream files our drop-ins replace, deleted.
n=$(( $(sed -e 's/#.*//' "$patch_dir/series" | grep -c .) + 1 ))
rm_patch=xenstream/$(printf %04d "$n")-remove-upstream-stream-files.patch
quilt new "$rm_patch" > /dev/null
for f in $(sed -e 's/#.*//' "$patch_dir/remove-files"); do
    case $f in /*|*..*) die "remove-files: $f is not a path inside the tree" ;; esac
    [ -f "$f" ] || die "remove-files: $f is not in Debian's tree"
    quilt add "$f" > /dev/null
    rm -f "$f"
done
refresh
say "queued $rm_patch (generated)"

# 3. The drop-ins.
n=$((n + 1))
dropin_patch=xenstream/$(printf %04d "$n")-xenstream-drop-in-files.patch
quilt new "$dropin_patch" > /dev/null
place() {
    local src=$1 dst=$2
    [ -f "$src" ] || die "drop-in $src missing"
    quilt add "$dst" > /dev/null
    cp "$src" "$dst"
}
for f in $dropins; do place "$f" "tools/libs/light/$(basename "$f")"; done
for f in $xl_dropins; do place "$f" "tools/xl/$(basename "$f")"; done
refresh
say "queued $dropin_patch (generated)"

# A short DEP-3 header on the generated patches.
hdr() {
    local f=$1 desc=$2 tmp
    tmp=$f.tmp
    { printf 'Description: %s\nAuthor: xenstream\nForwarded: not-needed\n---\n' "$desc"
      cat "$f"; } > "$tmp"
    mv "$tmp" "$f"
}
hdr "debian/patches/$rm_patch" \
    "Delete upstream's libxl stream files, which the xenstream drop-ins replace"
hdr "debian/patches/$dropin_patch" \
    "Add the xenstream drop-in files to libxl and xl"

quilt pop -a -q > /dev/null
rm -rf .pc

# 3b. What our patches link beyond Debian's build dependencies: xl's data
# connection (xen-patches/0010) needs GnuTLS.  Added to Build-Depends, so
# that apt-get build-dep in the build root installs it and the binary
# packages' shlibs pick it up.
our_build_deps="libgnutls28-dev"
# (Debian's field is "Build-Depends:" alone, one dependency per
# continuation line after it.)
for d in $our_build_deps; do
    grep -qw "$d" debian/control && continue
    sed -i "/^Build-Depends:/a\\ $d," debian/control
    grep -q "^ $d,\$" debian/control ||
        die "could not add $d to debian/control's Build-Depends"
done

# 4. The version: Debian's plus our suffix, on top of Debian's changelog.
when=$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)
{
    echo "xen ($version) bookworm; urgency=medium"
    echo
    echo "  * Rebuild with the xenstream libxl migration-v2 stream code:"
    echo "    xen-patches/series, the upstream stream files deleted and the"
    echo "    xenstream drop-ins for libxl and xl, in debian/patches/xenstream/."
    echo "  * Build-Depends: $our_build_deps (xl migrate --data-port)."
    echo
    echo " -- xenstream <xenstream@localhost>  $(LC_ALL=C date -R -u -d "@$when")"
    echo
    cat debian/changelog
} > debian/changelog.new
mv debian/changelog.new debian/changelog
got=$(dpkg-parsechangelog -S Version)
[ "$got" = "$version" ] || die "changelog says $got, expected $version"

# 5. dpkg-source builds the source package from the queue and unpacks it
# again: what gets built is exactly what the .dsc describes.
cd "$work"
mv tree "xen-${DEB_XEN_UPSTREAM}"
ln -sf "$DEB_XEN_CACHE/$DEB_XEN_ORIG" .
dpkg-source -b "xen-${DEB_XEN_UPSTREAM}" > "$work/source.log" 2>&1 ||
    { tail -20 "$work/source.log" >&2; die "dpkg-source -b refused the patch queue"; }
dsc=xen_${version}.dsc
[ -f "$dsc" ] || die "dpkg-source -b did not write $dsc"
rm -rf "$out/src"
mkdir -p "$out/src"
mv "$dsc" "xen_${version}.debian.tar.xz" "$out/src/"
ln -sf "$DEB_XEN_CACHE/$DEB_XEN_ORIG" "$out/src/"
dpkg-source -x "$out/src/$dsc" "$out/src/xen-${DEB_XEN_UPSTREAM}" \
    > "$work/reunpack.log" 2>&1 ||
    { tail -20 "$work/reunpack.log" >&2; die "dpkg-source -x of our $dsc failed"; }
grep -c '^xenstream/' "$out/src/xen-${DEB_XEN_UPSTREAM}/.pc/applied-patches" > /dev/null ||
    die "our patches were not applied by dpkg-source -x"
cd "$out"
rm -rf "$work"
say "source package $out/src/$dsc ($version)"
