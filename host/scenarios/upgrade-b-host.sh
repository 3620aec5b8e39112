# upgrade-b-host (host B of `make check-upgrade`): B is what the upgrade
# runs are about: Xen 4.20 under Debian 13's own xl, and the toolstack's
# daemons (xenstored, xenconsoled) are trixie's binaries with trixie's C
# library and ld.so mapped, none of Debian 12's; xl loads libxenlight 4.20
# in the trixie root.
. /run/xs/in/scenarios/lib.sh
. /run/xs/in/scenarios/upgrade-lib.sh
need_host 4.20 debian13
R=/opt/deb13
ver=$(xl info | sed -n 's/^xen_version *: *//p')
# maps_check PID WHAT: the files PID has mapped must all be in the
# trixie root: its binary, its ld.so, its libc.
maps_check() {
    local pid=$1 what=$2 exe libs outside
    exe=$(readlink "/proc/$pid/exe")
    case $exe in "$R"/usr/lib/xen-4.20/bin/*) ;; *) fail "$what (pid $pid) runs $exe, not Debian 13's" ;; esac
    libs=$(awk '$6 ~ /^\// { print $6 }' "/proc/$pid/maps" | sort -u)
    outside=$(echo "$libs" | grep -v -e "^$R/" -e '^/dev/' -e '^/proc/' -e '^/memfd:' | head -3 | tr '\n' ' ')
    [ -z "$outside" ] || fail "$what maps files outside the trixie root: $outside"
    echo "$libs" | grep -q "^$R/usr/lib/x86_64-linux-gnu/libc.so.6$" || fail "$what does not map trixie's libc"
    echo "$libs" | grep -q "^$R/usr/lib64/ld-linux-x86-64.so.2$\|^$R/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2$" ||
        fail "$what does not map trixie's ld.so"
}
maps_check "$(cat /run/xenstored.pid)" xenstored
maps_check "$(cat /run/xen/xenconsoled.pid)" xenconsoled
# xl itself lives for a moment only: glibc's loader says what it loaded
# (paths as seen inside the root, which holds nothing but trixie's).
inits=$(LD_DEBUG=libs xl info 2>&1 > /dev/null | sed -n 's/.*calling init: //p')
echo "$inits"
echo "$inits" | grep -q 'libxenlight\.so\.4\.20' || fail "Debian 13's xl did not load libxenlight 4.20: $(echo $inits)"
echo "$inits" | grep -q '/libc\.so\.6$' || fail "xl's loader shows no libc"
xlnote="xl loaded $(echo "$inits" | sort -u | wc -l) libraries inside it, libxenlight.so.4.20 among them"
libc=$(chroot $R /usr/lib64/ld-linux-x86-64.so.2 --version 2>&1 | head -1)
pass "Xen $ver (xl info of Debian 13's xl); xenstored and xenconsoled run trixie's binaries with only trixie's libraries mapped; $xlnote; $libc"
