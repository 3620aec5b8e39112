#!/bin/bash
# The table of `make bench-host`, from the raw figures the host's bench
# scenario wrote (host/scenarios/bench.sh):
#
#   bench-host-report.sh BENCH.RAW
#   bench-host-report.sh --strace TRACE
#   bench-host-report.sh --h2h BASE A-TO-B.RAW B-TO-A.RAW
#   bench-host-report.sh --h2h BASE RUN-DIR
#
# One line per operation in BENCH.RAW:
#   round R op save|restore|migrate variant V secs S octets N age A xalloc X
# optionally followed by "down MS" (the downtime our xl reported) and
# "pause MS" (the longest pause the guest saw afterwards), "-" where not
# known.
#
# Prints, per operation, each variant's mean and minimum time over the
# rounds and the ratio of its mean to stock's; then the image and stream
# sizes of the first round (the fresh guest) and of the last (the guest
# after it has run through the others), each with its ratio to stock's in
# the same round; then the size targets, met or not.
#
# With --strace, TRACE is the output of strace -f -tt -T of one xl save or
# restore: per process (named by the program it last executed, or its
# parent's with "+" for a thread or fork), the time from its first to its
# last system call, how much of that it spent inside system calls, and
# the four calls it spent most of that in.  A system call that blocks
# (read on an empty pipe, poll) counts as time inside it, so "outside"
# is roughly the process's own CPU time.
#
# With --h2h, the two-host migrations (host/scenarios/bench-h2h.sh), one
# file per direction: per variant, the mean (min) time of each direction
# and of both, its ratio to BASE's mean, the downtime our xl reported and
# the longest pause the guest saw, mean (max) over both directions; then
# issue 12's targets for each variant of ours whose stock counterpart ran
# (the same name with stock for ours and without -z: ours-ssh against
# stock-ssh, ours-z against stock): not slower, or with -z at least 3x
# faster, on the means over both directions (A -> B only if the
# counterpart was timed only that way); then issue 13's targets for each
# --data-port variant (a name with "tls"): at least 3x faster than BASE,
# a guest pause no longer than BASE's (when BASE is a stock variant).
# Given the directory of a two-host run of bench-h2h (run-host.sh
# --two-host), it takes each host's bench-h2h.raw (the migrations it
# sent) with the pauses the other host's guest saw (its bench-h2h.pause)
# as the two files, and prints a table for the PV guest from those and
# one for the HVM guest from bench-h2h-hvm.raw and .pause, for each guest
# whose figures host A has.
#
# Exit status: 0 table printed, 1 a file is missing, malformed or lacks
# stock and ours (BASE with --h2h).
set -u
case $#,${1:-} in
    1,*|2,--strace|3,--h2h|4,--h2h) ;;
    *) echo "usage: $0 BENCH.RAW | --strace TRACE | --h2h BASE A-TO-B.RAW B-TO-A.RAW | --h2h BASE RUN-DIR" >&2; exit 1 ;;
esac
if [ $# = 3 ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # A guest's figures are there if host A wrote its file; the PV
    # guest's are looked for if neither is.
    guests=
    [ -e "$3/a/results/bench-h2h.raw" ] && guests=pv
    [ -e "$3/a/results/bench-h2h-hvm.raw" ] && guests="$guests hvm"
    [ -n "$guests" ] || guests=pv
    status=0 sep=
    for g in $guests; do
        case $g in
            pv) stem=bench-h2h title="128 MiB PV guest" ;;
            hvm) stem=bench-h2h-hvm title="128 MiB HVM guest (16 MiB of it video RAM)" ;;
        esac
        for d in ab ba; do
            case $d in
                ab) from=$3/a/results to=$3/b/results ;;
                ba) from=$3/b/results to=$3/a/results ;;
            esac
            [ -s "$from/$stem.raw" ] ||
                { echo "bench-host-report: $from/$stem.raw: missing or empty" >&2; exit 1; }
            [ -f "$to/$stem.pause" ] ||
                { echo "bench-host-report: $to/$stem.pause: missing" >&2; exit 1; }
            awk 'FILENAME == ARGV[1] { p[$2, $4] = $6; next }
                 { print $0 " pause " ((($2, $6) in p) ? p[$2, $6] : "-") }' \
                "$to/$stem.pause" "$from/$stem.raw" > "$tmp/$g-$d.raw"
        done
        [ -n "$sep" ] && echo
        echo "$title, xl migrate A <-> B:"
        bash "$0" --h2h "$2" "$tmp/$g-ab.raw" "$tmp/$g-ba.raw" || status=1
        sep=1
    done
    exit $status
fi
raw=${2:-$1}
[ "$1" = --h2h ] && raw=$3
for f in "$raw" ${4:+"$4"}; do
    [ -s "$f" ] || { echo "bench-host-report: $f: missing or empty" >&2; exit 1; }
done

# The checks of a raw line, shared by both tables (awk functions).
# shellcheck disable=SC2016
parse='
function bad(msg) { printf "bench-host-report: %s line %d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; err = 1; exit 1 }
# parse_line(): the fields of a raw line into r, op, v, s, o, down, pause.
function parse_line(  i) {
    if (NF < 14 || NF % 2 || $1 != "round" || $3 != "op" || $5 != "variant" || $7 != "secs" ||
        $9 != "octets" || $11 != "age" || $13 != "xalloc")
        bad("not a bench line: " $0)
    r = $2; op = $4; v = $6; s = $8; o = $10; down = "-"; pause = "-"
    if (r !~ /^[0-9]+$/ || s !~ /^[0-9]+(\.[0-9]+)?$/) bad("bad round or seconds: " $0)
    if (op != "save" && op != "restore" && op != "migrate") bad("unknown operation " op)
    for (i = 15; i < NF; i += 2) {
        if ($i == "down") down = $(i + 1)
        else if ($i == "pause") pause = $(i + 1)
        else bad("unknown field " $i)
        if ($(i + 1) !~ /^([0-9]+|-)$/) bad("bad " $i ": " $(i + 1))
    }
}'

if [ "$1" = --h2h ]; then
    awk -v base="$2" -v ab="$3" "$parse"'
    function add(key, x) { if (x == "-") return; ns[key]++; ss[key] += x; if (x > mx[key]) mx[key] = x }
    function mean(key) { return ss[key] / ns[key] }
    # cmp(v): the mean of v that is compared with the base: over both
    # directions, or A -> B only if the base was timed only that way.
    function cmp(v) { return ((base, 2) in ns) ? mean(v) : mean(v SUBSEP 1) }
    function pkey(v) { return ((base, 2) in ns) ? v SUBSEP "pause" : v SUBSEP "pause" SUBSEP 1 }
    # counterpart(v): the stock variant v is judged against: stock for
    # ours, without -z (ours-ssh-z against stock-ssh).
    function counterpart(v,  p, n, j, c) {
        n = split(v, p, "-")
        c = "stock"
        for (j = 2; j <= n; j++) if (p[j] != "z") c = c "-" p[j]
        return c
    }
    function fmt(key) { return (key in ns) ? sprintf("%.0f (%.0f)", mean(key), mx[key]) : "-" }
    {
        parse_line()
        if (op != "migrate") bad("not a migration: " $0)
        d = FILENAME == ab ? 1 : 2
        if (!(v in seen)) { seen[v] = 1; order[++nv] = v }
        add(v SUBSEP d, s); add(v, s)
        if (!((v, d, "min") in mn) || s < mn[v, d, "min"]) mn[v, d, "min"] = s
        add(v SUBSEP "down", down); add(v SUBSEP "pause", pause); add(v SUBSEP "pause" SUBSEP d, pause)
    }
    END {
        if (err) exit 1
        if (!(base in seen)) { print "bench-host-report: no " base " migrations in " ab > "/dev/stderr"; exit 1 }
        for (i = 2; i <= nv; i++)
            for (j = i; j > 1 && order[j - 1] > order[j]; j--) { t = order[j]; order[j] = order[j - 1]; order[j - 1] = t }
        if (!((base, 1) in ns)) { print "bench-host-report: no " base " migrations A -> B in " ab > "/dev/stderr"; exit 1 }
        bothways = (base, 2) in ns
        printf "%-16s  %-16s  %-16s  %-8s  %-16s  %-20s  %-20s  %s\n", "variant", "A -> B mean (min)",
            "B -> A mean (min)", "both", "/" base (bothways ? "" : " A->B"), "xl downtime ms", "guest pause ms", "n"
        printf "%-16s  %-16s  %-16s  %-8s  %-16s  %-20s  %-20s\n", "", "s", "s", "mean s", "", "mean (max)", "mean (max)"
        for (i = 1; i <= nv; i++) {
            v = order[i]
            printf "%-16s", v
            for (d = 1; d <= 2; d++)
                printf "  %-16s", ((v, d) in ns) ? sprintf("%.1f (%.1f)", mean(v SUBSEP d), mn[v, d, "min"]) : "-"
            printf "  %-8.1f  %-16s  %-20s  %-20s  %d\n", mean(v),
                ((v, 1) in ns || bothways) ? sprintf("%.2fx", cmp(v) / cmp(base)) : "-",
                fmt(v SUBSEP "down"), fmt(v SUBSEP "pause"), ns[v]
        }
        # Issue 12: each variant of ours against stock over the same
        # transport (the ratio judged as printed, as for one host).
        n12 = 0
        for (i = 1; i <= nv; i++) {
            v = order[i]
            if (v !~ /^ours/ || v ~ /tls/ || !((v, 1) in ns)) continue
            c = counterpart(v)
            if (!(c in seen) || !((c, 1) in ns)) continue
            both = (c, 2) in ns && (v, 2) in ns
            # z: -z is judged by how many times faster, the rest by the
            # ratio of the times.
            z = v ~ /(^|-)z(-|$)/
            x = both ? mean(v) / mean(c) : mean(v SUBSEP 1) / mean(c SUBSEP 1)
            a = mean(v SUBSEP 1) / mean(c SUBSEP 1)
            dirs = " (A -> B only)"
            if (both) {
                b = mean(v SUBSEP 2) / mean(c SUBSEP 2)
                dirs = sprintf(" (A -> B %.2fx, B -> A %.2fx)", z ? 1 / a : a, z ? 1 / b : b)
            }
            if (!n12++)
                printf "\ntargets (issue 12), each variant of ours against stock over the same transport, means over both directions:\n"
            if (z)
                printf "  %s at least 3x faster than %s: %.2fx%s: %s\n", v, c, 1 / x, dirs,
                    (sprintf("%.2f", 1 / x) + 0 >= 3 ? "met" : "NOT met")
            else
                printf "  %s not slower than %s: %.2fx%s: %s\n", v, c, x, dirs,
                    (sprintf("%.2f", x) + 0 <= 1 ? "met" : "NOT met")
        }
        # The targets of issue 13 are against stock xl.
        if (base !~ /^stock/) exit
        n13 = 0
        for (i = 1; i <= nv; i++) {
            v = order[i]
            if (v !~ /tls/ || !((v, 1) in ns)) continue
            if (!n13++)
                printf "\ntargets (issue 13), each --data-port variant against %s, means over %s:\n", base,
                    bothways ? "both directions" : "A -> B (the only way " base " was timed)"
            x = cmp(base) / cmp(v)
            printf "  %s at least 3x faster: %.1fx: %s\n", v, x, (x >= 3 ? "met" : "NOT met")
            if ((pkey(v) in ns) && (pkey(base) in ns))
                printf "  %s guest pause no larger: %.0f ms against %.0f ms: %s\n", v, mean(pkey(v)),
                    mean(pkey(base)), mean(pkey(v)) <= mean(pkey(base)) ? "met" : "NOT met"
        }
    }' "$3" "$4"
    exit
fi

if [ $# = 2 ]; then
    awk '
    function secs(t,  a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
    $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+$/ { next }
    {
        pid = $1; t = secs($2); lines++
        if (!(pid in first)) { first[pid] = t; order[++np] = pid }
        last[pid] = t
        call = ""
        if ($3 ~ /^<\.\.\./) call = $4
        else if (match($3, /^[a-z_0-9]+\(/)) call = substr($3, 1, RLENGTH - 1)
        if (call == "execve" && $0 ~ /= 0 <[0-9.]+>$/ && match($0, /execve\("[^"]*"/)) {
            prog = substr($0, RSTART + 8, RLENGTH - 9); sub(/.*\//, "", prog); name[pid] = prog
        }
        if ((call == "clone" || call == "clone3" || call == "fork" || call == "vfork") &&
            match($0, /= [0-9]+ <[0-9.]+>$/)) {
            child = substr($0, RSTART + 2); sub(/ .*/, "", child); parent[child] = pid
        }
        if (call != "" && $0 !~ /<unfinished \.\.\.>$/ && match($0, /<[0-9.]+>$/)) {
            d = substr($0, RSTART + 1, RLENGTH - 2)
            insys[pid] += d; by[pid, call] += d; nby[pid, call]++
            if (!((pid, call) in seen)) { seen[pid, call] = 1; calls[pid] = calls[pid] " " call }
        }
    }
    function nameof(p,  q) {
        if (p in name) return name[p]
        q = (p in parent) ? nameof(parent[p]) "+" : "?"
        return q
    }
    END {
        if (!lines) { print "bench-host-report: " FILENAME ": no strace -f -tt -T lines" > "/dev/stderr"; exit 1 }
        printf "%-8s %-22s %9s %9s %9s  %s\n", "pid", "process", "span s", "in calls", "outside", "most time in (calls)"
        for (i = 1; i <= np; i++) {
            p = order[i]
            n = split(calls[p], cs, " ")
            top = ""
            for (k = 1; k <= 4; k++) {
                best = ""
                for (j = 1; j <= n; j++)
                    if (!(cs[j] in used) && (best == "" || by[p, cs[j]] > by[p, best])) best = cs[j]
                if (best == "") break
                used[best] = 1
                top = top sprintf("%s %.3f (%d)  ", best, by[p, best], nby[p, best])
            }
            delete used
            span = last[p] - first[p]
            printf "%-8s %-22s %9.3f %9.3f %9.3f  %s\n", p, nameof(p), span, insys[p], span - insys[p], top
        }
    }' "$raw"
    exit
fi

awk "$parse"'
function mb(o) { return sprintf("%.1f MB", o / 1e6) }
function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
{
    parse_line()
    if (!(v in seen)) { seen[v] = 1; order[++nv] = v }
    k = op SUBSEP v
    n[k]++; sum[k] += s
    if (!(k in min) || s < min[k]) min[k] = s
    if (r > last) last = r
    if (first == "" || r < first) first = r
    if (o ~ /^[0-9]+$/) { size[op, v, r] = o; age[op, v, r] = $12 }
    if ($14 ~ /^[0-9]+$/) xalloc[op, v, r] = $14
}
END {
    if (err) exit 1
    if (!("stock" in seen) || !("ours" in seen)) {
        print "bench-host-report: " FILENAME ": needs both the stock and the ours variant" > "/dev/stderr"
        exit 1
    }
    # Columns in the order of the variants names (ours, ours-z, stock),
    # whatever order the rounds ran them in.
    for (i = 2; i <= nv; i++)
        for (j = i; j > 1 && order[j - 1] > order[j]; j--) {
            t = order[j]; order[j] = order[j - 1]; order[j - 1] = t
        }
    printf "%-11s", "operation"
    for (i = 1; i <= nv; i++) printf "  %-20s", order[i] " mean (min)"
    for (i = 1; i <= nv; i++) if (order[i] != "stock") printf "  %-11s", order[i] "/stock"
    printf "\n"
    split("save restore migrate", ops, " ")
    for (j = 1; j <= 3; j++) {
        op = ops[j]
        if (!((op, "stock") in n)) continue
        printf "%-11s", "xl " op
        for (i = 1; i <= nv; i++) {
            k = op SUBSEP order[i]
            if (k in n) printf "  %-20s", sprintf("%.2f s (%.2f)", sum[k] / n[k], min[k])
            else printf "  %-20s", "-"
        }
        sk = op SUBSEP "stock"
        for (i = 1; i <= nv; i++) {
            if (order[i] == "stock") continue
            k = op SUBSEP order[i]
            printf "  %-11s", (k in n) ? ratio(sum[k] / n[k], sum[sk] / n[sk]) : "-"
        }
        printf "\n"
    }
    printf "\nsizes (MB = 10^6 octets; ratio to stock in the same round; guest age from its counter when ours saved or migrated it)\n"
    nr = split(first (last != first ? " " last : ""), rounds, " ")
    for (j = 1; j <= 2; j++) {
        op = j == 1 ? "save" : "migrate"
        what = j == 1 ? "save image" : "migration stream"
        for (q = 1; q <= nr; q++) {
            r = rounds[q]
            if (!((op, "stock", r) in size)) continue
            st = size[op, "stock", r]
            printf "%-16s round %s (guest up %s s):", what, r, age[op, "ours", r]
            for (i = 1; i <= nv; i++) {
                v = order[i]
                if (!((op, v, r) in size)) continue
                printf "  %s %s", v, mb(size[op, v, r])
                if (v != "stock") printf " (%s)", ratio(size[op, v, r], st)
                if ((op, v, r) in xalloc) printf " [%d zero pages left out]", xalloc[op, v, r]
            }
            printf "\n"
            if (j == 1) {
                q_d[r] = size[op, "ours", r] / st
                if ((op, "ours-z", r) in size) q_z[r] = size[op, "ours-z", r] / st
            }
        }
    }
    printf "\ntargets (issue 12):\n"
    for (q = 1; q <= nr; q++) {
        r = rounds[q]
        if (r in q_d)
            printf "  default image <= 0.50x stock: round %s %.2fx: %s\n", r, q_d[r], q_d[r] <= 0.5 ? "met" : "NOT met"
        if (r in q_z)
            printf "  -z image <= 0.125x stock: round %s %.3fx: %s\n", r, q_z[r], q_z[r] <= 0.125 ? "met" : "NOT met"
    }
    for (j = 1; j <= 3; j++) {
        op = ops[j]
        sk = op SUBSEP "stock"; ok = op SUBSEP "ours"
        if ((sk in n) && (ok in n))
            # Judged on the ratio as printed: equal sums of 0.1 s figures
            # must not differ by the last bit of their floating means.
            printf "  xl %s not slower than stock (mean): %s: %s\n", op, ratio(sum[ok] / n[ok], sum[sk] / n[sk]),
                ratio(sum[ok] / n[ok], sum[sk] / n[sk]) + 0 <= 1 ? "met" : "NOT met"
    }
}' "$raw"
