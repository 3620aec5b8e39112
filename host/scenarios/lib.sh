# Sourced by every scenario (run inside dom0 by xs-run).
#
# The guest prints "tick N" on its console once a second from a counter in
# its memory, and memcheck's verdict on 16 MiB of its pages once a pass (see
# "the memory check" below); xenconsoled writes the console to
# /var/log/xen/console/guest-NAME.log, or guest-NAME--incoming.log for a
# domain that arrived by migration (the name xenconsoled saw first).  The
# proof that a guest survived a save/restore or migration is in those logs:
# after the operation the counter goes on from where it was, it does not
# start again from 1, and every page memcheck checks has the contents it
# should.
#
# Which log the current guest writes to is kept in /run/xs/guest.log, so a
# scenario can pick up the guest the previous one left running: booting a
# fresh guest under TCG costs ~25 s, and each scenario needs a live one.

XS_OUT=/run/xs/out
XS_CONS=/var/log/xen/console
XS_GUEST=${XS_GUEST:-g1}
XS_GUEST_MEM=${XS_GUEST_MEM:-128}
: "${XS_BUILD:=stock}"
# The build used for interoperability: the other side of every interop
# scenario.
XS_OTHER_BUILD=${XS_OTHER_BUILD:-stock}

now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# note TEXT: progress, to the scenario's log and to the serial console.
note() {
    echo "$*"
    echo "XS:   [$XS_SCENARIO] $*" > /dev/console
}

verdict() {
    local status=$1; shift
    echo "$status $*" > "$XS_OUT/$XS_SCENARIO.verdict"
    echo "$status: $*"
    [ "$status" = FAIL ] && exit 1
    exit 0
}
pass() { verdict PASS "$@"; }
fail() { verdict FAIL "$@"; }
skip() { verdict SKIP "$@"; }

has_build() { grep -qw "$1" /etc/xs-builds; }

# xlb BUILD ARGS...: xl of tool build BUILD.
xlb() { local b=$1; shift; xs-with "$b" xl "$@"; }

# run WHAT CMD...: run CMD, log it, time it; sets $took.  Returns CMD's
# status.
run() {
    local what=$1 t0 rc; shift
    echo "+ $*"
    t0=$(now)
    "$@"
    rc=$?
    took=$(since "$t0")
    if [ $rc = 0 ]; then note "$what: ok in $took s"; else note "$what: FAILED (exit $rc) after $took s"; fi
    return $rc
}

# ---- console logs ----

guest_log() { cat /run/xs/guest.log 2>/dev/null; }
set_guest_log() { echo "$1" > /run/xs/guest.log; }

# lines FILE: number of complete lines in FILE (0 if it does not exist).
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# log_after FILE FROM: FILE's complete lines after its first FROM, without
# the CR of the console's CR LF.
log_after() {
    local file=$1 from=$2 n
    [ -f "$file" ] || return 0
    n=$(wc -l < "$file")
    [ "$n" -gt "$from" ] || return 0
    head -n "$n" "$file" | tail -n +$((from + 1)) | tr -d '\r'
}

# ticks FILE [FROM]: the tick numbers in FILE after its first FROM lines,
# complete lines only, one a line.
ticks() {
    log_after "$1" "${2:-0}" | sed -n 's/.*tick \([0-9][0-9]*\)$/\1/p'
}

# last_tick FILE [FROM]: the last tick after FROM lines, 0 if none.
last_tick() {
    local t
    t=$(ticks "$@" | tail -1)
    echo "${t:-0}"
}

# wait_tick FILE FROM ABOVE SECS: wait until a tick greater than ABOVE
# appears after line FROM of FILE.  Prints the tick.
wait_tick() {
    local file=$1 from=$2 above=$3 secs=$4 t0 t
    t0=$(now)
    while :; do
        t=$(last_tick "$file" "$from")
        if [ "$t" -gt "$above" ]; then
            echo "$t"
            return 0
        fi
        if awk -v a="$t0" -v b="$(now)" -v s="$secs" 'BEGIN { exit !(b - a > s) }'; then
            return 1
        fi
        sleep 0.5
    done
}

# check_continues FILE FROM BEFORE: after line FROM of FILE the guest's
# counter must go on from BEFORE: every tick >= BEFORE and at least one
# > BEFORE (waiting up to 60 s for it); and its memory must check out
# (check_memory).  Sets $evidence.
check_continues() {
    local file=$1 from=$2 before=$3 first last all
    if ! wait_tick "$file" "$from" "$before" 60 > /dev/null; then
        evidence="no tick above $before in $(basename "$file") within 60 s after the operation (last lines: $(tail -2 "$file" 2>/dev/null | tr '\n' '|'))"
        return 1
    fi
    # Let it tick twice more, to show it keeps going.
    first=$(ticks "$file" "$from" | head -1)
    wait_tick "$file" "$from" $((first + 2)) 10 > /dev/null
    all=$(ticks "$file" "$from")
    first=$(echo "$all" | head -1)
    last=$(echo "$all" | tail -1)
    min=$(echo "$all" | sort -n | head -1)
    if [ "$min" -lt "$before" ]; then
        evidence="counter went back: last tick before was $before, after it printed tick $min (ticks after: $(echo $all | cut -c1-60))"
        return 1
    fi
    if ! check_memory "$file" "$from"; then
        evidence="tick $before before, tick $first..$last after, but $mem_evidence"
        return 1
    fi
    evidence="tick $before before, tick $first..$last after ($(basename "$file")); $mem_evidence"
    return 0
}

# ---- the memory check ----
#
# Beside the counter the guest runs memcheck (host/guest/memcheck.c): 16 MiB
# of pages with known contents, some zeros, a few changed every 100 ms, all
# of them checked once a pass (about a second), one line a pass:
#   mem ok pass N gen G zero Z/P cpu C ms
#   mem BAD page X: want ..., got ...        (a page found wrong)
#   mem BAD pass N wrong W total T ...       (this pass and every later one)
#   mem gap M ms realtime R ms pass N largest L ms   (a pause of >= 100 ms)
# Its expected state and its count of wrong pages are in the guest's memory,
# so a page found wrong before an operation is still reported after it.

# mem_lines FILE [FROM]: memcheck's lines in FILE after its first FROM.
mem_lines() {
    log_after "$1" "${2:-0}" | sed -n 's/.*\(mem \(ok\|BAD\|gap\|start\) .*\)$/\1/p'
}

# check_memory FILE FROM: memcheck's verdict after line FROM of FILE.  At
# least two passes after FROM, so that one ran wholly after the operation
# (waiting up to 30 s for them), all "mem ok"; and no "mem BAD" in FILE
# since the guest booted (its "guest up" line, or the whole file, e.g. the
# log of a domain that arrived by migration).  Sets $mem_evidence.
check_memory() {
    local file=$1 from=$2 boot start t0 passes bad first last gap since
    boot=$(grep -n 'guest up: boot' "$file" 2>/dev/null | tail -1 | cut -d: -f1)
    start=0
    since="in $(basename "$file")"
    if [ -n "$boot" ]; then
        start=$((boot - 1))
        since="since boot $(sed -n "${boot}s/.*guest up: boot \([0-9a-f]*\).*/\1/p" "$file")"
    fi
    # Lines before the boot line are an earlier guest's.
    [ "$from" -lt "$start" ] && from=$start
    t0=$(now)
    while :; do
        passes=$(mem_lines "$file" "$from" | grep -E '^mem (ok|BAD) pass ')
        [ "$(echo "$passes" | grep -c ' pass ')" -ge 2 ] && break
        if awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 30) }'; then
            mem_evidence="memory not checked: fewer than two memcheck passes within 30 s after the operation (last lines: $(tail -3 "$file" 2>/dev/null | tr -d '\r' | tr '\n' '|'))"
            return 1
        fi
        sleep 0.5
    done
    bad=$(mem_lines "$file" "$start" | grep '^mem BAD' | head -3 | tr '\n' '|')
    if [ -n "$bad" ]; then
        mem_evidence="memory corrupted: memcheck reported $(mem_lines "$file" "$start" | grep -c '^mem BAD') mem BAD lines $since, first: $bad"
        return 1
    fi
    first=$(echo "$passes" | head -1 | sed -n 's/^mem ok pass \([0-9]*\) .*/\1/p')
    last=$(echo "$passes" | tail -1)
    # The longest pause the guest saw after FROM (on either clock).
    gap=$(mem_lines "$file" "$from" |
          sed -n 's/^mem gap \([0-9]*\) ms realtime \([0-9]*\) ms .*/\1 \2/p' |
          awk '{ g = $1 > $2 ? $1 : $2; if (g > m) m = g } END { if (m) print m }')
    mem_evidence="memory ok: passes $first..$(echo "$last" | sed 's/^mem ok pass //; s/ cpu / (cpu /; s/ ms$/ ms a pass)/')${gap:+, longest pause ${gap} ms}, no mem BAD $since"
    return 0
}

# ---- the guest ----

guest_cfg() {
    local cfg=/run/xs/$XS_GUEST.cfg
    cat > "$cfg" <<CFG
name = "$XS_GUEST"
type = "pv"
kernel = "/guest/kernel"
ramdisk = "/guest/initrd.gz"
cmdline = "console=hvc0 quiet"
memory = $XS_GUEST_MEM
vcpus = 1
on_crash = "preserve"
CFG
    echo "$cfg"
}

guest_exists() { xl domid "$XS_GUEST" > /dev/null 2>&1; }

# create_guest [BUILD]: boot a fresh guest and wait for its first ticks.
# Sets $create_took (xl create) and $first_tick_after (create to tick 1).
create_guest() {
    local b=${1:-$XS_BUILD} log=$XS_CONS/guest-$XS_GUEST.log from t0
    if guest_exists; then
        xl destroy "$XS_GUEST"
    fi
    from=$(lines "$log")
    t0=$(now)
    run "xl create ($b, $XS_GUEST_MEM MiB)" xlb "$b" create "$(guest_cfg)" || return 1
    create_took=$took
    set_guest_log "$log"
    if ! wait_tick "$log" "$from" 0 120 > /dev/null; then
        note "no tick from the new guest within 120 s"
        return 1
    fi
    first_tick_after=$(since "$t0")
    note "first tick $first_tick_after s after xl create"
    wait_tick "$log" "$from" 2 30 > /dev/null
}

# ensure_guest: a running, ticking guest (the one a previous scenario left,
# or a new one).  Waits for at least one fresh tick so it is live.
ensure_guest() {
    local log
    log=$(guest_log)
    if guest_exists && [ -n "$log" ]; then
        if wait_tick "$log" "$(lines "$log")" 0 15 > /dev/null; then
            note "using the running guest (log $(basename "$log"))"
            return 0
        fi
        note "the running guest does not tick; creating a new one"
    fi
    create_guest
}

# ---- images ----

# verify_image FILE: xen-stream verify, when the image has it.  Sets
# $verified to a short note.  Fails only if xen-stream says the image is bad.
verify_image() {
    local f=$1 t0
    if ! command -v xen-stream > /dev/null; then
        verified="not verified (no xen-stream in the image)"
        return 0
    fi
    t0=$(now)
    if xen-stream verify "$f" > "$XS_OUT/$XS_SCENARIO.verify.txt" 2>&1; then
        verified="xen-stream verify ok ($(since "$t0") s)"
        xen-stream info "$f" > "$XS_OUT/$XS_SCENARIO.info.txt" 2>&1
        note "$verified"
        [ "${XS_KEEP_SEEDS:-0}" = 1 ] && keep_seed "$f"
        return 0
    fi
    verified="xen-stream verify FAILED: $(tail -2 "$XS_OUT/$XS_SCENARIO.verify.txt" | tr '\n' ' ')"
    note "$verified"
    return 1
}

# keep_seed FILE: with XS_KEEP_SEEDS=1 (run.conf), a reduced copy of a
# verified image goes back in the results as seeds/SCENARIO.N.img.gz for the
# fuzz corpus (tests/fuzz/seeds-real/): every record but the PAGE_DATA ones
# after the first (cut out at record boundaries that xen-stream dump names).
# Never fails the scenario.
keep_seed() {
    local f=$1 d=$XS_OUT/seeds n=0 s h t
    mkdir -p "$d"
    while [ -e "$d/$XS_SCENARIO.$n.dump.txt" ]; do n=$((n + 1)); done
    s=$d/$XS_SCENARIO.$n
    xen-stream dump "$f" > "$s.dump.txt" 2>&1 || return 0
    # h: offset of the record after the first PAGE_DATA, t: after the last.
    # (Leading zeros go: busybox awk reads 0441 as octal.)
    eval "$(awk '/^ *@/ { o = substr($1, 2); sub(/^0+/, "", o); o += 0; if (wh) { h = o; wh = 0 } if (wt) { t = o; wt = 0 } }
        / PAGE_DATA / { if (!seen) { wh = 1; seen = 1 } wt = 1 }
        END { print "h=" h + 0 "; t=" t + 0 }' "$s.dump.txt")"
    if [ "$h" -gt 0 ] && [ "$t" -ge "$h" ]; then
        { head -c "$h" "$f"; tail -c +$((t + 1)) "$f"; } > "$s.img"
    else
        head -c 8388608 "$f" > "$s.img"
    fi
    xen-stream verify "$s.img" > "$s.verify.txt" 2>&1
    gzip -f "$s.img"
    note "seed kept: $s.img.gz (cut at $h..$t)"
}

size_mb() { awk -v s="$(stat -c %s "$1")" 'BEGIN { printf "%.0f MB", s / 1e6 }'; }

# check_zero_pages IMG [live]: an image saved by our build leaves the
# guest's all-zero pages out as allocate-only (XALLOC) entries
# (xen-patches/0003).  xen-stream info must count some, and none may follow
# data for the same pfn.  An image (not a live capture, whose later rounds
# resend dirtied pages) must also be smaller than the guest's memory by at
# least the octets left out, give or take what is not page contents (pfn
# lists at 8 octets a pfn, headers, vCPU state: ~0.3 MB for 128 MiB; 1 MiB
# is allowed).  Sets $zero_evidence.  Needs xen-stream (returns 0 with a
# note without it).
check_zero_pages() {
    local img=$1 live=${2:-} size n mem what=image
    [ -n "$live" ] && what=stream
    size=$(stat -c %s "$img")
    if ! command -v xen-stream > /dev/null; then
        zero_evidence="$what $size octets (allocate-only pages not counted: no xen-stream)"
        return 0
    fi
    n=$(alloc_only_pages "$img")
    mem=$((XS_GUEST_MEM * 1048576))
    zero_evidence="$what $size octets for $mem octets of guest memory, ${n:-?} zero pages left out as XALLOC"
    [ -n "$n" ] && [ "$n" -gt 0 ] || {
        zero_evidence="xen-stream info counts no allocate-only pages: $zero_evidence"
        return 1; }
    [ -n "$live" ] || [ $((size + n * 4096)) -le $((mem + 1048576)) ] || {
        zero_evidence="image not smaller by the pages left out: $zero_evidence"
        return 1; }
    check_no_alloc_after_data "$img" || { zero_evidence="$after_evidence"; return 1; }
    return 0
}

# alloc_only_pages STREAM: how many allocate-only (XALLOC) entries
# `xen-stream info` counts in STREAM; empty if it cannot tell.
alloc_only_pages() {
    xen-stream info "$1" 2> /dev/null |
        sed -n 's/^allocate-only: *\([0-9][0-9]*\) pages.*/\1/p'
}

# check_all_pages_sent STREAM [live]: a stream our build sent with
# --send-zero-pages has no allocate-only entry at all, and an image (not
# a live capture) holds the data of every page of the guest's memory.
# Sets $zero_evidence.  Needs xen-stream.
check_all_pages_sent() {
    local img=$1 live=${2:-} size n mem what=image
    [ -n "$live" ] && what=stream
    size=$(stat -c %s "$img")
    mem=$((XS_GUEST_MEM * 1048576))
    n=$(alloc_only_pages "$img")
    zero_evidence="$what $size octets for $mem octets of guest memory, ${n:-?} allocate-only entries"
    [ "$n" = 0 ] || {
        zero_evidence="sent with --send-zero-pages, but: $zero_evidence"
        return 1; }
    [ -n "$live" ] || [ "$size" -ge "$mem" ] || {
        zero_evidence="image smaller than the guest's memory: $zero_evidence"
        return 1; }
    return 0
}

# check_no_alloc_after_data STREAM: no pfn went as allocate-only after it
# had gone with data earlier in the same stream (a later round of a live
# migration): the receiver would keep the old contents.  Sets
# $after_evidence.  Needs xen-stream.
check_no_alloc_after_data() {
    local k
    k=$(xen-stream info "$1" 2> /dev/null |
        sed -n 's/^allocate-only after data: *\([0-9][0-9]*\) entries.*/\1/p')
    after_evidence="$k allocate-only entries after data"
    [ "$k" = 0 ] || { after_evidence="xen-stream info: ${k:-no count of} allocate-only entries for pfns sent with data before"; return 1; }
}

# ---- the operations, parameterised by tool build ----

# need_builds B...: skip the scenario unless the image has every build, and
# make sure that xs-with really puts each one's libxenlight under xl (and
# that they differ: an interop test between two copies of one build proves
# nothing).
need_builds() {
    local b sums=
    for b in "$@"; do
        has_build "$b" || skip "tool build '$b' is not in this image (has: $(cat /etc/xs-builds))"
        want=$(md5sum "/opt/xen-$b/usr/lib/libxenlight.so.4.17.0" | cut -d' ' -f1)
        got=$(xs-with "$b" md5sum /usr/lib/libxenlight.so.4.17.0 | cut -d' ' -f1)
        [ "$want" = "$got" ] || fail "xs-with $b does not give build $b's libxenlight"
        case " $sums " in *" $want "*) fail "builds '$*' have the same libxenlight" ;; esac
        sums="$sums $want"
    done
    note "builds $*: distinct libxenlight, each under its own xl"
}

# save_restore SAVE_BUILD RESTORE_BUILD: xl save with one build, verify the
# image, xl restore with the other; the counter must go on.
# restore_ours_checked IMG BEFORE WHAT: our xl restores IMG (then removed)
# and the guest must go on from tick BEFORE (check_continues); fails the
# scenario with WHAT otherwise.  Sets $evidence.
restore_ours_checked() {
    local img=$1 before=$2 what=$3 log from
    log=$XS_CONS/guest-$XS_GUEST.log
    from=$(lines "$log")
    run "xl restore (ours) of $what" xlb ours restore "$img" || fail "$what did not restore"
    set_guest_log "$log"
    rm -f "$img"
    check_continues "$log" "$from" "$before" || fail "$evidence"
}

save_restore() {
    local sb=$1 rb=$2 img=/tmp/$XS_GUEST.save log before from size
    local save_took restore_took
    ensure_guest || fail "no running guest"
    log=$(guest_log)
    before=$(last_tick "$log")
    run "xl save ($sb)" xlb "$sb" save "$XS_GUEST" "$img" || fail "xl save ($sb) failed"
    save_took=$took
    guest_exists && fail "the guest still exists after xl save"
    size=$(size_mb "$img")
    verify_image "$img" || fail "image saved by $sb: $verified"
    if [ "$sb" = ours ]; then
        check_zero_pages "$img" || fail "image saved by $sb: $zero_evidence"
        size="$size; $zero_evidence"
    fi
    log=$XS_CONS/guest-$XS_GUEST.log
    from=$(lines "$log")
    run "xl restore ($rb)" xlb "$rb" restore "$img" || fail "xl restore ($rb) of an image saved by $sb failed"
    restore_took=$took
    set_guest_log "$log"
    rm -f "$img"
    check_continues "$log" "$from" "$before" || fail "$evidence"
    pass "save ($sb) ${save_took} s, $size; restore ($rb) ${restore_took} s; $verified; $evidence"
}

# incoming_log: the console log of a guest that arrives by migration
# (prints its name).  A guest that arrived by an earlier migration still
# logs to this name, and the new domain would too: both would write one
# file during the live phase.  So an existing file is moved aside first
# (xenconsoled keeps writing the source's console to it through its open
# descriptor), and the file under the name holds only what the destination
# prints.  If the current guest's log was that file, it follows the move.
incoming_log() {
    local log=$XS_CONS/guest-$XS_GUEST--incoming.log
    if [ -f "$log" ]; then
        mv "$log" "$log.$$"
        [ "$(guest_log)" = "$log" ] && set_guest_log "$log.$$"
    fi
    echo "$log"
}

# migrate_local SEND_BUILD RECV_BUILD: xl migrate to this host through the
# ssh stand-in, the sender and the receiver each with its build.  The
# stream is captured on the way and verified, when xen-stream is there.
migrate_local() {
    migrate_local_checked "$@"
    pass "migrate ($1 -> $2) ${mig_took} s; $verified; $evidence; last tick on the source $(last_tick "$src_log")"
}

# migrate_local_checked SEND_BUILD RECV_BUILD: migrate_local without the
# verdict: fails the scenario if anything is wrong, else returns with
# $mig_took, $verified, $evidence and $src_log set.
migrate_local_checked() {
    local sb=$1 rb=$2 cap=/tmp/$XS_GUEST.stream log before from
    ensure_guest || fail "no running guest"
    log=$(incoming_log)
    src_log=$(guest_log)
    before=$(last_tick "$src_log")
    from=0
    XS_CAPTURE=
    # XS_CAPTURE_STREAMS=0 (in run.conf) migrates without the tee.
    [ "${XS_CAPTURE_STREAMS:-1}" = 1 ] && command -v xen-stream > /dev/null && XS_CAPTURE=$cap
    XS_PEER_BUILD=$rb
    export XS_CAPTURE XS_PEER_BUILD
    # XS_MIGRATE_OPTS: more options for xl migrate (-z).
    run "xl migrate ${XS_MIGRATE_OPTS:+$XS_MIGRATE_OPTS }($sb -> $rb)" \
        xlb "$sb" migrate ${XS_MIGRATE_OPTS:-} -s xs-ssh "$XS_GUEST" localhost ||
        fail "xl migrate ${XS_MIGRATE_OPTS:-}($sb -> $rb) failed"
    mig_took=$took
    set_guest_log "$log"
    check_continues "$log" "$from" "$before" || fail "$evidence"
    verified="stream not captured"
    if [ -n "$XS_CAPTURE" ]; then
        verify_image "$cap" || fail "stream sent by $sb: $verified"
        case $sb,${XS_MIGRATE_OPTS:-} in
        ours,*--send-zero-pages*)
            check_all_pages_sent "$cap" live || fail "stream sent by $sb: $zero_evidence"
            verified="$verified; $zero_evidence"
            ;;
        ours,*)
            # Zero pages left out in the first round, and no page that
            # went with data went later as allocate-only.
            check_zero_pages "$cap" live || fail "stream sent by $sb: $zero_evidence"
            verified="$verified; $zero_evidence, $after_evidence"
            ;;
        esac
        rm -f "$cap"
    fi
}

# restore_legacy SAVE_BUILD RESTORE_BUILD: xl save (v2), turn the image into
# what a Xen <= 4.5 toolstack would have written (mklegacy), xl restore that:
# libxl sees a legacy stream and runs convert-legacy-stream on it.
restore_legacy() {
    local sb=$1 rb=$2 img=/tmp/$XS_GUEST.save leg=/tmp/$XS_GUEST.legacy log before from
    local save_took conv_took restore_took size
    command -v mklegacy > /dev/null || skip "no mklegacy in this image"
    [ -x "/opt/xen-$rb/usr/lib/xen/bin/convert-legacy-stream" ] ||
        skip "build $rb has no /usr/lib/xen/bin/convert-legacy-stream"
    ensure_guest || fail "no running guest"
    log=$(guest_log)
    before=$(last_tick "$log")
    run "xl save ($sb)" xlb "$sb" save "$XS_GUEST" "$img" || fail "xl save ($sb) failed"
    save_took=$took
    run "mklegacy (v2 -> Xen 4.5 format)" mklegacy --verbose "$img" "$leg" || fail "mklegacy failed"
    conv_took=$took
    rm -f "$img"
    size=$(size_mb "$leg")
    log=$XS_CONS/guest-$XS_GUEST.log
    from=$(lines "$log")
    run "xl restore ($rb) of the legacy image" xlb "$rb" restore "$leg" ||
        fail "xl restore ($rb) of a legacy image failed"
    restore_took=$took
    set_guest_log "$log"
    rm -f "$leg"
    check_continues "$log" "$from" "$before" || fail "$evidence"
    pass "save ($sb) ${save_took} s, legacy image $size written in ${conv_took} s, restore ($rb, converted on the fly) ${restore_took} s; $evidence"
}

# dump_offset DUMP REGEX: the offset of the first line of `xen-stream dump'
# output DUMP that matches REGEX, in decimal.  The dump writes offsets
# zero-padded ("@0065343776"), and busybox's awk takes a string of a
# leading zero and digits 0-7 for octal when it makes a number of it:
# 0065343776 became 14010366.  (xl-fail-restore-stalled's feeder, told to
# stop 4 octets into an END at 14 MB instead of 65 MB, stopped inside
# libxc's part for about one image in eight, those whose END offset has no
# 8 or 9.)  So the zeros go and the digits stay a string.
dump_offset() {
    awk -v re="$2" '$0 ~ re { o = substr($1, 2); sub(/^0+/, "", o); print (o == "" ? "0" : o); exit }' "$1"
}

# guardian_pids: the pids of the running libxl-restore-guardian processes
# (our libxl starts one per restore; busybox has no pgrep).  One grep over
# every cmdline: quick enough to poll under TCG.
guardian_pids() {
    grep -l '[l]ibxl-restore-guardian' /proc/[0-9]*/cmdline 2>/dev/null |
        sed -n 's|^/proc/\([0-9]*\)/cmdline$|\1|p'
}
