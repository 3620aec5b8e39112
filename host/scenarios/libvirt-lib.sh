# Sourced by the libvirt scenarios (libvirt-*.sh), after lib.sh.
#
# Debian 12's libvirtd with its libxl driver, and virsh, come in a bundle
# (host/libvirt-bundle.sh) that check-libvirt puts beside the scenarios as
# libvirt-bin-bundle.tgz.sh; it unpacks to /opt/libvirt.  libvirtd runs
# with a tool build's /usr (xs-with BUILD) and LD_LIBRARY_PATH=/usr/lib
# first, so its libxl driver links against that build's libxenlight, which
# lv_start asserts from the daemon's /proc/PID/maps.  Started by hand, as a
# minimal host would: no systemd, no D-Bus, no virtlogd.

LV=/opt/libvirt
LV_BUNDLE=/run/xs/in/scenarios/libvirt-bin-bundle.tgz.sh
LV_PID=/run/libvirtd.pid
LV_URI=xen:///system
LV_DRIVER_LOG=/var/log/libvirt/libxl/libxl-driver.log

# virsh ARGS...: Debian's virsh on the local daemon, no keepalive (TCG).
lv() { LD_LIBRARY_PATH=$LV/lib "$LV/bin/virsh" -k 0 -q -c "$LV_URI" "$@"; }

# lv_unpack: the bundle onto /opt/libvirt (once per boot), the paths
# libvirt has compiled in, and its configuration.
lv_unpack() {
    local u
    [ -x "$LV/sbin/libvirtd" ] && return 0
    [ -f "$LV_BUNDLE" ] || skip "no libvirt bundle in the input (run through make check-libvirt)"
    tar -xzf "$LV_BUNDLE" -C /opt || fail "cannot unpack the libvirt bundle"
    # cpu_map is looked for in /usr/share/libvirt, and /usr is a tool
    # build: each build gets a link to the bundle's copy.
    for u in /opt/xen-*/usr; do
        mkdir -p "$u/share"
        ln -sfn "$LV/share/libvirt" "$u/share/libvirt"
    done
    grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/root:/bin/sh' >> /etc/passwd
    grep -q '^root:' /etc/group 2>/dev/null || echo 'root:x:0:' >> /etc/group
    # Its logs (libxl's own under libxl/) go back with the results.
    mkdir -p /etc/libvirt /var/lib/libvirt /var/cache/libvirt "$XS_OUT/libvirt-log"
    ln -sfn "$XS_OUT/libvirt-log" /var/log/libvirt
    # Root on the local socket needs no authentication; the TCP listener
    # (two-host runs only) is on the link between the two emulated hosts.
    cat > /etc/libvirt/libvirtd.conf <<'CONF'
auth_unix_rw = "none"
auth_unix_ro = "none"
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
keepalive_interval = -1
log_filters = "1:libxl 1:cpu 1:capabilities 3:*"
log_outputs = "1:file:/run/xs/out/libvirtd.log"
CONF
}

# lv_start BUILD [--listen] [VAR=VALUE...]: libvirtd with tool build
# BUILD's libraries, then the proof that its libxl driver mapped that
# build's libxenlight and not Debian's.  VAR=VALUE go into its
# environment (LIBXL_RESTORE_STALL_TIMEOUT=5).  Sets $lv_maps_evidence.
lv_start() {
    local b=$1 listen= pid t0 light want got deb; shift
    [ "${1:-}" = --listen ] && { listen=--listen; shift; }
    lv_unpack
    lv_stop
    rm -f "$LV_PID"
    t0=$(now)
    # shellcheck disable=SC2086
    xs-with "$b" env LD_LIBRARY_PATH=/usr/lib:$LV/lib LIBVIRT_DRIVER_DIR=$LV/driver "$@" \
        "$LV/sbin/libvirtd" -d $listen -p "$LV_PID" -f /etc/libvirt/libvirtd.conf ||
        fail "libvirtd ($b) did not start: $(lv_log_errors)"
    pid=
    until lv version > /dev/null 2>&1; do
        # (It removes its pid file when it gives up: remember the pid.)
        [ -z "$pid" ] && [ -f "$LV_PID" ] && pid=$(cat "$LV_PID")
        [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null &&
            fail "libvirtd ($b) exited: $(lv_log_errors)"
        awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 60) }' &&
            fail "libvirtd ($b) does not answer after 60 s: $(lv version 2>&1 | tail -1); log: $(lv_log_errors)"
        sleep 0.5
    done
    pid=$(cat "$LV_PID")
    note "libvirtd ($b) pid $pid answering after $(since "$t0") s"
    grep -q 'libvirt_driver_libxl.so' "/proc/$pid/maps" ||
        fail "libvirtd ($b) has not loaded its libxl driver"
    light=$(awk '$6 ~ /libxenlight/ { print $6 }' "/proc/$pid/maps" | sort -u)
    [ "$light" = /usr/lib/libxenlight.so.4.17.0 ] ||
        fail "libvirtd ($b) mapped libxenlight from '$(echo $light)', not /usr/lib/libxenlight.so.4.17.0"
    # /proc/PID/root is the daemon's view of the file system (its /usr).
    want=$(md5sum < "/opt/xen-$b/usr/lib/libxenlight.so.4.17.0" | cut -d' ' -f1)
    got=$(md5sum < "/proc/$pid/root$light" | cut -d' ' -f1)
    [ "$want" = "$got" ] || fail "libvirtd's libxenlight ($got) is not build $b's ($want)"
    deb=$(cat "$LV/debian-libxenlight.md5" 2>/dev/null)
    [ -n "$deb" ] && [ "$deb" = "$got" ] && fail "libvirtd ($b) runs Debian's libxenlight"
    lv_maps_evidence="libvirtd ($b) maps $light, md5 ${got%${got#????????}} = build $b's${deb:+, not Debian's ${deb%${deb#????????}}}"
    note "$lv_maps_evidence"
    echo "$b" > /run/xs/libvirtd.build
}

# lv_log_errors: the daemon's last errors, on one line.
lv_log_errors() {
    grep -E ' (error|warning) : ' "$XS_OUT/libvirtd.log" 2>/dev/null | tail -4 |
        sed 's/^[0-9: .+-]*[0-9]*: //' | tr '\n' '|'
}

# lv_stop: end libvirtd (running domains stay; it finds them again when
# it starts).
lv_stop() {
    local pid
    [ -f "$LV_PID" ] || return 0
    pid=$(cat "$LV_PID")
    kill "$pid" 2>/dev/null || { rm -f "$LV_PID"; return 0; }
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$LV_PID"
}

# lv_ensure BUILD: libvirtd with BUILD, started unless it already runs.
lv_ensure() {
    if [ -f "$LV_PID" ] && kill -0 "$(cat "$LV_PID")" 2>/dev/null &&
       [ "$(cat /run/xs/libvirtd.build 2>/dev/null)" = "$1" ]; then
        return 0
    fi
    lv_start "$@"
}

# lv_guest_xml: the PV test guest as libvirt domain XML (the same kernel,
# ramdisk, command line and memory as lib.sh's xl config).
lv_guest_xml() {
    local xml=/run/xs/$XS_GUEST.xml
    cat > "$xml" <<XML
<domain type='xen'>
  <name>$XS_GUEST</name>
  <memory unit='MiB'>$XS_GUEST_MEM</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='xenpv'>linux</type>
    <kernel>/guest/kernel</kernel>
    <initrd>/guest/initrd.gz</initrd>
    <cmdline>console=hvc0 quiet</cmdline>
  </os>
  <on_crash>preserve</on_crash>
  <devices>
    <console type='pty'>
      <target type='xen' port='0'/>
    </console>
  </devices>
</domain>
XML
    echo "$xml"
}

lv_state() { lv domstate "$XS_GUEST" 2>/dev/null | head -1; }

# lv_create: define the guest from XML and start it through libvirt;
# waits for its first ticks.  Sets $create_took.
lv_create() {
    local log=$XS_CONS/guest-$XS_GUEST.log from
    guest_exists && { lv destroy "$XS_GUEST" > /dev/null 2>&1 || xl destroy "$XS_GUEST"; }
    lv undefine --managed-save "$XS_GUEST" > /dev/null 2>&1
    run "virsh define" lv define "$(lv_guest_xml)" || fail "virsh define failed"
    from=$(lines "$log")
    run "virsh start" lv start "$XS_GUEST" || fail "virsh start failed"
    create_took=$took
    set_guest_log "$log"
    wait_tick "$log" "$from" 0 120 > /dev/null || fail "no tick from the guest libvirt started within 120 s"
    wait_tick "$log" "$from" 2 30 > /dev/null
}

# lv_ensure_guest: a running, ticking guest under libvirt.
lv_ensure_guest() {
    local log
    log=$(guest_log)
    if [ "$(lv_state)" = running ] && [ -n "$log" ] &&
       wait_tick "$log" "$(lines "$log")" 0 15 > /dev/null; then
        note "using the guest libvirt runs (log $(basename "$log"))"
        return 0
    fi
    lv_create
}

# lv_save_restore SAVE_BUILD RESTORE_BUILD: virsh save with libvirtd on one
# build, xen-stream verify of the image, virsh restore with the other.
lv_save_restore() {
    local sb=$1 rb=$2 img=/tmp/$XS_GUEST.lvsave log before from save_took size
    lv_ensure "$sb"
    lv_ensure_guest
    log=$(guest_log)
    before=$(last_tick "$log")
    run "virsh save ($sb)" lv save "$XS_GUEST" "$img" || fail "virsh save ($sb) failed"
    save_took=$took
    guest_exists && fail "the guest still exists after virsh save"
    size=$(size_mb "$img")
    verify_image "$img" || fail "image saved through libvirt ($sb): $verified"
    lv_image_evidence "$img"
    lv_ensure "$rb"
    log=$XS_CONS/guest-$XS_GUEST.log
    from=$(lines "$log")
    run "virsh restore ($rb)" lv restore "$img" || fail "virsh restore ($rb) of an image libvirt saved with $sb failed"
    set_guest_log "$log"
    [ "$(lv_state)" = running ] || fail "after virsh restore ($rb) libvirt says the guest is '$(lv_state)'"
    check_continues "$log" "$from" "$before" || fail "$evidence"
    rm -f "$img"
    lv_sr_evidence="save ($sb) $save_took s, $size ($image_evidence); restore ($rb) $took s; $verified; $evidence"
}

# lv_image_evidence IMG: what xen-stream info says of libvirt's header.
# Sets $image_evidence; fails the scenario when it does not see one.
lv_image_evidence() {
    image_evidence="not inspected (no xen-stream)"
    command -v xen-stream > /dev/null || return 0
    xen-stream info "$1" > "$XS_OUT/$XS_SCENARIO.lvinfo.txt" 2>&1 ||
        fail "xen-stream info failed on the libvirt image: $(tail -2 "$XS_OUT/$XS_SCENARIO.lvinfo.txt" | tr '\n' ' ')"
    grep -q '^container: *libvirt save image' "$XS_OUT/$XS_SCENARIO.lvinfo.txt" ||
        fail "xen-stream info does not name libvirt's container: $(head -3 "$XS_OUT/$XS_SCENARIO.lvinfo.txt" | tr '\n' ' ')"
    image_evidence=$(sed -n 's/^container: *//p' "$XS_OUT/$XS_SCENARIO.lvinfo.txt" | head -1)
}

# ---- two emulated hosts (run-host.sh --two-host) ----
#
# Host A (sender at first) and host B each run libvirtd listening on TCP.
# The guest goes A -> B (ours -> ours), B -> A after B's libvirtd has been
# restarted with the stock library (stock -> ours), then A -> B again
# (ours -> stock).  After each migration the sender tells the receiver
# "ok TICK-BEFORE SECONDS LAST-TICK-HERE" (or "failed ...") on a port of
# its own (LV_PORT_*), through xs-copy; the receiver judges.

LV_PORT_LEG1=8003
LV_PORT_LEG2=8004
LV_PORT_LEG3=8005
LV_PORT_KILL=8006
LV_PORT_READY=8007   # B to A: the kill leg is over, B is ready for leg 3
LV_PORT_KILLREADY=8008  # B to A: B's libvirtd runs our library, kill leg on

# lv_two_host_setup: distinct host names (libvirt compares them), both in
# /etc/hosts, and libvirtd listening on TCP with BUILD.
lv_two_host_setup() {
    local me=$1 b=$2
    : "${XS_IP:?no address}" "${XS_PEER_IP:?no peer address}"
    hostname "xshost-$me"
    grep -q "$XS_IP" /etc/hosts 2>/dev/null || echo "$XS_IP xshost-$me" >> /etc/hosts
    grep -q "$XS_PEER_IP" /etc/hosts || echo "$XS_PEER_IP xshost-peer" >> /etc/hosts
    lv_start "$b" --listen
}

# lv_listen_info PORT: receive the sender's word on PORT into
# /run/xs/info.PORT (in the background).
lv_listen_info() {
    rm -f "/run/xs/info.$1"
    xs-copy listen -a "$XS_IP" "$1" -- sh -c "cat > /run/xs/info.$1.tmp && mv /run/xs/info.$1.tmp /run/xs/info.$1" &
}

# lv_wait_info PORT SECS: wait for it; sets $info_status $info_before
# $info_took $info_last.
lv_wait_info() {
    local f=/run/xs/info.$1 t0
    t0=$(now)
    until [ -s "$f" ]; do
        awk -v a="$t0" -v b="$(now)" -v s="$2" 'BEGIN { exit !(b - a > s) }' && return 1
        sleep 1
    done
    read -r info_status info_before info_took info_last < "$f"
}

lv_send_info() { echo "$2" | xs-copy connect "$XS_PEER_IP" "$1" 60; }

# lv_wait_peer SECS: until the peer's libvirtd answers on TCP.
lv_wait_peer() {
    local t0
    t0=$(now)
    until LD_LIBRARY_PATH=$LV/lib "$LV/bin/virsh" -k 0 -q -c "xen+tcp://$XS_PEER_IP/system" version > /dev/null 2>&1; do
        awk -v a="$t0" -v b="$(now)" -v s="$1" 'BEGIN { exit !(b - a > s) }' && return 1
        sleep 1
    done
}

# lv_migrate_leg PORT WHAT: virsh migrate --live to the peer over libvirt's
# own transport, then tell the peer on PORT.  Sets $mig_took.
lv_migrate_leg() {
    local port=$1 what=$2 log before last
    log=$(guest_log)
    before=$(last_tick "$log")
    lv_wait_peer 240 || { lv_send_info "$port" "failed 0 0 0"; fail "the peer's libvirtd ($XS_PEER_IP) does not answer"; }
    if ! run "virsh migrate --live ($what)" lv migrate --live "$XS_GUEST" \
            "xen+tcp://$XS_PEER_IP/system" --migrateuri "tcp://$XS_PEER_IP" \
            > "$XS_OUT/$XS_SCENARIO.virsh.txt" 2>&1; then
        lv_send_info "$port" "failed $before $took 0"
        fail "virsh migrate ($what) failed after $took s: $(tail -2 "$XS_OUT/$XS_SCENARIO.virsh.txt" | tr '\n' ' ')"
    fi
    mig_took=$took
    guest_exists && { lv_send_info "$port" "failed $before $mig_took 0"; fail "the guest is still here after virsh migrate ($what)"; }
    last=$(last_tick "$log")
    lv_send_info "$port" "ok $before $mig_took $last" || fail "migrated, but could not tell the peer"
    # Where the guest's console log will resume if it comes back.
    lines "$log" > /run/xs/log-lines.$port
}

# lv_judge_leg PORT WHAT: wait for the sender's word and judge the guest
# that arrived here.  Sets $evidence.
lv_judge_leg() {
    local port=$1 what=$2 log=$XS_CONS/guest-$XS_GUEST.log from
    from=$(cat /run/xs/log-lines.in.$port 2>/dev/null || echo 0)
    lv_wait_info "$port" 270 || fail "no word from the sender of $what"
    [ "$info_status" = ok ] || fail "the sender says virsh migrate ($what) failed after $info_took s"
    guest_exists || fail "the sender says it migrated ($what), but there is no $XS_GUEST here"
    [ "$(lv_state)" = running ] || fail "libvirt here says the guest is '$(lv_state)'"
    # (Should libvirt create it under xl's temporary name, xenconsoled
    # logs it under that name; lv_expect_leg moved any older one aside.)
    [ -f "$XS_CONS/guest-$XS_GUEST--incoming.log" ] && log=$XS_CONS/guest-$XS_GUEST--incoming.log from=0
    set_guest_log "$log"
    check_continues "$log" "$from" "$info_before" || fail "$what: $evidence"
    evidence="virsh migrate --live ($what) $info_took s; last tick on the sender $info_last; $evidence"
}

# lv_expect_leg PORT: remember where this host's console log of the guest
# ends before the guest comes (back) here over PORT.
lv_expect_leg() {
    local inc=$XS_CONS/guest-$XS_GUEST--incoming.log
    lines "$XS_CONS/guest-$XS_GUEST.log" > "/run/xs/log-lines.in.$1"
    [ -f "$inc" ] && mv "$inc" "$inc.$1"
    return 0
}
