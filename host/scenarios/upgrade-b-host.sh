# upgrade-b-host (host B of `make check-upgrade`): B is what the upgrade
# runs are about: Xen 4.20 under Debian 13's own xl, and every running
# toolstack program (xenstored, xenconsoled, and xl itself) is trixie's
# binary with trixie's C library and ld.so, none of Debian 12's.
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
# xl itself: a migrate-receive stays up, waiting for a stream that the
# sleep never sends, long enough to be looked at.
sleep 20 | xl migrate-receive > /dev/null 2>&1 &
pid=
for _ in 1 2 3 4 5 6 7 8 9 10; do
    pid=$(pgrep -f '^/usr/lib/xen-4.20/bin/xl migrate-receive' | head -1)
    [ -n "$pid" ] && break
    sleep 0.3
done
libc=$(chroot $R /usr/lib64/ld-linux-x86-64.so.2 --version 2>&1 | head -1)
if [ -n "$pid" ]; then
    maps_check "$pid" xl
    kill "$pid" 2>/dev/null
    xlnote="xl's maps too"
else
    xlnote="xl exited before its maps were read"
fi
pass "Xen $ver (xl info of Debian 13's xl); xenstored, xenconsoled ($xlnote) run trixie's binaries with only trixie's libraries mapped; $libc"
