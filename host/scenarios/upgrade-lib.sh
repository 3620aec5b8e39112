# Sourced by the upgrade-* scenarios (after lib.sh): one two-host run in
# which host A boots Debian 12's Xen 4.17 with our build and host B boots
# Debian 13's Xen 4.20 with Debian's stock tools (build "debian13",
# host/build-image-deb13.sh).  docs/upgrade-to-xen-4.20.md lists the steps.
#
# The two hosts run their scenarios side by side and meet at TCP ports:
# whoever sends connects (xs-copy connect retries for a while), whoever
# receives listens.  Each step has ports of its own, so that a listener a
# failed step left behind cannot take the next step's connection.
#
#   8002 / 8003   A -> B live migration / A's word on it
#   8005 / 8006   image saved by our xl on A / A's word on it
#   8007 / 8008   image saved by Debian 13's xl on B / B's word on it
#   8012 / 8013   B -> A live migration / B's word on it
#   8020 / 8021   the HVM guest A -> B (check-upgrade-hvm) / A's word on it
#   8022 / 8023 / 8024   A ready for the HVM guest back / B -> A / B's word

: "${XS_PEER_IP:?no peer address}"
: "${XS_IP:?no address}"
# How long a host waits for its peer's next word: the peer may be booting a
# guest (~25 s) or moving a 134 MB image over the emulated link first.
UPG_WAIT=${UPG_WAIT:-$((XS_SCENARIO_TIMEOUT - 40))}

# tell PORT WORDS...: send one line to the peer's listener on PORT.
tell() {
    local port=$1; shift
    echo "$*" | xs-copy connect "$XS_PEER_IP" "$port" "$UPG_WAIT" > /dev/null
}

# listen_word PORT: start a listener that stores the one line the peer
# sends to PORT in /run/xs/word.PORT (prints nothing).
listen_word() {
    local f=/run/xs/word.$1
    rm -f "$f" "$f.tmp"
    xs-copy listen -a "$XS_IP" "$1" -- sh -c "cat > $f.tmp && mv $f.tmp $f" &
}

# await_path FILE WHAT: wait until FILE is there and not empty; fails the
# scenario after UPG_WAIT seconds, naming WHAT did not come.
await_path() {
    local t0
    t0=$(now)
    until [ -s "$1" ]; do
        awk -v a="$t0" -v b="$(now)" -v s="$UPG_WAIT" 'BEGIN { exit !(b - a > s) }' &&
            fail "no $2 from the peer within $UPG_WAIT s"
        sleep 1
    done
}

# await_word PORT: wait for the line listen_word PORT stores; it is left in
# $word.
await_word() {
    await_path "/run/xs/word.$1" "word on port $1"
    read -r word < "/run/xs/word.$1"
}

# send_file PORT FILE: copy FILE to the peer's receive_file on PORT.
send_file() {
    xs-copy connect "$XS_PEER_IP" "$1" "$UPG_WAIT" < "$2" > /dev/null
}

# receive_file PORT FILE: start a listener that stores what the peer sends
# to PORT in FILE (written under FILE.part, renamed when complete).
receive_file() {
    rm -f "$2" "$2.part"
    xs-copy listen -a "$XS_IP" "$1" -- sh -c "cat > $2.part && mv $2.part $2" &
}

# await_image FILE PORT: the image the peer sends to receive_file's FILE,
# with its word on PORT ("ok TICK SECONDS": the tick the guest was saved
# at), checked by xen-stream.  Sets $before and $verified.
await_image() {
    local f=$1
    await_path "$f" "image $f"
    await_word "$2"
    set -- $word
    [ "$1" = ok ] || fail "the peer says its save failed: $word"
    before=$2
    verify_image "$f" || fail "image from the peer: $verified"
}

# xen_version: "MAJOR.MINOR" of the hypervisor this host runs, from xl info
# (the tools of the build under test).
xen_version() {
    xl info 2> /dev/null | awk '$1 == "xen_major" { M = $3 } $1 == "xen_minor" { m = $3 } END { print M "." m }'
}

# need_host VERSION BUILD: this scenario is for the host running Xen
# VERSION with tool build BUILD; anything else is a wrong setup.
need_host() {
    [ "$XS_BUILD" = "$2" ] || fail "runs on the host with tool build $2, not $XS_BUILD"
    [ "$(xen_version)" = "$1" ] || fail "runs on Xen $1; this host's xl info says Xen $(xen_version)"
}

# ---- the HVM guest (make check-upgrade-hvm) ----
#
# The guest is check-libxl's h1 (tests/libxl/scenarios/libxl-lib-hvm.sh,
# which the test puts beside these scenarios with its bundle of Debian 12's
# device model, hvmloader and SeaBIOS).  Its configuration names
# /tmp/hvm/dm, /tmp/hvm/hvmloader and /tmp/hvm/share/bios-256k.bin, and
# travels with the guest.  On host B those paths lead to Debian 13's own
# pieces instead: hvm_use_deb13 makes them there, before libxl-lib-hvm.sh
# (which unpacks the Debian 12 bundle only where /tmp/hvm/dm is missing).

# hvm_use_deb13: /tmp/hvm on host B.  Debian 13's libxl runs in the trixie
# root, which shares /tmp with dom0, and starts the device model there: the
# wrapper execs trixie's qemu-system-xen (QEMU 10.0, linked against the 4.20
# libraries; the path Debian 13's libxl uses when nothing is overridden),
# the links lead to 4.20's hvmloader and trixie's SeaBIOS.
hvm_use_deb13() {
    local r=/opt/deb13
    [ -x $r/usr/libexec/xen-qemu-system-i386 ] ||
        skip "no Debian 13 device model in this image (host/fetch-debs-deb13.sh --hvm)"
    rm -rf /tmp/hvm
    mkdir -p /tmp/hvm/share
    printf '#!/bin/sh\n# Debian 13 device model, run by 4.20 libxl inside %s.\nexec /usr/libexec/xen-qemu-system-i386 "$@"\n' $r > /tmp/hvm/dm
    chmod 755 /tmp/hvm/dm
    ln -s /usr/lib/xen-4.20/boot/hvmloader /tmp/hvm/hvmloader
    ln -s /usr/share/seabios/bios-256k.bin /tmp/hvm/share/bios-256k.bin
}

# hvm_dm_exe DOMID: the executable of the device model serving DOMID.
hvm_dm_exe() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' < "$p/cmdline" 2> /dev/null | grep -q -- "-xen-domid $1 " &&
            readlink "$p/exe" && return 0
    done
    return 1
}

# need_hap: Debian 13's hypervisor has no shadow paging, so an HVM guest
# needs hardware-assisted paging: the emulated CPU must offer SVM with
# nested paging (run-host.sh's XS_QEMU_CPU=qemu64,+npt).  Sets $caps.
need_hap() {
    caps=$(xl info | sed -n 's/^virt_caps *: *//p')
    case " $caps " in
        *" hap "*) ;;
        *) fail "Xen $(xen_version) offers no HAP here (virt_caps: $caps; XS_QEMU_CPU must give SVM with NPT)" ;;
    esac
}

# proc_diag FILE: what every process is doing, into FILE (for a hang's
# report): ps, and for each process its wait channel and open sockets
# and pipes.
proc_diag() {
    local p
    {
        ps -o pid,ppid,stat,args
        for p in /proc/[0-9]*; do
            [ -s "$p/cmdline" ] || continue
            echo "== ${p#/proc/} $(tr '\0' ' ' < "$p/cmdline" | cut -c1-120)" \
                "wchan=$(cat "$p/wchan" 2> /dev/null)"
            ls -l "$p/fd" 2> /dev/null | grep -e socket -e pipe | sed 's/^.* \([0-9]*\) -> /  fd \1 -> /'
        done
        xl list
    } > "$1" 2>&1
}

# receive_back_verdict EXISTS NAME: the verdict of a B -> A live migration
# our migrate-receive took, once B's word ($status, $before, $mig_took)
# and our receiver's exit code ($rc; its output in $out, the incoming
# guest's console log in $log, and $ended if it ended before B's word)
# are in.  "ok": guest NAME (the function EXISTS says whether it is here)
# must have arrived and go on from tick $before.  Anything else: our
# receiver must have failed and left no domain.
receive_back_verdict() {
    local exists=$1 name=$2 left
    if [ "$status" = ok ]; then
        [ $rc = 0 ] || fail "B's xl says the migration is done, but our migrate-receive exited $rc: $(tail -3 "$out" | tr '\n' '|')"
        $exists || fail "B's xl says the migration is done, but there is no $name here"
        check_continues "$log" 0 "$before" || fail "$evidence"
        pass "B -> A live migration of $name received ($mig_took s on B's clock); $evidence"
    fi
    [ $rc != 0 ] || fail "B's xl migrate $status, but our migrate-receive exited 0"
    $exists && fail "B's xl migrate $status and our migrate-receive left domain $name: $(tail -3 "$out" | tr '\n' '|')"
    left=$(xl list | tail -n +2 | awk '$1 != "Domain-0" { print $1 }' | tr '\n' ' ')
    [ -z "$left" ] || fail "the failed migration left domains here: $left"
    pass "refused: our migrate-receive exited $rc${ended:+ $ended s after it was ready} with no domain left (B's xl migrate: $status after $mig_took s); it said: $(grep -v '^ *$' "$out" | tail -4 | tr '\n' '|' | cut -c1-500)"
}
