#!/bin/bash
# Installs the Debian packages this project builds and tests with, and the
# deb-src entry that `apt-get source` needs for the pinned Xen source.
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail

BUILD_PKGS="gcc make autoconf automake pkg-config patch xz-utils ca-certificates
  libxen-dev libyajl-dev clang libclang-rt-14-dev llvm libzstd-dev
  libgnutls28-dev"
# The reference zstd tool: check-unit cross-checks our frames with it.
TEST_PKGS="zstd"
# What the pinned Xen 4.17 tools need to build (see GUIDE.md section 6).
XEN_BUILD_PKGS="python3-dev uuid-dev libncurses-dev libglib2.0-dev
  libpixman-1-dev zlib1g-dev liblzma-dev libzstd-dev libaio-dev bison flex
  acpica-tools libext2fs-dev gettext libbz2-dev liblzo2-dev libnl-3-dev libnl-route-3-dev
  libgnutls28-dev"
# The emulated Xen host.
HOST_PKGS="qemu-system-x86 busybox-static cpio"

SRC_LIST=/etc/apt/sources.list.d/xenstream-src.sources

say() { echo "install-deps: $*"; }

if [ "$(id -u)" != 0 ]; then
    say "not root: cannot install packages; checking only"
fi

missing=""
for p in $BUILD_PKGS $XEN_BUILD_PKGS $HOST_PKGS $TEST_PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done

need_update=0
if [ ! -f "$SRC_LIST" ] && ! grep -rqs '^deb-src\|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/ ; then
    say "adding deb-src entries for the pinned Xen source ($SRC_LIST)"
    cat > "$SRC_LIST" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    need_update=1
fi

if [ -z "$missing" ] && [ $need_update = 0 ]; then
    say "all packages present"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    say "missing packages:$missing (run this script as root)"
    exit 1
fi

say "apt-get update"
apt-get update -qq
if [ -n "$missing" ]; then
    say "installing:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
say "done"
