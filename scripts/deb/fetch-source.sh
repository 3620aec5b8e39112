#!/bin/bash
# Gets Debian's pinned xen source package (.dsc, orig tarball, debian.tar.xz)
# into the cache and verifies it.  The orig tarball is fetched and checked by
# scripts/fetch-xen-source.sh (the same file `make xen` builds from); the
# .dsc and debian.tar.xz, if missing, by the same `apt-get source
# --download-only` of the exact version.  The .dsc must match its pinned
# SHA-256; dpkg-source -x later checks the other two against the .dsc.
#
# Exit status: 0 ok, 1 fetching failed, 2 checksum mismatch.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/deb/pinned.sh"

say() { echo "deb-fetch: $*" >&2; }

"$top/scripts/fetch-xen-source.sh"
if [ ! -f "$DEB_XEN_CACHE/$DEB_XEN_DSC" ] || [ ! -f "$DEB_XEN_CACHE/$DEB_XEN_DEBIAN_TAR" ]; then
    say "downloading xen=$DEB_XEN_VERSION's .dsc and debian.tar.xz into $DEB_XEN_CACHE"
    (cd "$DEB_XEN_CACHE" && apt-get source -qq --download-only "xen=$DEB_XEN_VERSION") ||
        { say "error: apt-get source xen=$DEB_XEN_VERSION failed (is there a deb-src entry? scripts/install-deps.sh adds it)"; exit 1; }
fi
got=$(sha256sum "$DEB_XEN_CACHE/$DEB_XEN_DSC" | cut -d' ' -f1)
if [ "$got" != "$DEB_XEN_DSC_SHA256" ]; then
    say "CHECKSUM MISMATCH, refusing to use $DEB_XEN_CACHE/$DEB_XEN_DSC"
    say "  expected SHA-256 $DEB_XEN_DSC_SHA256"
    say "  got      SHA-256 $got"
    exit 2
fi
say "verified $DEB_XEN_DSC (sha256 $DEB_XEN_DSC_SHA256)"
