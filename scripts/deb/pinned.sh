# Sourced by scripts/deb/*: Debian's xen source package that `make deb`
# rebuilds.  The version and the orig tarball's hash are the ones
# scripts/fetch-xen-source.sh pins (read from it, not repeated here); the
# .dsc's own hash is pinned here, and the .dsc carries the hashes of the
# orig tarball and of Debian's debian.tar.xz, which dpkg-source -x checks.
_fetch=$(dirname "${BASH_SOURCE[0]}")/../fetch-xen-source.sh
DEB_XEN_VERSION=$(sed -n 's/^XEN_SRC_VERSION=//p' "$_fetch")
DEB_XEN_UPSTREAM=${DEB_XEN_VERSION%-*}
DEB_XEN_CACHE=${XEN_SRC_CACHE:-/var/cache/xenstream}
DEB_XEN_DSC=xen_${DEB_XEN_VERSION}.dsc
DEB_XEN_DEBIAN_TAR=xen_${DEB_XEN_VERSION}.debian.tar.xz
DEB_XEN_ORIG=xen_${DEB_XEN_UPSTREAM}.orig.tar.xz
DEB_XEN_DSC_SHA256=f13956b67fb7a65707c2b0620d89b41ee5d203434dd7bb913017356791ee66c1
# The packages of the xen source a dom0 runs the tools from (no hypervisor).
DEB_XEN_MINOR=$(echo "$DEB_XEN_UPSTREAM" | cut -d. -f1,2)
DEB_XEN_TOOL_PKGS="libxenmisc$DEB_XEN_MINOR libxencall1 libxendevicemodel1
  libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4
  libxentoolcore1 libxentoollog1 xen-utils-$DEB_XEN_MINOR xen-utils-common
  xenstore-utils"
unset _fetch
[ -n "$DEB_XEN_VERSION" ] || { echo "pinned.sh: no XEN_SRC_VERSION in scripts/fetch-xen-source.sh" >&2; exit 1; }
