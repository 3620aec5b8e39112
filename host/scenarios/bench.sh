# bench: the host benchmark behind `make bench-host`
# (tests/bench/bench-host.sh), not one of the default scenarios.
#
# One guest, booted fresh, goes through XS_BENCH_ROUNDS rounds (default 3).
# In each round every variant of XS_BENCH_VARIANTS (default "ours stock
# ours-z") saves the guest, restores it and migrates it to this host, with
# its own xl on both ends; the memory check must say ok after every
# restore and every migration, or the run fails (a fast wrong result is no
# result).  The order of the variants turns by one place each round, so
# that with as many rounds as variants each variant runs once in each
# position (first after a restore by another build, last, ...): a warm
# cache or a guest that has just been restored then favours none of them.
#
# A variant is BUILD or BUILD-z (xl save -z / xl migrate -z) or BUILD-nze
# (--send-zero-pages), see bench-lib.sh.  Migration streams are counted by one xs-copy in
# the ssh stand-in's pipe, for every variant alike.
#
# Raw figures go to bench.raw in the results, one line per operation:
#   round R op save|restore|migrate variant V secs S octets N age A xalloc X
# (A: the guest's counter when the operation began, its age in seconds;
# X: allocate-only entries in an image of ours, - where not counted).
# With strace in the image, one more save and restore per build runs under
# strace -f -tt -T (strace-save-BUILD.txt, strace-restore-BUILD.txt), for
# where the time of each build's xl and save/restore helper goes
# (summed per process and system call by bench-host-report.sh --strace).
# That restore runs with -e: strace -f would otherwise wait for the
# process xl leaves behind to watch the domain.
#
# With XS_BENCH_GUEST=hvm (bench-hvm.sh) the guest is the HVM one of
# check-libxl (tests/libxl/scenarios/libxl-lib-hvm.sh, which
# tests/bench/bench-host.sh puts beside the scenarios with its device
# model bundle), the figures go to bench-hvm.raw, and nothing is traced.
if [ "${XS_BENCH_GUEST:-pv}" = hvm ]; then
    XS_GUEST=h1
    . /run/xs/in/scenarios/libxl-lib-hvm.sh
    RAW=$XS_OUT/bench-hvm.raw
else
    . /run/xs/in/scenarios/lib.sh
    RAW=$XS_OUT/bench.raw
fi
. /run/xs/in/scenarios/bench-lib.sh
need_builds ours stock
ROUNDS=${XS_BENCH_ROUNDS:-3}
VARIANTS=${XS_BENCH_VARIANTS:-"ours stock ours-z"}
IMG=/tmp/$XS_GUEST.save
: > "$RAW"

# one_variant R V: save, restore, migrate with variant V, each checked.
one_variant() {
    local r=$1 v=$2 b o log from age n octets
    b=$(build_of "$v")
    o=$(opts_of "$v")
    log=$(guest_log)
    age=$(last_tick "$log")
    run "round $r: xl save $o ($b)" xlb "$b" save $o "$XS_GUEST" "$IMG" ||
        fail "round $r: xl save $o ($b) failed"
    octets=$(stat -c %s "$IMG")
    n=-
    [ "$v" = ours ] && n=$(alloc_only_pages "$IMG")
    record "$r" save "$v" "$octets" "$age" "${n:--}"

    log=$XS_CONS/guest-$XS_GUEST.log
    from=$(lines "$log")
    run "round $r: xl restore ($b)" xlb "$b" restore "$IMG" ||
        fail "round $r: xl restore ($b) of its own image failed"
    record "$r" restore "$v" "$octets" "$age" -
    set_guest_log "$log"
    rm -f "$IMG"
    check_continues "$log" "$from" "$age" ||
        fail "round $r, $v, after restore: $evidence"
    note "round $r, $v, restore: $mem_evidence"

    age=$(last_tick "$(guest_log)")
    XS_STREAM_COUNT=/tmp/bench.count
    XS_CAPTURE_STREAMS=0
    XS_MIGRATE_OPTS=$o
    export XS_STREAM_COUNT
    rm -f "$XS_STREAM_COUNT"
    migrate_local_checked "$b" "$b"
    octets=$(sed -n 's/.*copied: \([0-9][0-9]*\) bytes.*/\1/p' "$XS_STREAM_COUNT")
    took=$mig_took
    record "$r" migrate "$v" "${octets:--}" "$age" -
    note "round $r, $v, migrate: $mem_evidence"
}

# traced BUILD: one save and restore under strace (not timed here).
traced() {
    local b=$1 log from before
    ensure_guest || fail "no running guest"
    log=$(guest_log)
    before=$(last_tick "$log")
    run "xl save ($b) under strace" xs-with "$b" strace -f -tt -T \
        -o "$XS_OUT/strace-save-$b.txt" xl save "$XS_GUEST" "$IMG" ||
        fail "xl save ($b) under strace failed"
    log=$XS_CONS/guest-$XS_GUEST.log
    from=$(lines "$log")
    run "xl restore -e ($b) under strace" xs-with "$b" strace -f -tt -T \
        -o "$XS_OUT/strace-restore-$b.txt" xl restore -e "$IMG" ||
        fail "xl restore ($b) under strace failed"
    set_guest_log "$log"
    rm -f "$IMG"
    check_continues "$log" "$from" "$before" ||
        fail "after the traced restore ($b): $evidence"
}

if [ "${XS_BENCH_GUEST:-pv}" = hvm ]; then
    # The PV guest of bench.sh would only take CPU time from this one.
    xl domid g1 > /dev/null 2>&1 && xl destroy g1
    hvm_exists && xl destroy "$G"
    XS_BUILD=ours
    hvm_boot "$(hvm_cfg)"
    set_guest_log "$HVM_LOG"
else
    create_guest ours || fail "no guest"
fi
r=1
while [ "$r" -le "$ROUNDS" ]; do
    for v in $(rotated "$r"); do
        one_variant "$r" "$v"
    done
    r=$((r + 1))
done
if [ "${XS_BENCH_GUEST:-pv}" = pv ] && command -v strace > /dev/null; then
    for b in ours stock; do
        traced "$b"
    done
fi
pass "$ROUNDS rounds of $VARIANTS: $(wc -l < "$RAW") operations, memory ok after each; figures in bench.raw"
