#!/bin/bash
# Fetches, verifies and unpacks the pinned Xen source that our patch series
# applies to.
#
#   fetch-xen-source.sh                 fetch into the cache (if needed) and verify
#   fetch-xen-source.sh --unpack DIR    ... then unpack a fresh tree into DIR
#   fetch-xen-source.sh --verify FILE   only check FILE against the pinned hash
#
# The input is Debian's source package, always asked for by exact version:
# the security suite advertises a newer xen source whose files answer 404,
# and the hypervisor we boot in the emulated host is this version too.  We use
# the upstream (orig) tarball only; Debian's packaging patches are not applied
# (one of them deletes the generated configure script).
#
# Downloads land in $XEN_SRC_CACHE (default /var/cache/xenstream) and are
# reused: nothing is fetched when the tarball is already there.  A tarball
# whose SHA-256 differs from the pinned one is refused, never used and never
# silently replaced; delete it by hand to fetch it again.
#
# Exit status: 0 ok, 1 usage or environment problem, 2 checksum mismatch.
set -euo pipefail

XEN_SRC_PKG=xen
XEN_SRC_VERSION=4.17.5+72-g01140da4e8-1
XEN_ORIG_SHA256=53922f4d0a02c577f2ea9d63f65989cd88715779eebeed879ca1d314103ee06e

upstream_version=${XEN_SRC_VERSION%-*}
XEN_ORIG_TARBALL=${XEN_SRC_PKG}_${upstream_version}.orig.tar.xz
XEN_SRC_CACHE=${XEN_SRC_CACHE:-/var/cache/xenstream}

say() { echo "fetch-xen-source: $*" >&2; }
die() { say "error: $*"; exit "${2:-1}"; }

usage() {
    sed -n '4,6s/^# \{0,1\}//p' "$0" >&2
    exit 1
}

# verify FILE: compare FILE's SHA-256 with the pinned one.
verify() {
    local file=$1 got
    [ -f "$file" ] || die "$file: no such file"
    got=$(sha256sum "$file" | cut -d' ' -f1)
    if [ "$got" != "$XEN_ORIG_SHA256" ]; then
        say "CHECKSUM MISMATCH, refusing to use $file"
        say "  expected SHA-256 $XEN_ORIG_SHA256"
        say "  got      SHA-256 $got"
        say "  the file is corrupt or is not xen $upstream_version;"
        say "  remove it to fetch it again"
        exit 2
    fi
    say "verified $(basename "$file") (sha256 $XEN_ORIG_SHA256)"
}

# True if apt knows a deb-src entry offering the pinned version.
have_pinned_source() {
    local list
    list=$(apt-cache showsrc "$XEN_SRC_PKG" 2>/dev/null) || return 1
    grep -qx "Version: $XEN_SRC_VERSION" <<<"$list"
}

fetch() {
    local t0
    if [ -f "$XEN_SRC_CACHE/$XEN_ORIG_TARBALL" ]; then
        say "using cached $XEN_SRC_CACHE/$XEN_ORIG_TARBALL"
        return 0
    fi
    command -v apt-get >/dev/null || die "apt-get not found: cannot fetch $XEN_ORIG_TARBALL"
    if ! grep -rqs '^deb-src\|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        die "no deb-src entry in apt's sources; run scripts/install-deps.sh (as root) first"
    fi
    if ! have_pinned_source; then
        say "apt does not list $XEN_SRC_PKG $XEN_SRC_VERSION yet; running apt-get update"
        apt-get update -qq || die "apt-get update failed"
        have_pinned_source ||
            die "no deb-src entry offers $XEN_SRC_PKG=$XEN_SRC_VERSION (check scripts/install-deps.sh)"
    fi
    mkdir -p "$XEN_SRC_CACHE" || die "cannot create $XEN_SRC_CACHE"
    say "downloading $XEN_SRC_PKG=$XEN_SRC_VERSION into $XEN_SRC_CACHE"
    t0=$(date +%s)
    # apt drops privileges to _apt for downloads: the directory must be
    # writable by it or apt warns and downloads as root, which is fine too.
    (cd "$XEN_SRC_CACHE" &&
        apt-get source -qq --download-only "$XEN_SRC_PKG=$XEN_SRC_VERSION") ||
        die "apt-get source $XEN_SRC_PKG=$XEN_SRC_VERSION failed"
    [ -f "$XEN_SRC_CACHE/$XEN_ORIG_TARBALL" ] ||
        die "apt-get source did not produce $XEN_ORIG_TARBALL"
    say "downloaded in $(( $(date +%s) - t0 )) s"
}

# unpack DIR: replace DIR with a pristine tree from the verified tarball.
unpack() {
    local dest=$1 tmp
    case "$dest" in
        ""|/) die "refusing to unpack into '$dest'" ;;
    esac
    tmp=$dest.unpack.$$
    rm -rf "$tmp"
    mkdir -p "$tmp"
    tar -xJf "$XEN_SRC_CACHE/$XEN_ORIG_TARBALL" -C "$tmp" --strip-components=1 ||
        { rm -rf "$tmp"; die "unpacking $XEN_ORIG_TARBALL failed"; }
    rm -rf "$dest"
    mv "$tmp" "$dest"
    say "unpacked xen $upstream_version into $dest"
}

case "${1:-}" in
    "")       fetch; verify "$XEN_SRC_CACHE/$XEN_ORIG_TARBALL" ;;
    --unpack) [ $# = 2 ] || usage
              fetch; verify "$XEN_SRC_CACHE/$XEN_ORIG_TARBALL"; unpack "$2" ;;
    --verify) [ $# = 2 ] || usage; verify "$2" ;;
    --print-tarball) echo "$XEN_SRC_CACHE/$XEN_ORIG_TARBALL" ;;
    *)        usage ;;
esac
